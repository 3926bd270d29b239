/**
 * The seeds' walk-through, through the gateway, with the generated clients: what a person does
 * with the platform on day one, and each error they can meet on the way.
 */
import { expect } from 'vitest';
import { createCommandsServiceClient } from '@platform/gen/openapi/commands-service/client.ts';
import { createPlatformServiceClient } from '@platform/gen/openapi/platform-service/client.ts';

export const seededNames = ['Dot Net', 'SQL Server Express', 'Kubernetes'];
const unknownId = 987_654;

/** Retries `read` until `accept` holds (events arrive asynchronously), at most `attempts` times. */
async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, attempts = 100): Promise<T> {
  let value = await read();
  for (let attempt = 1; attempt < attempts && !accept(value); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

/** Runs the walk-through against the gateway; returns the platform it created. */
export async function walkThrough(gatewayUrl: string, platformName: string): Promise<{ id: number; name: string }> {
  const platforms = createPlatformServiceClient(gatewayUrl);
  const commands = createCommandsServiceClient(gatewayUrl);

  // The seeded catalogue.
  const listed = await platforms.GET('/api/platforms');
  expect(listed.response.status).toBe(200);
  expect(listed.response.headers.get('x-request-id')).toBeTruthy();
  expect(listed.data?.map((p) => p.name)).toEqual(expect.arrayContaining(seededNames));

  // Unknown and malformed ids.
  const missing = await platforms.GET('/api/platforms/{id}', { params: { path: { id: unknownId } } });
  expect(missing.response.status).toBe(404);
  expect(missing.response.headers.get('content-type')).toContain('application/problem+json');
  expect(missing.error).toMatchObject({ status: 404 });
  const malformed = await fetch(`${gatewayUrl}/api/platforms/not-a-number`);
  expect(malformed.status).toBe(400);

  // An invalid platform is refused, naming the fields.
  const invalid = await platforms.POST('/api/platforms', { body: { name: '', publisher: 'Google' } as never });
  expect(invalid.response.status).toBe(400);
  const invalidFields = (invalid.error as { errors?: { field: string }[] } | undefined)?.errors?.map((e) => e.field) ?? [];
  expect(invalidFields).toEqual(expect.arrayContaining(['name', 'cost']));

  // Create one; it is readable by id at once.
  const created = await platforms.POST('/api/platforms', { body: { name: platformName, publisher: 'Google', cost: 'Free' } });
  expect(created.response.status).toBe(201);
  const platform = created.data!;
  expect(platform).toMatchObject({ name: platformName, publisher: 'Google', cost: 'Free' });
  expect(created.response.headers.get('location')).toBe(`/api/platforms/${platform.id}`);
  const readBack = await platforms.GET('/api/platforms/{id}', { params: { path: { id: platform.id } } });
  expect(readBack.data).toEqual(platform);

  // commands-service learns about it from the platform.published event.
  const known = await eventually(
    async () => (await commands.GET('/api/c/platforms')).data ?? [],
    (list) => list.some((p) => p.id === platform.id),
  );
  expect(known).toContainEqual({ id: platform.id, name: platformName });
  expect(known.map((p) => p.name)).toEqual(expect.arrayContaining(seededNames));

  // Commands of an unknown platform do not exist.
  const noPlatform = await commands.GET('/api/c/platforms/{platformId}/commands', { params: { path: { platformId: unknownId } } });
  expect(noPlatform.response.status).toBe(404);

  // An invalid command is refused; a valid one is created and readable by id.
  const path = { platformId: platform.id };
  const badCommand = await commands.POST('/api/c/platforms/{platformId}/commands', { params: { path }, body: { howTo: 'Build', commandLine: '' } });
  expect(badCommand.response.status).toBe(400);
  const noSuchPlatformCommand = await commands.POST('/api/c/platforms/{platformId}/commands', {
    params: { path: { platformId: unknownId } },
    body: { howTo: 'Build', commandLine: 'go build' },
  });
  expect(noSuchPlatformCommand.response.status).toBe(404);

  const added = await commands.POST('/api/c/platforms/{platformId}/commands', { params: { path }, body: { howTo: 'Build a module', commandLine: 'go build ./...' } });
  expect(added.response.status).toBe(201);
  const command = added.data!;
  expect(command).toMatchObject({ howTo: 'Build a module', commandLine: 'go build ./...', platformId: platform.id });
  expect(added.response.headers.get('location')).toBe(`/api/c/platforms/${platform.id}/commands/${command.id}`);

  const byId = await commands.GET('/api/c/platforms/{platformId}/commands/{commandId}', { params: { path: { ...path, commandId: command.id } } });
  expect(byId.response.status).toBe(200);
  expect(byId.data).toEqual(command);
  const all = await commands.GET('/api/c/platforms/{platformId}/commands', { params: { path } });
  expect(all.data).toEqual([command]);
  const noCommand = await commands.GET('/api/c/platforms/{platformId}/commands/{commandId}', { params: { path: { ...path, commandId: unknownId } } });
  expect(noCommand.response.status).toBe(404);

  // The seeds' synchronous inbound test call.
  const inbound = await commands.POST('/api/c/platforms');
  expect(inbound.response.status).toBe(200);

  return { id: platform.id, name: platformName };
}

/** How long commands-service took to reflect each change (milliseconds from the 2xx answer to the first read showing it). */
export interface Reflected {
  readonly renameMs: number;
  readonly deleteMs: number;
}

/**
 * The platform's lifecycle through the gateway: a rename under If-Match with the ETag just read, a
 * stale If-Match refused, then a delete; commands-service follows each from its events (the rename
 * shows in its list, the delete takes the platform and its commands away).
 */
export async function renameAndDelete(gatewayUrl: string, id: number, newName: string): Promise<Reflected> {
  const platforms = createPlatformServiceClient(gatewayUrl);
  const commands = createCommandsServiceClient(gatewayUrl);
  const path = { params: { path: { id } } };

  const current = await platforms.GET('/api/platforms/{id}', path);
  const { publisher, cost } = current.data!;
  const etag = current.response.headers.get('etag');
  expect(etag).toMatch(/^"\d+"$/);
  const renamed = await platforms.PUT('/api/platforms/{id}', { ...path, body: { name: newName, publisher, cost }, headers: { 'if-match': etag! } });
  expect(renamed.response.status).toBe(200);
  const renamedAt = Date.now();
  expect(renamed.data).toMatchObject({ id, name: newName });
  expect(renamed.response.headers.get('etag')).toBe(`"${Number(etag!.slice(1, -1)) + 1}"`);
  const stale = await platforms.PUT('/api/platforms/{id}', { ...path, body: { name: 'lost update', publisher, cost }, headers: { 'if-match': etag! } });
  expect(stale.response.status).toBe(412);
  expect(stale.response.headers.get('content-type')).toContain('application/problem+json');
  const seenRenamed = await eventually(
    async () => (await commands.GET('/api/c/platforms')).data ?? [],
    (list) => list.some((p) => p.id === id && p.name === newName),
  );
  const renameMs = Date.now() - renamedAt;
  expect(seenRenamed).toContainEqual({ id, name: newName });

  const deleted = await platforms.DELETE('/api/platforms/{id}', path);
  expect(deleted.response.status).toBe(204);
  const deletedAt = Date.now();
  expect((await platforms.GET('/api/platforms/{id}', path)).response.status).toBe(404);
  const gone = await eventually(
    async () => (await commands.GET('/api/c/platforms/{platformId}/commands', { params: { path: { platformId: id } } })).response.status,
    (status) => status === 404,
  );
  const deleteMs = Date.now() - deletedAt;
  expect(gone).toBe(404);
  expect(((await commands.GET('/api/c/platforms')).data ?? []).map((p) => p.id)).not.toContain(id);
  expect((await platforms.DELETE('/api/platforms/{id}', path)).response.status).toBe(404);
  return { renameMs, deleteMs };
}
