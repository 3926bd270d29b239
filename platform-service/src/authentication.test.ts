/**
 * Who may write to platform-service: the whole service (SQLite in memory, outbox relay to a
 * recording publisher) with authentication on, through the shared write-protection suite. A
 * refused create must leave no platform and no event, and no token may reach a log line.
 */
import { Writable } from 'node:stream';
import { startLocalIssuer } from '@platform/runtime/auth/local-issuer';
import { authEnvFor, describeWriteProtection } from '@platform/runtime/auth/testing';
import { createLogger } from '@platform/runtime/logging';
import { createInProcessBus, type Message } from '@platform/runtime/messaging';
import { describe, expect, it } from 'vitest';
import { eventually } from './testing/broker.ts';
import { startTestService } from './testing/service-fixture.ts';

/** Every message the outbox relay published (to an in-process bus), and every log line the service wrote. */
async function recorders() {
  const published: Message[] = [];
  const bus = createInProcessBus();
  await bus.createSubscriber({ queue: 'recorder' }).subscribe('#', async (message) => void published.push(message));
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter((line) => line !== ''));
      done();
    },
  });
  return { published, bus, lines, logger: createLogger({ name: 'platform-service', level: 'trace', destination }) };
}

describeWriteProtection({
  name: 'platform-service directly',
  scope: 'platforms:write',
  realm: 'platform-service',
  async start(authEnv) {
    const { published, bus, lines, logger } = await recorders();
    const api = await startTestService({ env: { ...authEnv, LOG_LEVEL: 'trace' }, inProcessBus: bus, logger });
    const body = JSON.stringify({ name: 'Zig', publisher: 'Zig Software Foundation', cost: 'Free' });
    return {
      write: (authorization) => fetch(`${api.restUrl}/api/platforms`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) } }),
      read: () => fetch(`${api.restUrl}/api/platforms/1`).then((response) => (response.status === 404 ? fetch(`${api.restUrl}/api/platforms`) : response)),
      async footprint() {
        // Rows, and events once the relay has nothing pending: a refused create changes neither.
        await eventually(async () => (await api.readyz()).body.checks.outbox?.detail?.startsWith('0 pending') === true);
        const platforms = (await api.client.GET('/api/platforms')).data ?? [];
        return `${platforms.length} platforms, ${published.length} events`;
      },
      logs: () => lines,
      stop: async () => {
        await api.stop();
        await bus.close();
      },
    };
  },
});

describe('platform-service authentication settings', () => {
  it('says-authentication-off-in-its-start-line-and-readyz-when-no-issuer-is-set', async () => {
    const { lines, logger } = await recorders();
    const api = await startTestService({ logger });
    try {
      const off = 'authentication off: AUTH_JWKS_URL is not set, so writes are open (development only)';
      expect((await api.readyz()).body.checks.authentication).toEqual({ ok: true, detail: off });
      const started = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.msg === 'platform-service started');
      expect(started?.authentication).toBe(off);
      const { response } = await api.client.POST('/api/platforms', { body: { name: 'Open', publisher: 'p', cost: 'c' } });
      expect(response.status).toBe(201);
    } finally {
      await api.stop();
    }
  });

  it('starts-with-the-key-set-unreachable-then-answers-writes-503-and-reads-200', async () => {
    const issuer = await startLocalIssuer();
    const token = await issuer.sign({ scope: 'platforms:write' });
    await issuer.close();
    const api = await startTestService({ env: authEnvFor(issuer) });
    try {
      const { response } = await api.client.POST('/api/platforms', { body: { name: 'X', publisher: 'p', cost: 'c' }, headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(503);
      expect((await api.client.GET('/api/platforms')).response.status).toBe(200);
      expect((await api.readyz()).body.checks.authentication?.detail).toBe(
        `authentication on: bearer tokens from ${issuer.issuer} for ${issuer.audience}; keys unreachable: cannot fetch ${issuer.jwksUrl}: connect ECONNREFUSED ${new URL(issuer.issuer).host}`,
      );
    } finally {
      await api.stop();
    }
  });
});
