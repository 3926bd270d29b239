import type { Logger } from 'pino';
import { AppError, errorCodes, isAppError } from '../../errors/index.ts';
import type { Message, Middleware, Publisher } from '../message.ts';
import { metadataKeys } from '../metadata.ts';
import { silentLogger } from '../silent-logger.ts';
import { handlerAttempts } from './retry.ts';

/** Where final failures go. */
export interface DeadLetterOptions {
  /** Publisher of dead letters (for AMQP: a publisher on the dead-letter exchange). Required. */
  readonly publisher: Publisher;
  /** Topic (routing key) of dead letters; for AMQP the DLQ's binding key, normally the queue name. Required. */
  readonly topic: string;
  /** Longest reason kept, in characters; longer error messages are cut. Default 1_000. */
  readonly maxReasonLength?: number;
  /** Logs each dead letter at error level. Default: silent. */
  readonly logger?: Logger;
}

/**
 * Turns a final handler failure into a dead letter: the message is published to the
 * dead-letter topic with the reason, error code and attempt count in its metadata, and the
 * handler then resolves so the original is acknowledged. If the dead letter cannot be
 * published, the handler rejects so the transport requeues the original: never lose a message.
 * Place it outside the retry middleware: `applyMiddleware(h, deadLetter, retry)`.
 */
export function createDeadLetterMiddleware(options: DeadLetterOptions): Middleware {
  const fail = (why: string): never => {
    throw new AppError(errorCodes.invalidConfig, `cannot create dead-letter middleware: ${why}`);
  };
  if (typeof options?.publisher?.publish !== 'function') fail('publisher must be a Publisher');
  if (typeof options.topic !== 'string' || options.topic === '') fail('topic must be a non-empty string');
  const maxReasonLength = options.maxReasonLength ?? 1_000;
  if (!Number.isInteger(maxReasonLength) || maxReasonLength < 1) fail(`maxReasonLength must be an integer >= 1, got ${maxReasonLength}`);
  const logger = options.logger ?? silentLogger;

  return (next) => async (message) => {
    try {
      await next(message);
    } catch (error) {
      const deadLetter = toDeadLetter(message, error, maxReasonLength);
      try {
        await options.publisher.publish(options.topic, [deadLetter]);
      } catch (publishError) {
        logger.error({ err: publishError, messageId: message.id }, 'cannot dead-letter message, leaving it to the transport');
        throw new AppError(errorCodes.unavailable, `cannot dead-letter message ${message.id}: ${describe(publishError)}`, { cause: error });
      }
      logger.error({ err: error, messageId: message.id, topic: options.topic, attempts: deadLetter.metadata[metadataKeys.deadLetterAttempts] }, 'message dead-lettered');
    }
  };
}

function toDeadLetter(message: Message, error: unknown, maxReasonLength: number): Message {
  return {
    id: message.id,
    payload: message.payload,
    metadata: {
      ...message.metadata,
      [metadataKeys.deadLetterReason]: describe(error).slice(0, maxReasonLength),
      [metadataKeys.deadLetterCode]: isAppError(error) ? error.code : errorCodes.internal,
      [metadataKeys.deadLetterAttempts]: String(handlerAttempts(error)),
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
