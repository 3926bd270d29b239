import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/** A contract file the gateway publishes: its path below the contracts folder (with `/`) and on disk. */
export interface ContractFile {
  readonly path: string;
  readonly file: string;
  readonly kind: 'openapi' | 'asyncapi' | 'proto';
}

const published: readonly { readonly kind: ContractFile['kind']; readonly folder: string; readonly pattern: RegExp; readonly deep: boolean }[] = [
  { kind: 'openapi', folder: 'openapi', pattern: /^[\w.-]+\.ya?ml$/, deep: false },
  { kind: 'asyncapi', folder: 'asyncapi', pattern: /^[\w.-]+\.ya?ml$/, deep: false },
  { kind: 'proto', folder: 'proto', pattern: /^[\w.-]+\.proto$/, deep: true },
];

/**
 * Lists the contracts to publish, once, at start-up: `openapi/*.yaml`, `asyncapi/*.yaml` and
 * `proto/**\/*.proto`. Serving only files of this list (by exact path) rules out directory
 * traversal and leaks of anything else in the folder. A missing folder lists nothing.
 */
export async function listContractFiles(contractsDir: string): Promise<ContractFile[]> {
  const files: ContractFile[] = [];
  for (const { kind, folder, pattern, deep } of published) {
    const entries = await readdir(join(contractsDir, folder), { recursive: deep, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    for (const entry of entries) {
      if (!entry.isFile() || !pattern.test(entry.name)) continue;
      const file = join(entry.parentPath, entry.name);
      files.push({ kind, file, path: relative(contractsDir, file).split(sep).join('/') });
    }
  }
  return files.toSorted((a, b) => a.path.localeCompare(b.path));
}
