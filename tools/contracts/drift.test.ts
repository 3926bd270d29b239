import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compareTrees, findDrift } from './drift.ts';

let root: string | undefined;

afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = undefined;
});

/** Writes `files` (path → content) below a new folder of the test's temporary root. */
async function tree(name: string, files: Record<string, string>): Promise<string> {
  root ??= await mkdtemp(join(tmpdir(), 'drift-test-'));
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

describe('comparing gen/ with a fresh generation', () => {
  it('finds-nothing-when-every-byte-matches', async () => {
    const files = { 'package.json': '{}\n', 'openapi/platform-service/types.ts': 'export {};\n' };
    expect(await compareTrees(await tree('fresh', files), await tree('gen', files), 'gen')).toEqual([]);
  });

  it('names-changed-missing-and-stale-files', async () => {
    const fresh = await tree('fresh', { 'a.ts': 'export const a = 1;\n', 'proto/b_pb.ts': 'b\n', 'asyncapi/c/index.ts': 'c\n' });
    const gen = await tree('gen', { 'a.ts': 'export const a = 2;\n', 'asyncapi/c/index.ts': 'c\n', 'old/d.ts': 'd\n' });
    expect(await compareTrees(fresh, gen, 'gen')).toEqual([
      'gen/a.ts differs from what the contracts generate',
      'gen/proto/b_pb.ts is missing (the contracts generate it)',
      'gen/old/d.ts is stale (the contracts no longer generate it)',
    ]);
  });

  it('treats-a-missing-gen-folder-as-all-files-missing', async () => {
    const fresh = await tree('fresh', { 'a.ts': 'a\n' });
    expect(await compareTrees(fresh, join(root ?? '', 'absent'), 'gen')).toEqual(['gen/a.ts is missing (the contracts generate it)']);
  });

  it('compares-bytes-not-text', async () => {
    const fresh = await tree('fresh', { 'a.ts': 'a\n' });
    const gen = await tree('gen', { 'a.ts': 'a\r\n' });
    expect(await compareTrees(fresh, gen, 'gen')).toEqual(['gen/a.ts differs from what the contracts generate']);
  });
});

describe('findDrift', () => {
  it('compares-the-runtime-generated-code-with-runtime-src-generated-not-gen', async () => {
    const repository = join(import.meta.dirname, '../..');
    const empty = await tree('runtime-generated', {});
    const differences = await findDrift({ root: repository, runtimeGeneratedDir: empty });
    expect(differences.length).toBeGreaterThan(0);
    // gen/ is what a fresh generation writes (CI generated it); only the empty runtime folder misses files.
    expect(differences.filter((difference) => difference.startsWith('gen/') || !difference.endsWith('is missing (the contracts generate it)'))).toEqual([]);
    expect(differences.some((difference) => difference.endsWith('/grpc/health/v1/health_pb.ts is missing (the contracts generate it)'))).toBe(true);
  }, 120_000);
});
