/**
 * AsyncAPI Schema (a superset of JSON Schema draft-07) -> plain JSON Schema for Ajv, and
 * -> TypeScript types.
 */
import { docComment, fail, key, literal } from './code.js';

// Keywords whose value is a map of schemas, a schema, or a list of schemas.
const schemaMaps = ['properties', 'patternProperties', 'definitions', 'dependencies'];
const schemaValues = ['additionalProperties', 'additionalItems', 'contains', 'propertyNames', 'not', 'if', 'then', 'else'];
const schemaLists = ['allOf', 'anyOf', 'oneOf'];
// AsyncAPI-only keywords with no validation meaning; Ajv's strict mode rejects unknown keywords.
const documentationOnly = new Set(['externalDocs', 'discriminator']);

/**
 * A deep copy of `schema` fit for Ajv: extensions (`x-*`, including the parser's
 * `x-parser-schema-id`) and AsyncAPI documentation keywords removed, keys in document order.
 * Fails on recursive schemas, which a const literal cannot hold.
 */
export function cleanSchema(schema, where, seen = new Set()) {
  if (typeof schema === 'boolean') return schema;
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) fail(`${where} is not a schema`);
  if (seen.has(schema)) fail(`${where} is recursive; recursive schemas are not supported`);
  seen.add(schema);
  const clean = {};
  for (const [name, value] of Object.entries(schema)) {
    if (name.startsWith('x-') || documentationOnly.has(name)) continue;
    if (schemaMaps.includes(name) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      clean[name] = Object.fromEntries(
        Object.entries(value).map(([entry, sub]) => [entry, Array.isArray(sub) ? [...sub] : cleanSchema(sub, `${where}.${name}.${entry}`, seen)]),
      );
    } else if (schemaValues.includes(name) || (name === 'items' && !Array.isArray(value))) {
      clean[name] = cleanSchema(value, `${where}.${name}`, seen);
    } else if (schemaLists.includes(name) || name === 'items') {
      clean[name] = value.map((sub, index) => cleanSchema(sub, `${where}.${name}[${index}]`, seen));
    } else {
      clean[name] = structuredClone(value);
    }
  }
  seen.delete(schema);
  return clean;
}

/**
 * The closed form of a cleaned schema: every object schema that does not say what to do with
 * undeclared properties gets `additionalProperties: false`. Writers validate against it (an
 * undeclared field is refused); readers too, with Ajv's `removeAdditional`, which drops undeclared
 * fields instead of failing. Branches of `allOf`/`anyOf`/`oneOf` stay as written (closing one
 * branch would refuse the other branches' fields).
 */
export function closedSchema(schema) {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const copy = { ...schema };
  const isObject = copy.type === 'object' || (Array.isArray(copy.type) && copy.type.includes('object')) || copy.properties !== undefined;
  const composed = schemaLists.some((name) => name in copy);
  if (isObject && !composed && copy.additionalProperties === undefined && copy.unevaluatedProperties === undefined && copy.patternProperties === undefined) {
    copy.additionalProperties = false;
  }
  if (copy.properties !== null && typeof copy.properties === 'object') {
    copy.properties = Object.fromEntries(Object.entries(copy.properties).map(([name, sub]) => [name, closedSchema(sub)]));
  }
  if (copy.items !== undefined) copy.items = Array.isArray(copy.items) ? copy.items.map(closedSchema) : closedSchema(copy.items);
  if (copy.additionalProperties !== null && typeof copy.additionalProperties === 'object') copy.additionalProperties = closedSchema(copy.additionalProperties);
  return copy;
}

/** Whether a cleaned schema uses the `format` keyword anywhere (then ajv-formats is needed). */
export function usesFormat(schema) {
  if (schema === null || typeof schema !== 'object') return false;
  if (Array.isArray(schema)) return schema.some(usesFormat);
  return Object.entries(schema).some(([name, value]) => (name === 'format' && typeof value === 'string') || usesFormat(value));
}

const primitive = { string: 'string', integer: 'number', number: 'number', boolean: 'boolean', null: 'null' };

/** The TypeScript type of a cleaned schema; object types span several lines, indented by `indent`. */
export function tsType(schema, indent = 0) {
  if (schema === true || schema === undefined) return 'unknown';
  if (schema === false) return 'never';
  if ('const' in schema) return literal(schema.const);
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => literal(value)).join(' | ');
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (Array.isArray(alternatives)) return alternatives.map((sub) => wrap(tsType(sub, indent))).join(' | ');
  if (Array.isArray(schema.allOf)) return schema.allOf.map((sub) => wrap(tsType(sub, indent))).join(' & ');
  const types = Array.isArray(schema.type) ? schema.type : schema.type !== undefined ? [schema.type] : inferType(schema);
  if (types.length === 0) return 'unknown';
  return types
    .map((type) => {
      if (type === 'object') return objectType(schema, indent);
      if (type === 'array') return `${wrap(tsType(Array.isArray(schema.items) ? true : schema.items, indent))}[]`;
      if (primitive[type] === undefined) fail(`unknown JSON Schema type "${type}"`);
      return primitive[type];
    })
    .join(' | ');
}

/** Members of an object type, one per line, each with its description as doc comment. */
export function objectMembers(schema, indent) {
  const pad = ' '.repeat(indent);
  const required = new Set(schema.required ?? []);
  let members = '';
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    members += docComment(typeof property === 'object' ? property.description : '', indent);
    members += `${pad}${key(name)}${required.has(name) ? '' : '?'}: ${tsType(property, indent)};\n`;
  }
  // Declared properties must fit the index signature, hence `unknown` whatever the schema says.
  if (schema.additionalProperties !== false) members += `${pad}[key: string]: unknown;\n`;
  return members;
}

function objectType(schema, indent) {
  const members = objectMembers(schema, indent + 2);
  return members === '' ? 'Record<string, never>' : `{\n${members}${' '.repeat(indent)}}`;
}

function inferType(schema) {
  if (schema.properties !== undefined || schema.required !== undefined || schema.additionalProperties !== undefined) return ['object'];
  if (schema.items !== undefined) return ['array'];
  return [];
}

function wrap(type) {
  return /[|&]/.test(type) ? `(${type})` : type;
}
