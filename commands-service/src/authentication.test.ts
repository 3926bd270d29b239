/**
 * Who may write to commands-service: the whole service (SQLite in memory, its catalogue synced
 * from a platform-service peer) with authentication on, through the shared write-protection
 * suite. A refused command leaves no row, and no token reaches a log line.
 */
import { Writable } from 'node:stream';
import { eventually } from '@platform/runtime/amqp/testing';
import { describeWriteProtection } from '@platform/runtime/auth/testing';
import { createLogger } from '@platform/runtime/logging';
import { describe, expect, it } from 'vitest';
import { catalogueOf, startPlatformServicePeer } from './testing/platform-service-peer.ts';
import { recordingLogger } from './testing/logs.ts';
import { startTestService } from './testing/service-fixture.ts';

describeWriteProtection({
  name: 'commands-service directly',
  scope: 'commands:write',
  realm: 'commands-service',
  async start(authEnv) {
    const peer = await startPlatformServicePeer({ catalogue: catalogueOf(1) });
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter((line) => line !== ''));
        done();
      },
    });
    const api = await startTestService({ env: { ...authEnv, PLATFORM_SERVICE_GRPC_URL: peer.url }, logger: createLogger({ name: 'commands-service', level: 'trace', destination }) });
    await eventually(async () => (await api.readyz()).status === 200);
    const commands = `${api.restUrl}/api/c/platforms/1/commands`;
    const body = JSON.stringify({ howTo: 'Build', commandLine: 'zig build' });
    return {
      write: (authorization) => fetch(commands, { method: 'POST', body, headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) } }),
      read: () => fetch(commands),
      footprint: async () => `${((await (await fetch(commands)).json()) as unknown[]).length} commands`,
      logs: () => lines,
      async stop() {
        await api.stop();
        await peer.close();
      },
    };
  },
});

describe('commands-service authentication settings', () => {
  it('says-authentication-off-in-its-start-line-and-readyz-and-keeps-the-inbound-test-call-open', async () => {
    const { logger, lines } = recordingLogger();
    const api = await startTestService({ logger });
    try {
      const off = 'authentication off: AUTH_JWKS_URL is not set, so writes are open (development only)';
      expect((await api.readyz()).body.checks.authentication).toEqual({ ok: true, detail: off });
      expect(lines().find((line) => line.msg === 'REST listening')?.authentication).toBe(off);
    } finally {
      await api.stop();
    }
  });

  it('keeps-the-inbound-test-call-open-when-authentication-is-on', async () => {
    const api = await startTestService({ env: { AUTH_JWKS_URL: 'http://127.0.0.1:1/jwks.json', AUTH_ISSUER: 'https://issuer.example', AUTH_AUDIENCE: 'platform' } });
    try {
      expect((await api.client.POST('/api/c/platforms')).response.status).toBe(200);
      expect((await api.client.GET('/api/c/platforms')).response.status).toBe(200);
      expect((await api.client.POST('/api/c/platforms/{platformId}/commands', { params: { path: { platformId: 1 } }, body: { howTo: 'a', commandLine: 'b' } })).response.status).toBe(401);
    } finally {
      await api.stop();
    }
  });
});
