/**
 * Where the working contracts and the released baseline live, relative to a repository root
 * (or to a temporary copy of one: every function of the gate takes the root as a parameter).
 *
 * contracts/released/ (written only by `npm run contracts:release`):
 *   VERSION          the released version, one line
 *   release.json     version, date, commit, SHA-256 of every source contract and released file
 *   proto.binpb      `buf build` image of the proto module
 *   openapi/*.yaml   copies of contracts/openapi/*.yaml
 *   asyncapi/*.yaml  copies of contracts/asyncapi/*.yaml
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface ContractsLayout {
  /** Repository root: holds buf.yaml (the buf workspace and its breaking rules) and contracts/. */
  readonly root: string;
  readonly contractsDir: string;
  readonly protoDir: string;
  readonly openapiDir: string;
  readonly asyncapiDir: string;
  readonly releasedDir: string;
}

export const releasedNames = {
  version: 'VERSION',
  manifest: 'release.json',
  image: 'proto.binpb',
  openapi: 'openapi',
  asyncapi: 'asyncapi',
} as const;

export function contractsLayout(root: string): ContractsLayout {
  const contractsDir = join(root, 'contracts');
  return {
    root,
    contractsDir,
    protoDir: join(contractsDir, 'proto'),
    openapiDir: join(contractsDir, 'openapi'),
    asyncapiDir: join(contractsDir, 'asyncapi'),
    releasedDir: join(contractsDir, 'released'),
  };
}

/** The `.yaml`/`.yml` documents of a folder, sorted; none when the folder does not exist. */
export async function listDocuments(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return names.filter((name) => /\.ya?ml$/.test(name)).toSorted();
}

/** The `.proto` files below a folder, as sorted paths relative to it (with `/`). */
export async function listProtoFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.proto'))
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1).replaceAll('\\', '/'))
    .toSorted();
}
