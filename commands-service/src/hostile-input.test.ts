/**
 * The hostile and loose inputs of issue 13 against the real commands-service: each one answered
 * with the problem the contract declares, never a 5xx, and nothing stored.
 */
import { send } from '@platform/runtime/http/testing';
import { eventually } from '@platform/runtime/amqp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PlatformServicePeer, startPlatformServicePeer } from './testing/platform-service-peer.ts';
import { type TestService, startTestService } from './testing/service-fixture.ts';

const json = { 'content-type': 'application/json' };
const hostileIds = ['Infinity', '1e400', '9'.repeat(400), '0x10', '1e3', '+1', '01', '%201', '-1', '0', '2147483648'];

/** Status and `in:field` of each error of an answer. */
function fieldsOf(answer: { readonly status: number; readonly json?: Record<string, unknown> }) {
  return { status: answer.status, fields: ((answer.json?.errors ?? []) as { field: string; in: string }[]).map((e) => `${e.in}:${e.field}`) };
}

describe('commands-service against hostile input', () => {
  let peer: PlatformServicePeer;
  let app: TestService;
  let commandId: number;

  beforeAll(async () => {
    peer = await startPlatformServicePeer({ catalogue: [{ id: 3, name: 'Kubernetes', publisher: 'CNCF', cost: 'Free' }] });
    app = await startTestService({ env: { PLATFORM_SERVICE_GRPC_URL: peer.url } });
    await eventually(async () => (await app.readyz()).status === 200);
    const created = await app.client.POST('/api/c/platforms/{platformId}/commands', { params: { path: { platformId: 3 } }, body: { howTo: 'List pods', commandLine: 'kubectl get pods' } });
    commandId = created.data?.id ?? 0;
  });
  afterAll(async () => {
    await app?.stop();
    await peer?.close();
  });

  const commands = async () => (await app.client.GET('/api/c/platforms/{platformId}/commands', { params: { path: { platformId: 3 } } })).data;

  it('answers-400-naming-platformId-and-commandId-for-hostile-ids', async () => {
    const answers: Record<string, unknown> = {};
    for (const id of hostileIds) {
      const byPlatform = await send(app.restUrl, { path: `/api/c/platforms/${id}/commands` });
      const byCommand = await send(app.restUrl, { path: `/api/c/platforms/3/commands/${id}` });
      const create = await send(app.restUrl, { method: 'POST', path: `/api/c/platforms/${id}/commands`, headers: json, body: '{"howTo":"a","commandLine":"b"}' });
      answers[id] = [fieldsOf(byPlatform), fieldsOf(byCommand), fieldsOf(create)];
    }
    const expected = [{ status: 400, fields: ['path:platformId'] }, { status: 400, fields: ['path:commandId'] }, { status: 400, fields: ['path:platformId'] }];
    expect(answers).toEqual(Object.fromEntries(hostileIds.map((id) => [id, expected])));
    expect((await send(app.restUrl, { path: `/api/c/platforms/3/commands/${commandId}` })).status).toBe(200);
  });

  it('answers-400-for-nul-and-lone-surrogates-in-a-command-and-stores-nothing', async () => {
    const before = await commands();
    for (const body of ['{"howTo":"a\\u0000b","commandLine":"c"}', '{"howTo":"x\\ud800y","commandLine":"c"}']) {
      const answer = await send(app.restUrl, { method: 'POST', path: '/api/c/platforms/3/commands', headers: json, body });
      expect({ status: answer.status, errors: answer.json?.errors }).toEqual({ status: 400, errors: [expect.objectContaining({ field: 'howTo', in: 'body' })] });
    }
    expect(await commands()).toEqual(before);
  });

  it('answers-400-for-a-body-on-the-inbound-test-call-whatever-its-type-or-size', async () => {
    for (const [headers, body] of [[json, '{"a":1}'], [{ 'content-type': 'text/plain' }, 'hello'], [json, 'x'.repeat(100_000)]] as const) {
      const answer = await send(app.restUrl, { method: 'POST', path: '/api/c/platforms', headers, body });
      expect(answer.status).toBe(400);
      expect(answer.json?.detail).toBe('This operation takes no request body.');
    }
    expect((await send(app.restUrl, { method: 'POST', path: '/api/c/platforms' })).status).toBe(200);
  });

  it('answers-what-the-contract-declares-for-query-slash-head-and-options', async () => {
    expect((await send(app.restUrl, { path: '/api/c/platforms?foo=bar' })).status).toBe(400);
    expect((await send(app.restUrl, { path: '/api/c/platforms/' })).status).toBe(404);
    expect((await send(app.restUrl, { path: '/api/c/platforms/3/commands/' })).status).toBe(404);
    expect(await send(app.restUrl, { method: 'HEAD', path: '/api/c/platforms/3/commands' })).toMatchObject({ status: 200, text: '' });
    const options = await send(app.restUrl, { method: 'OPTIONS', path: '/api/c/platforms/3/commands' });
    expect(options.status).toBe(204);
    expect(options.headers.allow).toBe('GET, HEAD, POST, OPTIONS');
  });
});
