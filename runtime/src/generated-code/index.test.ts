import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compareHashes, hashContracts, staleGeneratedCode, stampFileName } from './index.ts';

let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = undefined;
});

/** A root with contracts/ holding `files` and, unless `stamp` is false, gen/ stamped from them. */
async function layout(files: Record<string, string>, stamp = true): Promise<string> {
  root = await mkdtemp(join(tmpdir(), 'generated-code-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, 'contracts', path, '..'), { recursive: true });
    await writeFile(join(root, 'contracts', path), text);
  }
  await mkdir(join(root, 'gen'));
  await mkdir(join(root, 'runtime/src/generated'), { recursive: true });
  if (stamp) await writeFile(join(root, 'gen', stampFileName), JSON.stringify({ contracts: hashContracts(join(root, 'contracts')) }));
  return root;
}

const contracts = {
  'openapi/shop.yaml': 'openapi: 3.1.0\n',
  'asyncapi/shop-events.yaml': 'asyncapi: 3.0.0\n',
  'proto/shop/v1/shop.proto': 'syntax = "proto3";\n',
  'released/openapi/shop.yaml': 'openapi: 3.1.0\n# released\n',
  'README.md': 'not a contract\n',
};

describe('hashContracts', () => {
  it('hashes-proto-openapi-and-asyncapi-files-by-path-below-contracts-and-nothing-else', async () => {
    const dir = await layout(contracts);
    const hashes = hashContracts(join(dir, 'contracts'));
    expect(Object.keys(hashes)).toEqual(['asyncapi/shop-events.yaml', 'openapi/shop.yaml', 'proto/shop/v1/shop.proto']);
    expect(hashes['openapi/shop.yaml']).toBe(`sha256:${createHash('sha256').update('openapi: 3.1.0\n').digest('hex')}`);
  });

  it('names-each-changed-removed-and-not-generated-file', () => {
    expect(compareHashes({ a: '1', b: '2', c: '3' }, { a: '1', b: 'x', d: '4' })).toEqual(['b changed', 'c removed', 'd not generated']);
  });
});

describe('staleGeneratedCode', () => {
  it('accepts-gen-generated-from-the-contracts-in-place', async () => {
    expect(staleGeneratedCode(await layout(contracts))).toBeUndefined();
  });

  it('ignores-edits-outside-the-contracts-it-compiles', async () => {
    const dir = await layout(contracts);
    await writeFile(join(dir, 'contracts/released/openapi/shop.yaml'), 'edited');
    await writeFile(join(dir, 'contracts/README.md'), 'edited');
    expect(staleGeneratedCode(dir)).toBeUndefined();
  });

  it('refuses-a-contract-edited-since-generation-in-one-line-that-says-to-generate', async () => {
    const dir = await layout(contracts);
    await writeFile(join(dir, 'contracts/openapi/shop.yaml'), 'openapi: 3.1.0\ninfo: {}\n');
    await writeFile(join(dir, 'contracts/openapi/orders.yaml'), 'openapi: 3.1.0\n');
    await rm(join(dir, 'contracts/proto/shop/v1/shop.proto'));
    expect(staleGeneratedCode(dir)).toBe(
      'cannot start: gen/ was generated from other contracts than those in contracts/ (openapi/orders.yaml not generated, openapi/shop.yaml changed, proto/shop/v1/shop.proto removed); run `npm run generate`',
    );
  });

  it('refuses-gen-without-a-record-or-no-gen-at-all', async () => {
    const dir = await layout(contracts, false);
    expect(staleGeneratedCode(dir)).toBe(
      'cannot start: gen/ does not record the contracts it was generated from (the last generation did not finish); run `npm run generate`',
    );
    await rm(join(dir, 'gen'), { recursive: true });
    expect(staleGeneratedCode(dir)).toBe('cannot start: gen/ is missing; run `npm run generate`');
  });

  it('refuses-a-missing-runtime-generated-folder', async () => {
    const dir = await layout(contracts);
    await rm(join(dir, 'runtime/src/generated'), { recursive: true });
    expect(staleGeneratedCode(dir)).toBe('cannot start: runtime/src/generated/ is missing; run `npm run generate`');
  });

  it('has-nothing-to-compare-without-contracts-as-in-a-container-image', async () => {
    const dir = await layout(contracts);
    await rm(join(dir, 'contracts'), { recursive: true });
    expect(staleGeneratedCode(dir)).toBeUndefined();
  });
});
