/**
 * fast-check arbitraries of values a JSON schema (the subset the contracts use) accepts: objects
 * with their required and some optional properties, strings within their length bounds and
 * pattern, integers within their range, arrays of their items. `$ref`s are followed.
 */
import * as fc from 'fast-check';
import type { Arbitrary } from 'fast-check';

type Json = Readonly<Record<string, unknown>>;

/** Text a person could type: well-formed Unicode without U+0000, any script, emoji included. */
function text(minLength: number, maxLength: number, pattern: string | undefined): Arbitrary<string> {
  const matches = pattern === undefined ? () => true : (value: string) => new RegExp(pattern, 'u').test(value);
  const longest = Math.min(maxLength, minLength + 40);
  return fc
    .oneof(
      fc.string({ unit: 'grapheme', minLength, maxLength: longest }),
      fc.string({ unit: 'grapheme-ascii', minLength, maxLength: longest }),
      fc.constantFrom('Dot Net', 'Kubernetes', 'kubectl get pods -A', '🙂 emoji', 'Ελληνικά', 'עברית', '中文', 'e\u0301', "it's \"quoted\"", '<script>', '$1 ? :x'),
    )
    .map((value) => [...value].slice(0, maxLength).join(''))
    .filter((value) => {
      const length = [...value].length;
      return length >= minLength && length <= maxLength && value.isWellFormed() && !value.includes('\u0000') && matches(value);
    });
}

/** Values `schema` accepts; `resolve` follows `$ref`s of the document it comes from. */
export function valuesOf(schema: Json, resolve: (value: unknown) => Json): Arbitrary<unknown> {
  const resolved = resolve(schema);
  if (resolved.const !== undefined) return fc.constant(resolved.const);
  if (Array.isArray(resolved.enum)) return fc.constantFrom(...(resolved.enum as unknown[]));
  const type = Array.isArray(resolved.type) ? resolved.type[0] : resolved.type;
  switch (type) {
    case 'object': {
      const properties = (resolved.properties ?? {}) as Record<string, Json>;
      const required = new Set((resolved.required ?? []) as string[]);
      const model = Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, valuesOf(property, resolve)]));
      return fc.record(model, { requiredKeys: [...required].filter((name) => name in properties) });
    }
    case 'string':
      return text(Number(resolved.minLength ?? 0), Number(resolved.maxLength ?? 200), resolved.pattern as string | undefined);
    case 'integer': {
      const min = typeof resolved.minimum === 'number' ? resolved.minimum : -(2 ** 31);
      const max = typeof resolved.maximum === 'number' ? resolved.maximum : 2 ** 31 - 1;
      return fc.integer({ min, max });
    }
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(valuesOf((resolved.items ?? {}) as Json, resolve), { maxLength: 5 });
    default:
      return fc.constant(null);
  }
}
