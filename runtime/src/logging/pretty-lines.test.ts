import { describe, expect, it } from 'vitest';
import { prettyLine } from './pretty-lines.ts';

describe('prettyLine', () => {
  it('prints-an-access-log-event-as-one-line-with-the-part-name-first', () => {
    const json = JSON.stringify({ level: 'info', time: '2026-12-01T10:00:01.234Z', service: 'platform-service', requestId: 'r-1', traceId: 'abc', method: 'GET', path: '/api/platforms', status: 200, durationMs: 3.1, msg: 'request completed' });
    expect(prettyLine(json)).toBe('platform-service 10:00:01.234 INFO  GET /api/platforms 200 3.1ms requestId=r-1 traceId=abc\n');
  });

  it('keeps-an-error-with-a-multi-line-stack-on-one-line', () => {
    const json = JSON.stringify({ level: 'error', time: '2026-12-01T10:00:01.234Z', service: 'gateway', err: { type: 'TypeError', message: 'boom\nsecond line', stack: 'TypeError: boom\n    at run (/app/x.ts:3:7)' }, msg: 'failed' });
    const line = prettyLine(json);
    expect(line).toBe(`gateway          10:00:01.234 ERROR failed err=${JSON.stringify('TypeError: boom\nsecond line (/app/x.ts:3)')}\n`);
  });

  it('prints-an-rpc-line-like-a-request', () => {
    const json = JSON.stringify({ level: 'info', time: '2026-12-01T10:00:01.234Z', service: 'platform-service', rpc: 'platforms.v1.PlatformService/GetAllPlatforms', code: 'ok', durationMs: 1.5, requestId: 'r-2', msg: 'rpc completed' });
    expect(prettyLine(json)).toBe('platform-service 10:00:01.234 INFO  platforms.v1.PlatformService/GetAllPlatforms ok 1.5ms requestId=r-2\n');
  });
});
