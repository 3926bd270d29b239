/**
 * Values an event schema (payload or metadata, `$ref`s already resolved) accepts: as
 * schema-values.ts makes them, plus strings of a `pattern` generated from the pattern itself
 * (the metadata's timestamp and traceparent), which filtering random text would never hit.
 */
import * as fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import { valuesOf } from './schema-values.ts';

type Json = Readonly<Record<string, unknown>>;

const resolved = (value: unknown): Json => (value ?? {}) as Json;

/** Values `schema` accepts; for objects, only the properties `keep` lets through besides the required ones. */
export function eventValuesOf(schema: Json, keep: (name: string) => boolean = () => true): Arbitrary<unknown> {
  if (schema.type === 'object' && schema.const === undefined) {
    const required = new Set((schema.required ?? []) as string[]);
    const properties = Object.entries((schema.properties ?? {}) as Record<string, Json>).filter(([name]) => required.has(name) || keep(name));
    const model = Object.fromEntries(properties.map(([name, property]) => [name, eventValuesOf(property)]));
    return fc.record(model, { requiredKeys: properties.map(([name]) => name).filter((name) => required.has(name)) });
  }
  if (schema.type === 'string' && typeof schema.pattern === 'string' && schema.const === undefined && schema.enum === undefined) {
    const [min, max] = [Number(schema.minLength ?? 0), Number(schema.maxLength ?? Infinity)];
    return fc.stringMatching(new RegExp(schema.pattern, 'u')).filter((text) => [...text].length >= min && [...text].length <= max && text.isWellFormed() && !text.includes('\u0000'));
  }
  return valuesOf(schema, resolved);
}

/** Whether `value` is of the JSON schema type `type` (`integer` being a number without a fraction). */
export function isOfType(value: unknown, type: unknown): boolean {
  switch (type) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}
