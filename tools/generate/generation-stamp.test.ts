/**
 * gen/generated-from.json, as `npm run generate` writes it: every contract's hash after a full run,
 * only the regenerated kinds refreshed after a partial one, none after a failed one.
 */
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashContracts, readStamp, runtimeGeneratedDir, staleGeneratedCode, stampFileName } from '@platform/runtime/generated-code';
import { afterEach, describe, expect, it } from 'vitest';
import { generate, nextStamp } from './index.ts';

const repositoryRoot = join(import.meta.dirname, '../..');

let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = undefined;
});

/** A copy of contracts/ with gen/ stamped from it, and the runtime's own generated code, as after a full run. */
async function stampedCopy(): Promise<string> {
  root = await mkdtemp(join(tmpdir(), 'generation-stamp-'));
  await cp(join(repositoryRoot, 'contracts'), join(root, 'contracts'), { recursive: true });
  await mkdir(join(root, runtimeGeneratedDir), { recursive: true });
  const contracts = hashContracts(join(root, 'contracts'));
  await mkdir(join(root, 'gen'));
  await writeFile(join(root, 'gen', stampFileName), JSON.stringify({ contracts }));
  return root;
}

const ctx = (dir: string) => ({ root: dir, contractsDir: join(dir, 'contracts'), genDir: join(dir, 'gen') });

describe('nextStamp', () => {
  const before = { contracts: { 'openapi/a.yaml': 'old-a', 'openapi/gone.yaml': 'old-gone', 'proto/p.proto': 'old-p' } };
  const now = { 'openapi/a.yaml': 'new-a', 'openapi/b.yaml': 'new-b', 'proto/p.proto': 'new-p' };

  it('records-every-contract-after-a-run-of-every-kind', () => {
    expect(nextStamp(undefined, now, ['proto', 'openapi', 'asyncapi'])).toEqual({ contracts: now });
  });

  it('refreshes-only-the-regenerated-kinds-and-keeps-what-the-others-were-made-from', () => {
    expect(nextStamp(before, now, ['openapi'])).toEqual({ contracts: { 'openapi/a.yaml': 'new-a', 'openapi/b.yaml': 'new-b', 'proto/p.proto': 'old-p' } });
  });

  it('cannot-vouch-for-gen-after-a-partial-run-without-a-previous-record', () => {
    expect(nextStamp(undefined, now, ['openapi'])).toBeUndefined();
  });
});

describe('generate', () => {
  it('refreshes-the-record-of-the-kinds-it-ran-so-a-start-still-refuses-the-others', async () => {
    const dir = await stampedCopy();
    await appendFile(join(dir, 'contracts/openapi/platform-service.yaml'), '# edited\n');
    await appendFile(join(dir, 'contracts/proto/platforms/v1/platforms.proto'), '// edited\n');
    await generate(ctx(dir), ['openapi']);
    expect(readStamp(join(dir, 'gen'))?.contracts['openapi/platform-service.yaml']).toBe(hashContracts(join(dir, 'contracts'))['openapi/platform-service.yaml']);
    expect(staleGeneratedCode(dir)).toMatch(/\(proto\/platforms\/v1\/platforms\.proto changed\); run `npm run generate`$/);
  });

  it('leaves-the-kinds-of-a-failed-run-unrecorded-until-a-run-of-them-succeeds', async () => {
    const dir = await stampedCopy();
    const broken = join(dir, 'contracts/openapi/broken.yaml');
    await writeFile(broken, 'openapi: 3.0.0\n');
    await expect(generate(ctx(dir), ['openapi'])).rejects.toThrow('only OpenAPI 3.1 documents are supported');
    expect(Object.keys(readStamp(join(dir, 'gen'))!.contracts)).toEqual(['asyncapi/platform-events.yaml', 'proto/platforms/v1/platforms.proto']);
    expect(staleGeneratedCode(dir)).toMatch(/\(openapi\/broken\.yaml not generated, openapi\/commands-service\.yaml not generated, openapi\/platform-service\.yaml not generated\)/);
    await rm(broken);
    await generate(ctx(dir), ['openapi']);
    expect(staleGeneratedCode(dir)).toBeUndefined();
  });

  it('leaves-no-record-when-a-partial-run-has-none-to-complete', async () => {
    const dir = await stampedCopy();
    await rm(join(dir, 'gen', stampFileName));
    await generate(ctx(dir), ['openapi']);
    await expect(readFile(join(dir, 'gen', stampFileName))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
