/**
 * The platform lifecycle over REST: versions as ETags, PUT and DELETE with If-Match, 404 for
 * deleted platforms, 412 for stale conditions; on SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../testing/databases.ts';
import { startTestService } from '../testing/service-fixture.ts';
import type { TestService } from '../testing/service-fixture.ts';

const valid = { name: 'Kubernetes', publisher: 'Cloud Native Computing Foundation', cost: 'Free' };
const problemType = 'application/problem+json';

describe.each(databaseTargets)('platform lifecycle over REST on $name', (target) => {
  let release: () => Promise<void>;
  let api: TestService;

  beforeAll(async () => {
    const database = await target.open();
    release = database.release;
    api = await startTestService({ database: database.config });
  });
  afterAll(async () => {
    await api?.stop();
    await release?.();
  });

  async function create(name = 'Kubernetes'): Promise<number> {
    const { data, response } = await api.client.POST('/api/platforms', { body: { ...valid, name } });
    expect(response.status).toBe(201);
    expect(response.headers.get('etag')).toBe('"1"');
    return data!.id;
  }
  const path = (id: number) => ({ params: { path: { id } } });
  const put = (id: number, body: typeof valid, ifMatch?: string) =>
    api.client.PUT('/api/platforms/{id}', { ...path(id), body, ...(ifMatch === undefined ? {} : { headers: { 'if-match': ifMatch } }) });
  const remove = (id: number, ifMatch?: string) => api.client.DELETE('/api/platforms/{id}', { ...path(id), ...(ifMatch === undefined ? {} : { headers: { 'if-match': ifMatch } }) });

  it('answers-the-version-as-a-strong-etag-on-get-and-moves-it-on-each-put', async () => {
    const id = await create();
    expect((await api.client.GET('/api/platforms/{id}', path(id))).response.headers.get('etag')).toBe('"1"');
    const renamed = await put(id, { ...valid, name: 'K8s' });
    expect(renamed.response.status).toBe(200);
    expect(renamed.data).toEqual({ id, ...valid, name: 'K8s' });
    expect(renamed.response.headers.get('etag')).toBe('"2"');
    const read = await api.client.GET('/api/platforms/{id}', path(id));
    expect(read.data).toEqual({ id, ...valid, name: 'K8s' });
    expect(read.response.headers.get('etag')).toBe('"2"');
    expect((await api.client.GET('/api/platforms')).data).toContainEqual({ id, ...valid, name: 'K8s' });
  });

  it('updates-under-a-matching-if-match-and-refuses-a-stale-one-with-412-changing-nothing', async () => {
    const id = await create();
    expect((await put(id, { ...valid, name: 'first' }, '"1"')).response.status).toBe(200);
    const stale = await put(id, { ...valid, name: 'second' }, '"1"');
    expect(stale.response.status).toBe(412);
    expect(stale.response.headers.get('content-type')).toContain(problemType);
    expect(stale.error).toMatchObject({ status: 412, title: 'Precondition Failed', detail: `cannot update platform ${id}: If-Match does not match its current version "2"` });
    expect((await api.client.GET('/api/platforms/{id}', path(id))).data?.name).toBe('first');
    expect((await put(id, { ...valid, name: 'listed' }, '"7", "2"')).response.status).toBe(200);
    expect((await put(id, { ...valid, name: 'weak' }, 'W/"3"')).response.status).toBe(412);
    expect((await put(id, { ...valid, name: 'any' }, '*')).response.headers.get('etag')).toBe('"4"');
  });

  it('deletes-with-204-then-answers-404-for-every-operation-on-it', async () => {
    const id = await create();
    const deleted = await remove(id);
    expect(deleted.response.status).toBe(204);
    expect(await deleted.response.text()).toBe('');
    for (const response of [
      (await api.client.GET('/api/platforms/{id}', path(id))).response,
      (await put(id, valid)).response,
      (await remove(id)).response,
      (await remove(id, '*')).response,
    ]) {
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toContain(problemType);
    }
    expect((await api.client.GET('/api/platforms')).data?.map((platform) => platform.id)).not.toContain(id);
    expect(await create('after the delete')).toBeGreaterThan(id);
  });

  it('refuses-a-delete-under-a-stale-if-match-and-keeps-the-platform', async () => {
    const id = await create();
    await put(id, valid);
    const stale = await remove(id, '"1"');
    expect(stale.response.status).toBe(412);
    expect((await api.client.GET('/api/platforms/{id}', path(id))).response.status).toBe(200);
    expect((await remove(id, '"2"')).response.status).toBe(204);
  });

  it('lets-exactly-one-of-concurrent-puts-with-the-same-etag-win', async () => {
    const id = await create();
    const answers = await Promise.all(Array.from({ length: 8 }, (_, index) => put(id, { ...valid, name: `writer ${index}` }, '"1"')));
    const statuses = answers.map((answer) => answer.response.status).toSorted();
    expect(statuses).toEqual([200, 412, 412, 412, 412, 412, 412, 412]);
    const winner = answers.find((answer) => answer.response.status === 200)!;
    expect((await api.client.GET('/api/platforms/{id}', path(id))).data).toEqual(winner.data);
  });

  it.each([
    ['an-unknown-id', async () => put(2_000_000_000, valid), 404],
    ['a-bad-body', async () => api.client.PUT('/api/platforms/{id}', { ...path(1), body: { ...valid, name: '' } }), 400],
    ['an-unknown-field', async () => api.client.PUT('/api/platforms/{id}', { ...path(1), body: { ...valid, version: 3 } as never }), 400],
    ['a-malformed-if-match', async () => put(1, valid, '3'), 400],
    ['a-malformed-if-match-on-delete', async () => remove(1, 'W/3'), 400],
  ] as const)('answers-%s-with-a-problem', async (_name, call, status) => {
    const { response } = await call();
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain(problemType);
  });

  it('names-the-if-match-header-when-it-cannot-parse-it', async () => {
    const id = await create();
    const { error } = await put(id, valid, 'not an etag');
    expect(error).toMatchObject({ status: 400, errors: [{ field: 'If-Match', in: 'header' }] });
    expect((await api.client.GET('/api/platforms/{id}', path(id))).response.headers.get('etag')).toBe('"1"');
  });
});
