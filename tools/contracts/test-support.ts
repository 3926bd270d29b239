/**
 * Test support for the gate: a throw-away copy of the repository's contracts (buf.yaml and
 * contracts/{proto,openapi,asyncapi}) in a temporary folder, and helpers to edit it. The gate's
 * functions take that folder as their root, so tests never touch the real contracts.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Json } from './json-ref.ts';

export const repositoryRoot = resolve(import.meta.dirname, '../..');

export interface ContractsCopy {
  readonly root: string;
  /** Parses a YAML contract (path relative to the copy's root), lets `edit` change it, writes it back. */
  editYaml(path: string, edit: (document: Json) => void): Promise<void>;
  /** Replaces text in a file of the copy; throws when `search` does not occur, so a stale fixture fails loudly. */
  editText(path: string, search: string | RegExp, replacement: string): Promise<void>;
  remove(): Promise<void>;
}

export async function copyContracts(): Promise<ContractsCopy> {
  const root = await mkdtemp(join(tmpdir(), 'contracts-gate-'));
  await cp(join(repositoryRoot, 'buf.yaml'), join(root, 'buf.yaml'));
  for (const kind of ['proto', 'openapi', 'asyncapi']) {
    await cp(join(repositoryRoot, 'contracts', kind), join(root, 'contracts', kind), { recursive: true });
  }
  return {
    root,
    async editYaml(path, edit) {
      const document = parse(await readFile(join(root, path), 'utf8')) as Json;
      edit(document);
      await writeFile(join(root, path), stringify(document));
    },
    async editText(path, search, replacement) {
      const text = await readFile(join(root, path), 'utf8');
      const found = typeof search === 'string' ? text.includes(search) : search.test(text);
      if (!found) throw new Error(`cannot edit ${path}: ${String(search)} does not occur (did the contract change?)`);
      await writeFile(join(root, path), text.replace(search, replacement));
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

/** A nested value of a parsed document, typed loosely for fixture edits: `at(doc, 'components', 'schemas')`. */
export function at(document: Json, ...keys: readonly (string | number)[]): Json {
  let value: unknown = document;
  for (const key of keys) {
    value = (value as Record<string | number, unknown> | undefined)?.[key];
    if (value === undefined) throw new Error(`cannot find ${keys.join('.')} in the document (did the contract change?)`);
  }
  return value as Json;
}
