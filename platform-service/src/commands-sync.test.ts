import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@platform/runtime/logging';
import { afterEach, describe, expect, it } from 'vitest';
import { createCommandsSync } from './commands-sync.ts';
import { startTestService } from './testing/service-fixture.ts';

const logger = createLogger({ name: 'commands-sync-test', level: 'silent' });
const platform = { id: 7, name: 'Kubernetes', publisher: 'CNCF', cost: 'Free' };

interface SeenRequest {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly requestId: string | undefined;
}

/** A stand-in commands-service: records requests; `answer` decides what each gets. */
interface FakeCommandsService {
  readonly url: string;
  readonly seen: SeenRequest[];
  /** Resolves when the next request arrives. */
  nextRequest(): Promise<SeenRequest>;
  close(): Promise<void>;
}

async function startFakeCommandsService(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<FakeCommandsService> {
  const seen: SeenRequest[] = [];
  let waiting: ((request: SeenRequest) => void) | undefined;
  const server: Server = createServer((req, res) => {
    const request = { method: req.method, url: req.url, requestId: req.headers['x-request-id'] as string | undefined };
    seen.push(request);
    waiting?.(request);
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    nextRequest: () => new Promise((resolve) => (waiting = resolve)),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const succeed = (_req: IncomingMessage, res: ServerResponse): void => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Inbound test of commands-service succeeded' }));
};

describe('createCommandsSync', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).toReversed()) await cleanup();
  });

  async function fake(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<FakeCommandsService> {
    const started = await startFakeCommandsService(answer);
    cleanups.push(started.close);
    return started;
  }

  it('posts-to-the-inbound-test-operation-with-the-request-id', async () => {
    const commands = await fake(succeed);
    const sync = createCommandsSync({ baseUrl: commands.url, timeout: 2000, logger });
    expect(await sync.notify(platform, 'request-1')).toBe('ok');
    expect(commands.seen).toEqual([{ method: 'POST', url: '/api/c/platforms', requestId: 'request-1' }]);
  });

  it('reports-a-failing-answer-as-failed', async () => {
    const commands = await fake((_req, res) => res.writeHead(500, { 'content-type': 'application/problem+json' }).end('{"status":500}'));
    const sync = createCommandsSync({ baseUrl: commands.url, timeout: 2000, logger });
    expect(await sync.notify(platform, 'request-2')).toBe('failed');
  });

  it('reports-an-unreachable-service-as-failed', async () => {
    const commands = await fake(succeed);
    await commands.close();
    const sync = createCommandsSync({ baseUrl: commands.url, timeout: 2000, logger });
    expect(await sync.notify(platform, 'request-3')).toBe('failed');
  });

  it('gives-up-on-a-slow-answer-at-the-timeout', async () => {
    const commands = await fake(() => {}); // never answers
    const sync = createCommandsSync({ baseUrl: commands.url, timeout: 100, logger });
    expect(await sync.notify(platform, 'request-4')).toBe('timed-out');
  });

  it('cancels-calls-in-flight-on-stop-and-skips-later-ones', async () => {
    const commands = await fake(() => {});
    const sync = createCommandsSync({ baseUrl: commands.url, timeout: 60_000, logger });
    const arrived = commands.nextRequest();
    const outcome = sync.notify(platform, 'request-5');
    await arrived;
    await sync.stop();
    expect(await outcome).toBe('stopped');
    expect(await sync.notify(platform, 'request-6')).toBe('skipped');
  });

  it('skips-calls-beyond-the-cap-in-flight', async () => {
    const commands = await fake(() => {});
    const sync = createCommandsSync({ baseUrl: commands.url, timeout: 60_000, logger, maxInFlight: 1 });
    const first = sync.notify(platform, 'request-7');
    expect(await sync.notify(platform, 'request-8')).toBe('skipped');
    await sync.stop();
    expect(await first).toBe('stopped');
  });

  it('rejects-invalid-options', () => {
    expect(() => createCommandsSync({ baseUrl: 'http://x', timeout: 0, logger })).toThrow('cannot create commands-service sync: timeout must be a positive integer of ms (got 0)');
    expect(() => createCommandsSync({ baseUrl: 'not a url', timeout: 10, logger })).toThrow(/not an absolute URL/);
  });
});

describe('platform-service calling commands-service after a create', () => {
  it('calls-after-each-create-and-answers-201-without-waiting-for-a-slow-commands-service', async () => {
    const held: ServerResponse[] = [];
    const commands = await startFakeCommandsService((_req, res) => held.push(res));
    const api = await startTestService({ env: { COMMANDS_SYNC_ENABLED: 'true', COMMANDS_SERVICE_URL: commands.url, COMMANDS_SYNC_TIMEOUT: '30s' } });
    try {
      const arrived = commands.nextRequest();
      const { response } = await api.client.POST('/api/platforms', {
        body: { name: 'Slow', publisher: 'p', cost: 'c' },
        headers: { 'x-request-id': 'create-1' },
      });
      // The create answered while commands-service still holds the call.
      expect(response.status).toBe(201);
      expect(await arrived).toEqual({ method: 'POST', url: '/api/c/platforms', requestId: 'create-1' });
      expect(held).toHaveLength(1);
    } finally {
      // Stopping cancels the call still held, without waiting for its 30 s timeout.
      await api.stop();
      await commands.close();
    }
  });

  it('answers-201-when-commands-service-fails-or-is-down', async () => {
    const commands = await startFakeCommandsService((_req, res) => res.writeHead(503).end());
    const api = await startTestService({ env: { COMMANDS_SYNC_ENABLED: 'true', COMMANDS_SERVICE_URL: commands.url, COMMANDS_SYNC_TIMEOUT: '200ms' } });
    try {
      const arrived = commands.nextRequest();
      expect((await api.client.POST('/api/platforms', { body: { name: 'a', publisher: 'p', cost: 'c' } })).response.status).toBe(201);
      await arrived;
      await commands.close();
      expect((await api.client.POST('/api/platforms', { body: { name: 'b', publisher: 'p', cost: 'c' } })).response.status).toBe(201);
    } finally {
      await api.stop();
    }
  });
});
