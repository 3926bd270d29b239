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

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const contractsDir = join(root, 'contracts');
const contract = (service: string) => join(contractsDir, 'openapi', `${service}.yaml`);
const services = ['platform-service', 'commands-service'] as const;

/** The wire contract of the architecture doc and the operationIds of the team plan. */
const expectedOperations = {
  'platform-service': [
    'GET /api/platforms listPlatforms 200,400,500',
    'POST /api/platforms createPlatform 201,400,413,415,500',
    'GET /api/platforms/{id} getPlatformById 200,400,404,500',
  ],
  'commands-service': [
    'POST /api/c/platforms testInboundConnection 200,400,500',
    'GET /api/c/platforms listPlatforms 200,400,500',
    'GET /api/c/platforms/{platformId}/commands listCommandsForPlatform 200,400,404,500',
    'POST /api/c/platforms/{platformId}/commands createCommandForPlatform 201,400,404,413,415,500',
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
});
