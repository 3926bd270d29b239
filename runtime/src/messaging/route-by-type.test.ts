import { describe, expect, it } from 'vitest';
import { AppError, errorCodes, isAppError } from '../errors/index.ts';
import type { Message } from './message.ts';
import { metadataKeys } from './metadata.ts';
import { routeByType } from './route-by-type.ts';
import { makeMessage } from './test-support.ts';

function ofType(type: string | undefined): Message {
  const message = makeMessage('t', 0);
  const metadata: Record<string, string> = { ...message.metadata };
  if (type === undefined) delete metadata[metadataKeys.type];
  else metadata[metadataKeys.type] = type;
  return { ...message, metadata };
}

describe('routeByType', () => {
  it('calls-the-handler-of-the-message-type-only', async () => {
    const seen: string[] = [];
    const route = routeByType({ a: async () => void seen.push('a'), b: async () => void seen.push('b') });
    await route(ofType('b'));
    await route(ofType('a'));
    expect(seen).toEqual(['b', 'a']);
  });

  it('passes-the-handler-failure-through', async () => {
    const route = routeByType({ a: async () => Promise.reject(new AppError(errorCodes.unavailable, 'cannot write: down')) });
    await expect(route(ofType('a'))).rejects.toMatchObject({ code: errorCodes.unavailable });
  });

  it.each([
    ['an-unknown-type', 'c', /no handler for type c \(expected one of a, b\)$/],
    ['no-type', undefined, /it has no type \(expected one of a, b\)$/],
    ['an-empty-type', '', /it has no type/],
  ])('rejects-a-message-of-%s-as-poison', async (_name, type, reason) => {
    const route = routeByType({ a: async () => undefined, b: async () => undefined });
    const error = await route(ofType(type)).catch((e: unknown) => e);
    expect(isAppError(error, errorCodes.poisonMessage)).toBe(true);
    expect((error as Error).message).toMatch(reason);
  });

  it('refuses-an-empty-route-table-or-a-handler-that-is-not-a-function', () => {
    expect(() => routeByType({})).toThrow('cannot route messages by type: no handler given');
    expect(() => routeByType({ a: 'nope' as never })).toThrow(AppError);
  });
});
