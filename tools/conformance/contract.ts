/**
 * An OpenAPI document of contracts/openapi/, ready to check answers against: its paths as
 * exact matchers, its responses resolved, and JSON Schema 2020-12 validators (Ajv) for any
 * schema in it, compiled on first use.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

type Json = Readonly<Record<string, unknown>>;

export interface PathMatch {
  readonly template: string;
  /** The path item: its operations by lower-case method, plus `parameters`. */
  readonly item: Json;
}

export interface Contract {
  /** Repository-relative file, `contracts/openapi/platform-service.yaml`: the key answers are recorded under. */
  readonly file: string;
  readonly document: Json;
  /** The path template `path` matches exactly (no trailing slash, non-empty parameters), or undefined. */
  match(path: string): PathMatch | undefined;
  /** Follows local `$ref`s. */
  resolve(value: unknown): Json;
  /** Where the node at a JSON pointer really is, following `$ref`s: the pointer of the final node. */
  locate(at: string): string;
  /** Validation errors of `value` against the schema at the JSON pointer (`/components/schemas/Problem`); empty when valid. */
  validate(pointer: string, value: unknown): string[];
}

/** JSON pointer of a member: `/paths/~1api~1platforms`. */
export function pointer(...parts: readonly string[]): string {
  return parts.map((part) => `/${part.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Builds a contract from its parsed document. */
export function contractOf(file: string, document: Json): Contract {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats.default(ajv);
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addSchema(document as object, file);
  const validators = new Map<string, ValidateFunction>();
  const paths = Object.entries((document.paths ?? {}) as Record<string, Json>).map(([template, item]) => ({
    template,
    item,
    pattern: new RegExp(`^${template.split(/(\{[^}]+\})/).map((part) => (part.startsWith('{') ? '[^/]+' : escapeRegExp(part))).join('')}$`),
  }));
  const resolve = (value: unknown): Json => {
    let current = (value ?? {}) as Json;
    for (let hops = 0; typeof current.$ref === 'string' && hops < 20; hops++) {
      const parts = current.$ref.replace(/^#\//, '').split('/').map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
      current = parts.reduce<Json>((node, key) => (node?.[key] ?? {}) as Json, document);
    }
    return current;
  };
  const node = (at: string): Json =>
    at
      .split('/')
      .slice(1)
      .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
      .reduce<Json>((current, key) => (current?.[key] ?? {}) as Json, document);
  const locate = (at: string): string => {
    let current = at;
    for (let hops = 0, found = node(current); typeof found.$ref === 'string' && hops < 20; hops++, found = node(current)) current = found.$ref.replace(/^#/, '');
    return current;
  };
  return {
    file,
    document,
    resolve,
    locate,
    match(path) {
      const found = paths.find((entry) => entry.pattern.test(path));
      return found === undefined ? undefined : { template: found.template, item: found.item };
    },
    validate(at, value) {
      let validate = validators.get(at);
      if (validate === undefined) {
        validate = ajv.compile({ $ref: `${file}#${at}` });
        validators.set(at, validate);
      }
      if (validate(value)) return [];
      return (validate.errors ?? []).map((error) => `${error.instancePath || '(root)'} ${error.message ?? 'is invalid'}`);
    },
  };
}

/** Every OpenAPI contract of the repository, by file. */
export async function loadContracts(root = repositoryRoot): Promise<ReadonlyMap<string, Contract>> {
  const folder = join(root, 'contracts', 'openapi');
  const files = (await readdir(folder)).filter((name) => name.endsWith('.yaml')).toSorted();
  const contracts = await Promise.all(
    files.map(async (name) => {
      const path = join(folder, name);
      return contractOf(relative(root, path), parse(await readFile(path, 'utf8')) as Json);
    }),
  );
  return new Map(contracts.map((contract) => [contract.file, contract]));
}
