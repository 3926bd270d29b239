/**
 * Old consumers against new providers, REST: openapi-fetch clients generated from the released
 * baseline call the current platform-service and commands-service, and every answer must be
 * what the baseline promised (its response schemas, read tolerantly: unknown fields are ignored).
 * Then the same old clients against services with authentication on: what 2.0.0 breaks on purpose
 * (writes without a token get 401) and what it keeps (reads, the inbound test call; a client that
 * adds a token writes again).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalIssuer } from '@platform/runtime/auth/local-issuer';
import type { LocalIssuer } from '@platform/runtime/auth/local-issuer';
import { authEnvFor } from '@platform/runtime/auth/testing';
import { generateBaselineCode, type BaselineCode } from './baseline-code.ts';
import { loadResponseSchemas, type ResponseSchemas } from './baseline-schemas.ts';
import { eventually, startCurrentServices, type CurrentServices } from './current-services.ts';
import { contractsLayout } from './layout.ts';
import { repositoryRoot } from './test-support.ts';

/** The part of an openapi-fetch client these tests use; the generated types are the baseline's, unseen by tsc. */
interface OldClient {
  GET(path: string, init?: object): Promise<FetchResult>;
  POST(path: string, init?: object): Promise<FetchResult>;
}
interface FetchResult {
  readonly data?: unknown;
  readonly error?: unknown;
  readonly response: Response;
}
interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly response: Response;
}

const released = contractsLayout(repositoryRoot).releasedDir;
let baseline: BaselineCode | undefined;
let services: CurrentServices | undefined;
let platforms: OldClient;
let commands: OldClient;
let platformSchemas: ResponseSchemas;
let commandsSchemas: ResponseSchemas;

beforeAll(async () => {
  baseline = await generateBaselineCode({ root: repositoryRoot });
  services = await startCurrentServices({ commands: true });
  const platformModule = (await baseline.load('openapi/platform-service/client.ts')) as { createPlatformServiceClient(baseUrl: string): OldClient };
  const commandsModule = (await baseline.load('openapi/commands-service/client.ts')) as { createCommandsServiceClient(baseUrl: string): OldClient };
  platforms = platformModule.createPlatformServiceClient(services.platformRestUrl);
  commands = commandsModule.createCommandsServiceClient(services.commandsRestUrl ?? '');
  platformSchemas = await loadResponseSchemas(join(released, 'openapi/platform-service.yaml'));
  commandsSchemas = await loadResponseSchemas(join(released, 'openapi/commands-service.yaml'));
}, 120_000);

afterAll(async () => {
  await services?.stop();
  await baseline?.remove();
});

/** Calls `template` through an old client and checks the answer against the baseline's schema for its status. */
async function call(client: OldClient, schemas: ResponseSchemas, method: 'GET' | 'POST', template: string, init: object = {}): Promise<Answer> {
  const { data, error, response } = await client[method](template, init);
  const body = data ?? error;
  const mediaType = response.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
  const problems = schemas.problems(method, template, response.status, mediaType, body);
  expect(problems, `${method} ${template} → ${response.status} ${mediaType} does not match the baseline: ${JSON.stringify(body)}`).toEqual([]);
  return { status: response.status, body, response };
}

describe('old platform-service clients', () => {
  it('create-a-platform-and-read-it-back-as-the-baseline-promised', async () => {
    const created = await call(platforms, platformSchemas, 'POST', '/api/platforms', { body: { name: 'Old Client', publisher: 'Baseline', cost: 'Free' } });
    expect(created.status).toBe(201);
    const platform = created.body as { id: number };
    expect(created.response.headers.get('location')).toBe(`/api/platforms/${platform.id}`);

    const read = await call(platforms, platformSchemas, 'GET', '/api/platforms/{id}', { params: { path: { id: platform.id } } });
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ id: platform.id, name: 'Old Client', publisher: 'Baseline', cost: 'Free' });

    const list = await call(platforms, platformSchemas, 'GET', '/api/platforms');
    expect(list.status).toBe(200);
    expect(list.body).toEqual(expect.arrayContaining([read.body, expect.objectContaining({ name: 'Dot Net', publisher: 'Microsoft', cost: 'Free' })]));
  });

  it('get-the-errors-the-baseline-documents', async () => {
    const missing = await call(platforms, platformSchemas, 'GET', '/api/platforms/{id}', { params: { path: { id: 2_000_000 } } });
    expect(missing.status).toBe(404);
    const invalid = await call(platforms, platformSchemas, 'POST', '/api/platforms', { body: { name: '', publisher: 'Baseline', cost: 'Free' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ status: 400, errors: expect.arrayContaining([expect.objectContaining({ field: 'name', in: 'body' })]) });
  });
});

