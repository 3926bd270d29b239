import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateProto, runBuf } from './proto.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const context = (genDir: string) => ({ root, contractsDir: join(root, 'contracts'), genDir });
const scratch: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'proto-test-'));
  scratch.push(dir);
  return dir;
}

/** Every file below `dir`, by relative path, with its bytes. */
async function snapshot(dir: string): Promise<Map<string, Buffer>> {
  const files = await readdir(dir, { recursive: true, withFileTypes: true });
  const entries = await Promise.all(
    files.filter((f) => f.isFile()).map(async (f): Promise<[string, Buffer]> => {
      const path = join(f.parentPath, f.name);
      return [path.slice(dir.length + 1), await readFile(path)];
    }),
  );
  return new Map(entries.toSorted(([a], [b]) => (a < b ? -1 : 1)));
}

afterAll(() => Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true }))));

describe('proto contracts', () => {
  it('pass-buf-lint', async () => {
    await expect(runBuf(['lint'], root)).resolves.toBe('');
    // The lint covered our module, not an empty one.
    expect(await runBuf(['ls-files'], root)).toContain('contracts/proto/platforms/v1/platforms.proto');
  });
});

describe('proto generation', () => {
  let first: string;
  beforeAll(async () => {
    first = await tempDir();
    await generateProto(context(first));
  });

  it('writes-our-module-and-the-health-and-reflection-protos', async () => {
    expect([...(await snapshot(join(first, 'proto'))).keys()]).toEqual([
      'grpc/health/v1/health_pb.ts',
      'grpc/reflection/v1/reflection_pb.ts',
      'grpc/reflection/v1alpha/reflection_pb.ts',
      'platforms/v1/platforms_pb.ts',
    ]);
  });

  it('is-byte-identical-across-runs', async () => {
    const second = await tempDir();
    await generateProto(context(second));
    const [a, b] = [await snapshot(first), await snapshot(second)];
    expect([...b.keys()]).toEqual([...a.keys()]);
    expect([...a].filter(([path, bytes]) => !b.get(path)?.equals(bytes)).map(([path]) => path)).toEqual([]);
  });

  it('removes-stale-output', async () => {
    const genDir = await tempDir();
    await mkdir(join(genDir, 'proto/old/v1'), { recursive: true });
    await writeFile(join(genDir, 'proto/old/v1/old_pb.ts'), '// from a proto that no longer exists\n');
    await generateProto(context(genDir));
    expect(existsSync(join(genDir, 'proto/old'))).toBe(false);
    expect(existsSync(join(genDir, 'proto/platforms/v1/platforms_pb.ts'))).toBe(true);
  });

  it('emits-erasable-typescript-that-node-can-strip', async () => {
    const health = await readFile(join(first, 'proto/grpc/health/v1/health_pb.ts'), 'utf8');
    expect(health).not.toMatch(/^export enum /m);
    expect(health).toContain('from "@bufbuild/protobuf/codegenv2"');
  });

  it('never-copies-third-party-protos-into-the-repository', () => {
    const copies = ['grpc/health/v1/health.proto', 'grpc/reflection/v1/reflection.proto', 'grpc/reflection/v1alpha/reflection.proto'];
    expect(copies.filter((path) => existsSync(join(root, 'contracts/proto', path)))).toEqual([]);
  });
});
