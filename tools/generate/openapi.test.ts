import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import { createConfig, lint } from '@redocly/openapi-core';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { GenerateContext } from './index.ts';
import { generateOpenapi } from './openapi.ts';
import { loadContract } from './openapi/contract.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const contractsDir = join(root, 'contracts');
const contract = (service: string) => join(contractsDir, 'openapi', `${service}.yaml`);
const services = ['platform-service', 'commands-service'] as const;

/** The wire contract of the architecture doc and the operationIds of the team plan. */
const expectedOperations = {
  'platform-service': [
    'GET /api/platforms listPlatforms 200,400,500',
    'POST /api/platforms createPlatform 201,400,401,403,413,415,500,503',
    'GET /api/platforms/{id} getPlatformById 200,400,404,500',
    'PUT /api/platforms/{id} updatePlatform 200,400,401,403,404,412,413,415,500,503',
    'DELETE /api/platforms/{id} deletePlatform 204,400,401,403,404,412,500,503',
  ],
  'commands-service': [
    'POST /api/c/platforms testInboundConnection 200,400,500',
    'GET /api/c/platforms listPlatforms 200,400,500',
    'GET /api/c/platforms/{platformId}/commands listCommandsForPlatform 200,400,404,500',
    'POST /api/c/platforms/{platformId}/commands createCommandForPlatform 201,400,401,403,404,413,415,500,503',
    'GET /api/c/platforms/{platformId}/commands/{commandId} getCommandForPlatform 200,400,404,500',
  ],
};

const temps: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'openapi-gen-'));
  temps.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function generateInto(genDir: string): Promise<GenerateContext> {
  const ctx = { root, contractsDir, genDir };
  await generateOpenapi(ctx);
  return ctx;
}

async function readTree(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(dir, path), await readFile(path));
  }
  return files;
}

