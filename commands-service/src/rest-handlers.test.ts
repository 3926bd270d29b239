import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@platform/runtime/amqp/testing';
import { recordingLogger, type RecordingLogger } from './testing/logs.ts';
import { type PlatformServicePeer, startPlatformServicePeer } from './testing/platform-service-peer.ts';
import { type TestService, startTestService } from './testing/service-fixture.ts';

// External ids far from the row ids (1, 2, 3) this service gives them, so a leaked row id shows.
const catalogue = [
  { id: 30, name: 'Kubernetes', publisher: 'Cloud Native Computing Foundation', cost: 'Free' },
  { id: 10, name: 'Dot Net', publisher: 'Microsoft', cost: 'Free' },
  { id: 20, name: 'SQL Server Express', publisher: 'Microsoft', cost: 'Free' },
];

const commandsPath = '/api/c/platforms/{platformId}/commands';
const commandPath = '/api/c/platforms/{platformId}/commands/{commandId}';
const listPods = { howTo: 'List the pods', commandLine: 'kubectl get pods' };

describe('commands-service REST', () => {
  let peer: PlatformServicePeer;
  let app: TestService;
  let recording: RecordingLogger;

  beforeAll(async () => {
    peer = await startPlatformServicePeer({ catalogue });
    recording = recordingLogger();
    app = await startTestService({ env: { PLATFORM_SERVICE_GRPC_URL: peer.url }, logger: recording.logger });
    await eventually(async () => (await app.readyz()).status === 200);
  });

  afterAll(async () => {
    await app?.stop();
    await peer?.close();
  });

  describe('testInboundConnection', () => {
    it('answers-200-and-logs-the-inbound-call', async () => {
      const { data, response } = await app.client.POST('/api/c/platforms', { headers: { 'x-request-id': 'inbound-test-1' } });
      expect(response.status).toBe(200);
      expect(data).toEqual({ message: 'Inbound test of commands-service succeeded' });
      expect(recording.lines().find((line) => line.msg === 'inbound connection test received')).toMatchObject({ requestId: 'inbound-test-1' });
    });
  });

  describe('listPlatforms', () => {
    it('lists-known-platforms-by-their-platform-service-id-in-id-order', async () => {
      const { data, response } = await app.client.GET('/api/c/platforms');
      expect(response.status).toBe(200);
      expect(data).toEqual([
        { id: 10, name: 'Dot Net' },
        { id: 20, name: 'SQL Server Express' },
        { id: 30, name: 'Kubernetes' },
      ]);
    });
  });

  describe('createCommandForPlatform', () => {
    it('creates-a-command-with-201-location-and-the-external-platform-id', async () => {
      const { data, response } = await app.client.POST(commandsPath, { params: { path: { platformId: 30 } }, body: listPods });
      expect(response.status).toBe(201);
      expect(data).toEqual({ id: expect.any(Number), ...listPods, platformId: 30 });
      expect(response.headers.get('location')).toBe(`/api/c/platforms/30/commands/${data?.id}`);
    });

    it('answers-404-for-an-unknown-platform', async () => {
      const { error, response } = await app.client.POST(commandsPath, { params: { path: { platformId: 42 } }, body: listPods });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(error).toMatchObject({ status: 404, title: 'Not Found', detail: 'cannot find platform 42: no such platform', instance: '/api/c/platforms/42/commands' });
    });

    it.each([
      ['a missing field', { howTo: 'List the pods' }, 'commandLine'],
      ['an empty field', { howTo: '', commandLine: 'kubectl get pods' }, 'howTo'],
      ['a blank field', { howTo: 'List the pods', commandLine: '   ' }, 'commandLine'],
      ['a field of the wrong type', { howTo: 7, commandLine: 'kubectl get pods' }, 'howTo'],
      ['an unknown field', { ...listPods, platformId: 3 }, 'platformId'],
    ])('answers-400-naming-the-field-for-%s', async (_case, body, field) => {
      const { error, response } = await app.client.POST(commandsPath, { params: { path: { platformId: 30 } }, body: body as typeof listPods });
      expect(response.status).toBe(400);
      expect(error?.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, in: 'body' })]));
    });

    it('answers-400-for-a-body-that-is-not-json', async () => {
      const { error, response } = await app.client.POST(commandsPath, {
        params: { path: { platformId: 30 } },
        body: listPods,
        bodySerializer: () => '{"howTo": ',
      });
      expect(response.status).toBe(400);
      expect(error?.detail).toBe('The request body is not valid JSON.');
    });

    it('answers-413-for-a-body-over-the-limit', async () => {
      const { error, response } = await app.client.POST(commandsPath, {
        params: { path: { platformId: 30 } },
        body: { howTo: 'x'.repeat(70_000), commandLine: 'too large' },
      });
      expect(response.status).toBe(413);
      expect(error).toMatchObject({ status: 413, title: 'Payload Too Large' });
    });

    it('answers-415-for-a-body-that-is-not-json-media', async () => {
      const { error, response } = await app.client.POST(commandsPath, {
        params: { path: { platformId: 30 } },
        body: listPods,
        bodySerializer: () => 'howTo=List the pods',
        headers: { 'content-type': 'text/plain' },
      });
      expect(response.status).toBe(415);
      expect(error?.detail).toBe('The request body must be application/json, not text/plain.');
    });
  });

  describe('listCommandsForPlatform', () => {
    it('lists-the-commands-of-the-platform-only', async () => {
      const { data: created } = await app.client.POST(commandsPath, { params: { path: { platformId: 20 } }, body: { howTo: 'Start the service', commandLine: 'net start mssqlserver' } });
      const { data, response } = await app.client.GET(commandsPath, { params: { path: { platformId: 20 } } });
      expect(response.status).toBe(200);
      expect(data).toEqual([{ id: created?.id, howTo: 'Start the service', commandLine: 'net start mssqlserver', platformId: 20 }]);
    });

    it('answers-an-empty-list-for-a-platform-without-commands', async () => {
      const { data, response } = await app.client.GET(commandsPath, { params: { path: { platformId: 10 } } });
      expect(response.status).toBe(200);
      expect(data).toEqual([]);
    });

    it('answers-404-for-an-unknown-platform', async () => {
      const { error, response } = await app.client.GET(commandsPath, { params: { path: { platformId: 4 } } });
      expect(response.status).toBe(404);
      expect(error?.detail).toBe('cannot find platform 4: no such platform');
    });

    it.each(['abc', '0', '1.5', '2147483648'])('answers-400-naming-a-platform-id-that-is-not-an-id-%s', async (platformId) => {
      const { error, response } = await app.client.GET(commandsPath, { params: { path: { platformId: platformId as unknown as number } } });
      expect(response.status).toBe(400);
      expect(new Set(error?.errors?.map(({ field, in: location }) => `${location}:${field}`))).toEqual(new Set(['path:platformId']));
    });
  });

  describe('getCommandForPlatform', () => {
    it('returns-the-command', async () => {
      const { data: created } = await app.client.POST(commandsPath, { params: { path: { platformId: 30 } }, body: listPods });
      const commandId = created?.id ?? 0;
      const { data, response } = await app.client.GET(commandPath, { params: { path: { platformId: 30, commandId } } });
      expect(response.status).toBe(200);
      expect(data).toEqual({ id: commandId, ...listPods, platformId: 30 });
    });

    it('answers-404-for-a-command-of-another-platform', async () => {
      const { data: created } = await app.client.POST(commandsPath, { params: { path: { platformId: 30 } }, body: listPods });
      const commandId = created?.id ?? 0;
      const { error, response } = await app.client.GET(commandPath, { params: { path: { platformId: 10, commandId } } });
      expect(response.status).toBe(404);
      expect(error?.detail).toBe(`cannot find command ${commandId} of platform 10: no such command`);
    });

    it('answers-404-for-an-unknown-command-or-platform', async () => {
      const unknownCommand = await app.client.GET(commandPath, { params: { path: { platformId: 30, commandId: 999_999 } } });
      expect(unknownCommand.response.status).toBe(404);
      expect(unknownCommand.error?.detail).toBe('cannot find command 999999 of platform 30: no such command');
      const unknownPlatform = await app.client.GET(commandPath, { params: { path: { platformId: 31, commandId: 1 } } });
      expect(unknownPlatform.response.status).toBe(404);
      expect(unknownPlatform.error?.detail).toBe('cannot find platform 31: no such platform');
    });

    it('answers-400-naming-a-command-id-that-is-not-an-id', async () => {
      const { error, response } = await app.client.GET(commandPath, { params: { path: { platformId: 30, commandId: 'x' as unknown as number } } });
      expect(response.status).toBe(400);
      expect(error?.errors).toEqual([expect.objectContaining({ field: 'commandId', in: 'path' })]);
    });
  });

  describe('routes outside the contract', () => {
    it.each(['/api/c/unknown', '/api/c/platforms/30/commands/1/extra', '/nowhere'])('answers-404-problem-for-the-unknown-route-%s', async (path) => {
      const { error, response } = await app.client.GET(path as '/api/c/platforms');
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(error).toMatchObject({ status: 404, title: 'Not Found' });
    });

    it('answers-405-for-a-method-the-path-does-not-have', async () => {
      const { response } = await app.client.DELETE('/api/c/platforms' as never);
      expect(response.status).toBe(405);
    });

    it('serves-healthz-and-readyz', async () => {
      expect((await fetch(`${app.restUrl}/healthz`)).status).toBe(200);
      expect(await app.readyz()).toMatchObject({
        status: 200,
        body: { status: 'ok', checks: { database: { ok: true, detail: 'reachable' }, 'startup-sync': { ok: true }, 'platform-events': { ok: true, detail: 'no consumer: transport none (AMQP_URL is not set)' } } },
      });
    });
  });
});
