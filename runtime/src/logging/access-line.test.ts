import { Writable } from 'node:stream';
import { createLogger } from './create-logger.ts';
import { runWithLogFields } from '../observability/log-context.ts';
import { describe, expect, it } from 'vitest';
import { accessLineWriter } from './access-line.ts';
import type { AccessLine } from './access-line.ts';

function capture(level: 'info' | 'warn' = 'info', pretty = false) {
  const lines: string[] = [];
  const destination = new Writable({ write: (chunk: Buffer, _encoding, done) => done(void lines.push(...chunk.toString().split('\n').filter((line) => line !== ''))) });
  return { lines, logger: createLogger({ name: 'gateway', level, destination, pretty }) };
}

const line: AccessLine = { requestId: 'req-1', traceId: '0af7651916cd43dd8448eb211c80319c', method: 'GET', path: '/api/platforms/"7"\\', status: 200, durationMs: 1.25 };
const withoutTime = (text: string) => {
  const { time, ...rest } = JSON.parse(text) as Record<string, unknown>;
  expect(time).toMatch(/^\d{4}-\d\d-\d\dT/);
  return rest;
};

describe('access line writer', () => {
  it('writes-the-same-json-line-the-logger-writes-fields-in-the-same-order', () => {
    const { lines, logger } = capture();
    accessLineWriter(logger)('info', line, 'request completed');
    logger.info(line, 'request completed');
    expect(lines).toHaveLength(2);
    expect(withoutTime(lines[0] as string)).toEqual(withoutTime(lines[1] as string));
    expect(Object.keys(JSON.parse(lines[0] as string))).toEqual(Object.keys(JSON.parse(lines[1] as string)));
    expect(JSON.parse(lines[0] as string)).toMatchObject({ level: 'info', service: 'gateway', path: '/api/platforms/"7"\\', msg: 'request completed' });
  });

  it('writes-warn-and-error-lines-with-their-level-and-an-aborted-flag', () => {
    const { lines, logger } = capture();
    const write = accessLineWriter(logger);
    write('warn', { ...line, aborted: true }, 'request aborted by the client');
    write('error', { ...line, status: 502 }, 'request failed');
    expect(lines.map((text) => JSON.parse(text) as Record<string, unknown>)).toMatchObject([
      { level: 'warn', aborted: true, msg: 'request aborted by the client' },
      { level: 'error', status: 502, msg: 'request failed' },
    ]);
  });

  it('writes-nothing-below-the-loggers-level', () => {
    const { lines, logger } = capture('warn');
    accessLineWriter(logger)('info', line, 'request completed');
    expect(lines).toEqual([]);
  });

  it('leaves-lines-with-log-context-fields-to-the-logger-which-merges-them', () => {
    const { lines, logger } = capture();
    runWithLogFields({ messageId: 'm-1' }, () => accessLineWriter(logger)('info', line, 'request completed'));
    expect(JSON.parse(lines[0] as string)).toMatchObject({ messageId: 'm-1', requestId: 'req-1' });
  });

  it('feeds-a-pretty-logger-the-same-line', () => {
    const { lines, logger } = capture('info', true);
    accessLineWriter(logger)('info', line, 'request completed');
    logger.info(line, 'request completed');
    const clock = /\d\d:\d\d:\d\d\.\d{3}/;
    expect(lines).toHaveLength(2);
    expect((lines[0] as string).replace(clock, 'T')).toBe((lines[1] as string).replace(clock, 'T'));
    expect(lines[0]).toContain('requestId=req-1');
  });
});
