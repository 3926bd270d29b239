import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './create-logger.ts';

/** A destination stream that keeps every written chunk. */
function memoryDestination(): Writable & { text(): string; lines(): Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return Object.assign(stream, {
    text: () => chunks.join(''),
    lines: () => chunks.join('').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>),
  });
}

describe('createLogger', () => {
  it('writes-one-json-line-per-event-with-service-level-word-and-iso-time', () => {
    const destination = memoryDestination();
    const logger = createLogger({ name: 'platform-service', destination });
    logger.info({ platformId: 7 }, 'platform created');
    logger.warn('second');
    const lines = destination.lines();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 'info', service: 'platform-service', platformId: 7, msg: 'platform created' });
    expect(new Date(String(lines[0]?.time)).toISOString()).toBe(lines[0]?.time);
    expect(destination.text().split('\n')[0]).not.toContain('\n');
  });

  it('drops-events-below-the-level', () => {
    const destination = memoryDestination();
    const logger = createLogger({ name: 's', level: 'warn', destination });
    logger.info('hidden');
    logger.error('shown');
    expect(destination.lines().map((line) => line.msg)).toEqual(['shown']);
  });

  it('serializes-errors-with-type-message-and-stack', () => {
    const destination = memoryDestination();
    createLogger({ name: 's', destination }).error({ err: new TypeError('boom') }, 'failed');
    const err = destination.lines()[0]?.err as Record<string, unknown>;
    expect(err).toMatchObject({ type: 'TypeError', message: 'boom' });
    expect(String(err.stack)).toContain('TypeError: boom');
  });

  it('redacts-credentials', () => {
    const destination = memoryDestination();
    createLogger({ name: 's', destination }).info({ req: { headers: { authorization: 'Bearer secret' } }, db: { password: 'p4ss' } }, 'request');
    const text = destination.text();
    expect(text).not.toContain('secret');
    expect(text).not.toContain('p4ss');
    expect(text).toContain('[redacted]');
  });

  it('child-loggers-carry-their-bindings', () => {
    const destination = memoryDestination();
    createLogger({ name: 's', destination }).child({ requestId: 'r-1' }).info('handled');
    expect(destination.lines()[0]).toMatchObject({ service: 's', requestId: 'r-1' });
  });

  it('writes-human-readable-lines-when-pretty', () => {
    const destination = memoryDestination();
    createLogger({ name: 'gateway', pretty: true, destination }).info('listening');
    const text = destination.text();
    expect(text).toContain('listening');
    expect(text).toContain('INFO');
    expect(text.trimStart().startsWith('{')).toBe(false);
  });

  it('rejects-an-empty-name-or-unknown-level', () => {
    expect(() => createLogger({ name: ' ' })).toThrow('cannot create logger: name must not be empty');
    expect(() => createLogger({ name: 's', level: 'loud' as 'info' })).toThrow(/level must be one of/);
  });
});