describe.each(services)('contract %s', (service) => {
  it('is a valid OpenAPI 3.1 document (Redocly recommended rules, no errors)', async () => {
    // localhost servers are intended: these are the local development endpoints.
    const config = await createConfig({ extends: ['recommended'], rules: { 'no-server-example.com': 'off' } });
    const problems = await lint({ ref: contract(service), config });
    const errors = problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
    expect(errors).toEqual([]);
  });

  it('validates against the OpenAPI 3.1 schema (swagger-parser)', async () => {
    const api = await SwaggerParser.validate(contract(service));
    expect((api as { openapi?: string }).openapi).toBe('3.1.0');
  });

  it('declares exactly the operations, paths and statuses of the architecture doc', async () => {
    const doc = parse(await readFile(contract(service), 'utf8')) as { paths: Record<string, Record<string, { operationId: string; responses: object }>> };
    const found = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => method !== 'parameters')
        .map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId} ${Object.keys(op.responses).join(',')}`),
    );
    expect(found).toEqual(expectedOperations[service]);
  });
});

describe('generateOpenapi', () => {
  it('writes types.ts, server.ts and client.ts for each contract', async () => {
    const { genDir } = await generateInto(join(await tempDir(), 'gen'));
    const files = [...(await readTree(join(genDir, 'openapi'))).keys()].toSorted();
    expect(files).toEqual(services.flatMap((s) => ['client.ts', 'server.ts', 'types.ts'].map((f) => join(s, f))).toSorted());
  });

  it('is reproducible: two runs give byte-identical output', async () => {
    const first = await readTree(join((await generateInto(join(await tempDir(), 'gen'))).genDir, 'openapi'));
    const second = await readTree(join((await generateInto(join(await tempDir(), 'gen'))).genDir, 'openapi'));
    expect([...second.keys()]).toEqual([...first.keys()]);
    const differing = [...first].filter(([path, bytes]) => !second.get(path)?.equals(bytes)).map(([path]) => path);
    expect(differing).toEqual([]);
  });

  it('removes stale output first', async () => {
    const genDir = join(await tempDir(), 'gen');
    await mkdir(join(genDir, 'openapi', 'retired-service'), { recursive: true });
    await writeFile(join(genDir, 'openapi', 'retired-service', 'server.ts'), 'export {};\n');
    await generateInto(genDir);
    expect(await readdir(join(genDir, 'openapi'))).toEqual(expect.not.arrayContaining(['retired-service']));
  });

  it('emits one handler per operation and a route table in Express syntax', async () => {
    const { genDir } = await generateInto(join(await tempDir(), 'gen'));
    const server = await readFile(join(genDir, 'openapi', 'commands-service', 'server.ts'), 'utf8');
    for (const line of expectedOperations['commands-service']) {
      const operationId = line.split(' ')[2]!;
      expect(server).toMatch(new RegExp(`^  ${operationId}\\(request: \\w+Request, context: HandlerContext\\): Promise<\\w+Result>;$`, 'm'));
    }
    expect(server).toContain("expressPath: '/api/c/platforms/:platformId/commands/:commandId',");
    expect(server).toContain('| { readonly status: 201; readonly body: Command; readonly headers: { readonly location: string } }');
    expect(server).toContain('export const commandsServiceSurface: RestSurface<CommandsServiceHandlers> = {');
  });

  it('puts-the-security-in-force-into-the-route-table-writes-secured-reads-and-the-inbound-test-call-open', async () => {
    const { genDir } = await generateInto(join(await tempDir(), 'gen'));
    const securityOf = async (service: string) => {
      const server = await readFile(join(genDir, 'openapi', service, 'server.ts'), 'utf8');
      return [...server.matchAll(/operationId: '(\w+)',[\s\S]*?security: (\[.*\]),\n/g)].map((match) => `${match[1]} ${match[2]}`);
    };
    expect(await securityOf('platform-service')).toEqual([
      'listPlatforms []',
      "createPlatform [{ bearerAuth: ['platforms:write'] }]",
      'getPlatformById []',
      "updatePlatform [{ bearerAuth: ['platforms:write'] }]",
      "deletePlatform [{ bearerAuth: ['platforms:write'] }]",
    ]);
    expect(await securityOf('commands-service')).toEqual([
      'listPlatforms []',
      'testInboundConnection []',
      'listCommandsForPlatform []',
      "createCommandForPlatform [{ bearerAuth: ['commands:write'] }]",
      'getCommandForPlatform []',
    ]);
  });
});

const minimal = (operation: object, schemes: object = { bearerAuth: { type: 'http', scheme: 'bearer' } }) => ({
  openapi: '3.1.0',
  info: { title: 'T', version: '1.0.0' },
  security: [{ bearerAuth: ['things:write'] }],
  paths: { '/things': { post: { operationId: 'createThing', ...operation } } },
  components: { securitySchemes: schemes },
});
const load = async (document: object) => {
  const dir = await tempDir();
  const file = join(dir, 'things.yaml');
  await writeFile(file, JSON.stringify(document));
  return loadContract(file, dir);
};
const answers = (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [String(status), { description: 'x' }]));

describe('loadContract security', () => {
  it('takes-the-document-security-unless-the-operation-says-otherwise-and-reads-an-empty-alternative-as-open', async () => {
    expect((await load(minimal({ responses: answers(201, 401, 403, 503) }))).operations[0]?.security).toEqual([{ bearerAuth: ['things:write'] }]);
    expect((await load(minimal({ security: [], responses: answers(200) }))).operations[0]?.security).toEqual([]);
    expect((await load(minimal({ security: [{}, { bearerAuth: [] }], responses: answers(200) }))).operations[0]?.security).toEqual([]);
  });

  it('refuses-a-secured-operation-that-does-not-declare-the-statuses-the-runtime-answers', async () => {
    await expect(load(minimal({ responses: answers(201, 401) }))).rejects.toThrow(
      'POST /things needs a bearer token but does not declare response 403, 503 (the REST runtime answers them when a token is missing or invalid, lacks a scope, or cannot be checked)',
    );
  });

  it('refuses-schemes-the-runtime-cannot-enforce-or-that-are-not-defined', async () => {
    await expect(load(minimal({ responses: answers(201, 401, 403, 503) }, { bearerAuth: { type: 'apiKey', in: 'header', name: 'X-Key' } }))).rejects.toThrow(
      'security scheme "bearerAuth" is not supported (only type http, scheme bearer)',
    );
    await expect(load(minimal({ responses: answers(201, 401, 403, 503) }, {}))).rejects.toThrow('security names scheme "bearerAuth", which components.securitySchemes does not define');
  });
});
