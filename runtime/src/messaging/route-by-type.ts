import { AppError, errorCodes } from '../errors/index.ts';
import type { Handler } from './message.ts';
import { metadataKeys } from './metadata.ts';

/**
 * One handler for a queue that carries several message types: each message goes to the handler
 * of its `type` metadata (the AMQP `type` property). A message without a type, or of a type
 * with no handler, can never be handled here: it rejects with AppError `poison_message`, which
 * the dead-letter middleware dead-letters at once with that reason.
 */
export function routeByType(handlers: Readonly<Record<string, Handler>>): Handler {
  const routes = new Map(Object.entries(handlers));
  if (routes.size === 0) throw new AppError(errorCodes.invalidConfig, 'cannot route messages by type: no handler given');
  for (const [type, handler] of routes) {
    if (type === '' || typeof handler !== 'function') throw new AppError(errorCodes.invalidConfig, `cannot route messages by type: the handler of "${type}" is not a function`);
  }
  const known = [...routes.keys()].join(', ');
  return async (message) => {
    const type = message.metadata[metadataKeys.type];
    if (type === undefined || type === '') {
      throw new AppError(errorCodes.poisonMessage, `cannot handle message ${message.id}: it has no type (expected one of ${known})`);
    }
    const handler = routes.get(type);
    if (handler === undefined) throw new AppError(errorCodes.poisonMessage, `cannot handle message ${message.id}: no handler for type ${type} (expected one of ${known})`);
    await handler(message);
  };
}