describe('old commands-service clients', () => {
  it('list-platforms-and-add-and-read-commands-as-the-baseline-promised', async () => {
    const known = await eventually('the start-up sync of commands-service', async () => {
      const list = await call(commands, commandsSchemas, 'GET', '/api/c/platforms');
      const found = (list.body as { id: number; name: string }[]).find((platform) => platform.name === 'Kubernetes');
      return found;
    });
    const path = { platformId: known.id };

    const created = await call(commands, commandsSchemas, 'POST', '/api/c/platforms/{platformId}/commands', {
      params: { path },
      body: { howTo: 'List the pods', commandLine: 'kubectl get pods' },
    });
    expect(created.status).toBe(201);
    const command = created.body as { id: number };
    expect(created.body).toEqual({ id: command.id, howTo: 'List the pods', commandLine: 'kubectl get pods', platformId: known.id });

    const one = await call(commands, commandsSchemas, 'GET', '/api/c/platforms/{platformId}/commands/{commandId}', { params: { path: { ...path, commandId: command.id } } });
    expect(one.body).toEqual(created.body);
    const all = await call(commands, commandsSchemas, 'GET', '/api/c/platforms/{platformId}/commands', { params: { path } });
    expect(all.body).toEqual([created.body]);
    const unknown = await call(commands, commandsSchemas, 'GET', '/api/c/platforms/{platformId}/commands', { params: { path: { platformId: 2_000_000 } } });
    expect(unknown.status).toBe(404);
  });

  it('run-the-inbound-connection-test', async () => {
    const answer = await call(commands, commandsSchemas, 'POST', '/api/c/platforms');
    expect(answer.status).toBe(200);
  });
});

/** What a refusal looks like to the client. */
function answerOf(response: Response): { status: number; type: string | null; challenge: string | null } {
  return { status: response.status, type: response.headers.get('content-type'), challenge: response.headers.get('www-authenticate') };
}

describe('old clients against services with authentication on (the break 2.0.0 releases on purpose)', () => {
  let issuer: LocalIssuer;
  let secured: CurrentServices | undefined;
  let oldPlatforms: OldClient;
  let oldCommands: OldClient;

  beforeAll(async () => {
    issuer = await startLocalIssuer();
    secured = await startCurrentServices({ commands: true, env: authEnvFor(issuer) });
    const platformModule = (await baseline!.load('openapi/platform-service/client.ts')) as { createPlatformServiceClient(baseUrl: string): OldClient };
    const commandsModule = (await baseline!.load('openapi/commands-service/client.ts')) as { createCommandsServiceClient(baseUrl: string): OldClient };
    oldPlatforms = platformModule.createPlatformServiceClient(secured.platformRestUrl);
    oldCommands = commandsModule.createCommandsServiceClient(secured.commandsRestUrl ?? '');
  }, 120_000);

  afterAll(async () => {
    await secured?.stop();
    await issuer?.close();
  });

  /** A refusal as the new contract declares it: 401 problem+json with a bearer challenge. */
  const refused = { status: 401, type: expect.stringMatching(/^application\/problem\+json/), challenge: expect.stringMatching(/^Bearer realm="(platform|commands)-service"$/) };

  it('keep-reading-as-before', async () => {
    const list = await call(oldPlatforms, platformSchemas, 'GET', '/api/platforms');
    expect(list.status).toBe(200);
    const known = await eventually('the start-up sync of commands-service', async () => {
      const listed = (await call(oldCommands, commandsSchemas, 'GET', '/api/c/platforms')).body as { id: number; name: string }[];
      return listed.find((platform) => platform.name === 'Kubernetes');
    });
    expect((await call(oldCommands, commandsSchemas, 'GET', '/api/c/platforms/{platformId}/commands', { params: { path: { platformId: known.id } } })).status).toBe(200);
    expect((await call(oldCommands, commandsSchemas, 'POST', '/api/c/platforms')).status).toBe(200);
  });

  it('get-401-for-every-write-they-send-without-a-token', async () => {
    const platformCreate = await oldPlatforms.POST('/api/platforms', { body: { name: 'Old Client', publisher: 'Baseline', cost: 'Free' } });
    expect(answerOf(platformCreate.response)).toEqual(refused);
    const command = await oldCommands.POST('/api/c/platforms/{platformId}/commands', { params: { path: { platformId: 1 } }, body: { howTo: 'a', commandLine: 'b' } });
    expect(answerOf(command.response)).toEqual(refused);
  });

  it('write-again-once-they-send-a-token-with-the-scope', async () => {
    const headers = { authorization: `Bearer ${await issuer.sign({ scope: 'platforms:write' })}` };
    const created = await call(oldPlatforms, platformSchemas, 'POST', '/api/platforms', { body: { name: 'Old Client With Token', publisher: 'Baseline', cost: 'Free' }, headers });
    expect(created.status).toBe(201);
  });
});
