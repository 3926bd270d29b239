import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { runEntry } from '@platform/runtime/lifecycle/testing';
import type { EntryProcess } from '@platform/runtime/lifecycle/testing';
import { describe, expect, it } from 'vitest';
import { eventually } from './testing/broker.ts';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const serviceDir = fileURLToPath(new URL('..', import.meta.url));

/** Runs `node src/main.ts` as `npm start` does, with exactly `env` (nothing inherited). */
const runMain = (env: Record<string, string>): EntryProcess => runEntry(main, { cwd: serviceDir, env });

const baseEnv = { HTTP_PORT: '0', GRPC_PORT: '0', HOST: '127.0.0.1', DB_URL: ':memory:', COMMANDS_SYNC_ENABLED: 'false' };

async function started(child: EntryProcess): Promise<{ restUrl: string; grpcUrl: string }> {
  const line = await child.line('platform-service started');
  return { restUrl: String(line.restUrl), grpcUrl: String(line.grpcUrl) };
}

/** Sends a POST in two steps: headers (with `Expect: 100-continue`) now, the body when `finish` is called. */
function slowCreate(restUrl: string): { headersSeen: Promise<void>; finish(): Promise<{ status: number; body: string }> } {
  const body = JSON.stringify({ name: 'In flight', publisher: 'p', cost: 'c' });
  const call = request(`${restUrl}/api/platforms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' },
  });
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    call.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    call.on('error', reject);
  });
  call.flushHeaders();
  return {
    // The server answers "100 Continue" once it has parsed the request: the request is in flight.
    headersSeen: new Promise((resolve) => call.once('continue', resolve)),
    finish: () => {
      call.end(body);
      return answered;
    },
  };
}

describe('node src/main.ts', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('finishes-the-request-in-flight-on-%s-then-exits-0', async (signal) => {
    const child = runMain(baseEnv);
    const { restUrl } = await started(child);
    expect((await fetch(`${restUrl}/api/platforms`)).status).toBe(200);

    const inFlight = slowCreate(restUrl);
    await inFlight.headersSeen;
    child.process.kill(signal);
    await eventually(() => child.lines().some((line) => line.msg === 'platform-service stopping'));
    const answer = await inFlight.finish();
    expect(answer.status).toBe(201);
    expect(JSON.parse(answer.body)).toMatchObject({ name: 'In flight' });

    expect(await child.exited).toBe(0);
    const messages = child.lines().map((line) => line.msg);
    expect(messages).toEqual(expect.arrayContaining(['shutting down', 'platform-service stopped', 'shutdown complete']));
    expect(child.lines().find((line) => line.msg === 'shutting down')).toMatchObject({ reason: signal });
    await expect(fetch(`${restUrl}/healthz`)).rejects.toThrow('fetch failed');
  });

  it('refuses-to-start-naming-the-bad-variable-and-exits-1', async () => {
    const child = runMain({ ...baseEnv, GRPC_PORT: 'sixty' });
    expect(await child.exited).toBe(1);
    expect(child.lines().find((line) => line.level === 'fatal')).toMatchObject({
      service: 'platform-service',
      msg: 'cannot start: invalid configuration: GRPC_PORT must be an integer between 0 and 65535 (got "sixty")',
    });
  });

  it('refuses-to-start-in-production-without-an-issuer-with-one-clear-line', async () => {
    const child = runMain({ ...baseEnv, NODE_ENV: 'production' });
    expect(await child.exited).toBe(1);
    expect(child.lines()).toEqual([
      expect.objectContaining({
        level: 'fatal',
        service: 'platform-service',
        msg: 'cannot start: invalid configuration: AUTH_JWKS_URL is required when NODE_ENV is production (with AUTH_ISSUER and AUTH_AUDIENCE): without them anyone could write',
      }),
    ]);
  });

  it('exits-1-when-it-cannot-start', async () => {
    const child = runMain({ ...baseEnv, DB_DRIVER: 'postgresql', DB_URL: 'postgresql://postgres@127.0.0.1:1/none' });
    expect(await child.exited).toBe(1);
    expect(child.lines().some((line) => line.level === 'fatal' && line.msg === 'cannot start platform-service')).toBe(true);
  });
});
