/**
 * The runtime tests against contracts of their own: runtime/fixtures compiled like a service's
 * contracts, and nothing in runtime/ reaching for a service's generated code, so a change to a
 * service's contract can never break a runtime test.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRuntimeFixtures } from './runtime-fixtures.ts';

const root = join(import.meta.dirname, '../..');
let genDir: string;

beforeAll(async () => {
  genDir = await mkdtemp(join(tmpdir(), 'runtime-fixtures-'));
  await generateRuntimeFixtures({ root, contractsDir: join(root, 'contracts'), genDir });
}, 60_000);
afterAll(() => rm(genDir, { recursive: true, force: true }));

async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1)).toSorted();
}

describe('runtime fixtures', () => {
  it('compile-into-the-runtimes-generated-fixtures-like-a-service-contract', async () => {
    expect(await filesBelow(join(genDir, 'runtime/fixtures'))).toEqual([
      'openapi/catalogue/client.ts',
      'openapi/catalogue/server.ts',
      'openapi/catalogue/types.ts',
      'openapi/secured-catalogue/client.ts',
      'openapi/secured-catalogue/server.ts',
      'openapi/secured-catalogue/types.ts',
      'proto/catalogue/v1/catalogue_pb.ts',
    ]);
    const server = await readFile(join(genDir, 'runtime/fixtures/openapi/catalogue/server.ts'), 'utf8');
    expect(server).toContain('export const catalogueSurface: RestSurface<CatalogueHandlers>');
    expect(server).toContain("specFile: 'runtime/fixtures/openapi/catalogue.yaml'");
  });

  it('are-what-the-runtime-imports-and-it-imports-nothing-from-gen', async () => {
    const sources = (await filesBelow(join(root, 'runtime/src'))).filter((file) => file.endsWith('.ts'));
    const offending: string[] = [];
    for (const file of sources) {
      const text = await readFile(join(root, 'runtime/src', file), 'utf8');
      // Generated code depends on the runtime, never the reverse: health, reflection and fixtures come from runtime/src/generated.
      for (const [, specifier] of text.matchAll(/from '([^']*\bgen\/[^']+)'/g)) offending.push(`runtime/src/${file}: ${specifier}`);
    }
    expect(offending).toEqual([]);
  });
});
