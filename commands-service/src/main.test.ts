import { fileURLToPath } from 'node:url';
import { runEntry } from '@platform/runtime/lifecycle/testing';
import type { EntryProcess } from '@platform/runtime/lifecycle/testing';
import { describe, expect, it } from 'vitest';
import { freePort } from './testing/platform-service-peer.ts';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const serviceDir = fileURLToPath(new URL('..', import.meta.url));

/** Runs `node src/main.ts` as `npm start` does, with exactly `env` (nothing inherited). */
const runMain = (env: Record<string, string>): EntryProcess => runEntry(main, { cwd: serviceDir, env });

describe('node src/main.ts', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('stops-gracefully-on-%s-and-exits-0', async (signal) => {
    const child = runMain({
      HTTP_PORT: '0',
      HOST: '127.0.0.1',
      DB_URL: ':memory:',
      // platform-service is down: the sync keeps retrying, which must not hold up the shutdown.
      PLATFORM_SERVICE_GRPC_URL: `http://127.0.0.1:${await freePort()}`,
    });
    const restUrl = String((await child.line('commands-service started')).restUrl);
    expect((await fetch(`${restUrl}/healthz`)).status).toBe(200);

    child.process.kill(signal);
    expect(await child.exited).toBe(0);
    const messages = child.lines().map((line) => line.msg);
    expect(messages).toEqual(expect.arrayContaining(['shutting down', 'commands-service stopped', 'shutdown complete']));
    expect(child.lines().find((line) => line.msg === 'shutting down')).toMatchObject({ reason: signal });
    await expect(fetch(`${restUrl}/healthz`)).rejects.toThrow('fetch failed');
  });

  it('refuses-to-start-naming-the-bad-variable-and-exits-1', async () => {
    const child = runMain({ HTTP_PORT: 'sixty', DB_URL: ':memory:' });
    expect(await child.exited).toBe(1);
    expect(child.lines().find((line) => line.level === 'fatal')).toMatchObject({
      msg: 'cannot start: invalid configuration: HTTP_PORT must be an integer between 0 and 65535 (got "sixty")',
    });
  });

  it('refuses-to-start-in-production-without-an-issuer-with-one-clear-line', async () => {
    const child = runMain({ NODE_ENV: 'production', HTTP_PORT: '0', DB_URL: ':memory:' });
    expect(await child.exited).toBe(1);
    expect(child.lines()).toEqual([
      expect.objectContaining({
        level: 'fatal',
        msg: 'cannot start: invalid configuration: AUTH_JWKS_URL is required when NODE_ENV is production (with AUTH_ISSUER and AUTH_AUDIENCE): without them anyone could write',
      }),
    ]);
  });

  it('exits-1-when-the-database-cannot-be-opened', async () => {
    const child = runMain({ HTTP_PORT: '0', DB_DRIVER: 'postgresql', DB_URL: `postgresql://postgres@127.0.0.1:${await freePort()}/none` });
    expect(await child.exited).toBe(1);
    expect(child.lines().some((line) => line.level === 'fatal' && line.msg === 'cannot start commands-service')).toBe(true);
  });
});
