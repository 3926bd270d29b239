/**
 * Local JSON references (`#/components/schemas/Platform`) inside one parsed YAML/JSON document.
 * Our contracts are self-contained, so a reference to another file is an error, not a fetch.
 */

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads the value a local JSON pointer (`#/a/b~1c`) designates; undefined when there is none. */
export function readPointer(document: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) throw new Error(`cannot resolve $ref "${ref}": only local references (#/...) are supported`);
  if (ref === '#') return document;
  if (!ref.startsWith('#/')) throw new Error(`cannot resolve $ref "${ref}": not a JSON pointer`);
  let at: unknown = document;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(at)) at = at[Number(key)];
    else if (isObject(at)) at = at[key];
    else return undefined;
  }
  return at;
}

/** Follows `$ref`s until a node without one; throws on a dangling or cyclic chain. */
export function deref(document: unknown, node: unknown): unknown {
  const seen = new Set<string>();
  let current = node;
  while (isObject(current) && typeof current.$ref === 'string') {
    const ref = current.$ref;
    if (seen.has(ref)) throw new Error(`cannot resolve $ref "${ref}": the reference chain is cyclic`);
    seen.add(ref);
    const target = readPointer(document, ref);
    if (target === undefined) throw new Error(`cannot resolve $ref "${ref}": nothing at that pointer`);
    current = target;
  }
  return current;
}

/** Last segment of a reference, for display: `#/components/schemas/Platform` → `Platform`. */
export function refName(ref: string): string {
  const last = ref.slice(ref.lastIndexOf('/') + 1);
  return decodeURIComponent(last).replaceAll('~1', '/').replaceAll('~0', '~');
}

/** Escapes one key for a JSON pointer. */
export function pointerSegment(key: string | number): string {
  return String(key).replaceAll('~', '~0').replaceAll('/', '~1');
}
