/**
 * Which contract bytes gen/ was generated from, and whether contracts/ still holds them.
 *
 * `npm run generate` records the SHA-256 of every contract it compiled in gen/generated-from.json
 * (written last, so an interrupted generation leaves none). The start scripts of `npm start` and
 * of each part load guard.ts first (`node --import`), which compares that record with the bytes in
 * contracts/ and refuses to start on any difference: otherwise the gateway would serve the edited
 * contract while the validators and handler types still follow the old one.
 *
 * Only node: built-ins, synchronous and small: it runs before anything else at every start.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** The record's file name inside gen/. */
export const stampFileName = 'generated-from.json';

/** The kinds of contract, each a folder of contracts/ and a generation step of the same name. */
export const contractKinds = ['proto', 'openapi', 'asyncapi'] as const;
export type ContractKind = (typeof contractKinds)[number];

/** `sha256:<hex>` of each contract file, by its path below contracts/ with `/` (`openapi/platform-service.yaml`). */
export type ContractHashes = Readonly<Record<string, string>>;

/** What gen/generated-from.json holds. */
export interface GenerationStamp {
  readonly contracts: ContractHashes;
}

const contractFile: Record<ContractKind, RegExp> = { proto: /\.proto$/, openapi: /\.ya?ml$/, asyncapi: /\.ya?ml$/ };

/** The contract files of one kind with their hashes (none when its folder does not exist). */
export function hashContractsOf(contractsDir: string, kind: ContractKind): Record<string, string> {
  const dir = join(contractsDir, kind);
  if (!existsSync(dir)) return {};
  const hashes: Record<string, string> = {};
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => contractFile[kind].test(name) && statSync(join(dir, name)).isFile())
    .map((name) => relative(contractsDir, join(dir, name)).split(sep).join('/'))
    .toSorted();
  for (const file of files) hashes[file] = `sha256:${createHash('sha256').update(readFileSync(join(contractsDir, file))).digest('hex')}`;
  return hashes;
}

/** Every contract file below contracts/ (proto, OpenAPI, AsyncAPI; not released/) with its hash. */
export function hashContracts(contractsDir: string): ContractHashes {
  return sortedByPath(Object.assign({}, ...contractKinds.map((kind) => hashContractsOf(contractsDir, kind))) as ContractHashes);
}

/** The same hashes with their paths in sorted order, so that a record reads the same however it was put together. */
export function sortedByPath(hashes: ContractHashes): ContractHashes {
  return Object.fromEntries(Object.entries(hashes).toSorted(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The kind of a contract path (`openapi/platform-service.yaml` → `openapi`). */
export function kindOf(path: string): ContractKind | undefined {
  const kind = path.split('/')[0];
  return contractKinds.find((known) => known === kind);
}

/** The record of a gen/ folder; undefined when there is none. */
export function readStamp(genDir: string): GenerationStamp | undefined {
  const file = join(genDir, stampFileName);
  if (!existsSync(file)) return undefined;
  const stamp = JSON.parse(readFileSync(file, 'utf8')) as Partial<GenerationStamp>;
  if (typeof stamp.contracts !== 'object' || stamp.contracts === null) throw new Error(`cannot read ${file}: it has no "contracts" object`);
  return { contracts: stamp.contracts };
}

/**
 * How the hashes of `now` differ from `then`, as `path changed|not generated|removed` items (`not
 * generated`: in contracts/ but not in the record, new or from a generation that did not finish).
 */
export function compareHashes(then: ContractHashes, now: ContractHashes): string[] {
  const paths = [...new Set([...Object.keys(then), ...Object.keys(now)])].toSorted();
  return paths.flatMap((path) => {
    if (then[path] === now[path]) return [];
    return [`${path} ${then[path] === undefined ? 'not generated' : now[path] === undefined ? 'removed' : 'changed'}`];
  });
}

/**
 * Why gen/ below `root` does not match contracts/ below it, in one line that says to run
 * `npm run generate`; undefined when it matches, or when there is no contracts/ folder to compare
 * with (a container image ships gen/ without the contracts).
 */
/** The runtime's own generated code, below the repository root (never gen/: generated code depends on the runtime, not the reverse). */
export const runtimeGeneratedDir = 'runtime/src/generated';

export function staleGeneratedCode(root: string): string | undefined {
  const contractsDir = join(root, 'contracts');
  const genDir = join(root, 'gen');
  if (!existsSync(contractsDir)) return undefined;
  const fix = 'run `npm run generate`';
  if (!existsSync(genDir)) return `cannot start: gen/ is missing; ${fix}`;
  const stamp = readStamp(genDir);
  if (stamp === undefined) return `cannot start: gen/ does not record the contracts it was generated from (the last generation did not finish); ${fix}`;
  const changes = compareHashes(stamp.contracts, hashContracts(contractsDir));
  // Written by the same generation (the health and reflection code the runtime serves, its fixtures).
  if (changes.length === 0 && !existsSync(join(root, runtimeGeneratedDir))) return `cannot start: ${runtimeGeneratedDir}/ is missing; ${fix}`;
  if (changes.length === 0) return undefined;
  return `cannot start: gen/ was generated from other contracts than those in contracts/ (${changes.join(', ')}); ${fix}`;
}
