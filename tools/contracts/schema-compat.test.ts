import { describe, expect, it } from 'vitest';
import type { Json } from './json-ref.ts';
import { createSchemaComparer, type SchemaFinding, type SchemaRole } from './schema-compat.ts';

const input: SchemaRole = { flow: 'input', strictReaders: false, subject: 'request', peers: 'clients' };
const output: SchemaRole = { flow: 'output', strictReaders: false, subject: 'response', peers: 'clients' };
const strictOutput: SchemaRole = { flow: 'output', strictReaders: true, subject: 'payload', peers: 'consumers' };

function compare(before: unknown, after: unknown, role: SchemaRole, documents: { before?: Json; after?: Json } = {}): SchemaFinding[] {
  return [...createSchemaComparer(documents.before ?? {}, documents.after ?? {}).compare(before, after, role)];
}

function breaking(findings: readonly SchemaFinding[]): string[] {
  return findings.filter((finding) => finding.severity === 'breaking').map((finding) => finding.message);
}

const grown = (base: Json): Json => ({ ...base, properties: { a: { type: 'string' }, b: { type: 'string' } } });
const object = (properties: Json, required: string[] = [], extra: Json = {}): Json => ({ type: 'object', properties, required, ...extra });

describe('fields', () => {
  it('breaks-both-directions-when-a-field-is-removed', () => {
    const before = object({ a: { type: 'string' }, b: { type: 'string' } }, ['a']);
    const after = object({ a: { type: 'string' } }, ['a']);
    expect(breaking(compare(before, after, input))).toEqual(['request field b: removed (old clients still send it)']);
    expect(breaking(compare(before, after, output))).toEqual(['response field b: removed (old clients still read it)']);
  });

  it('breaks-requests-but-not-responses-when-a-required-field-is-added', () => {
    const before = object({ a: { type: 'string' } }, ['a']);
    const after = object({ a: { type: 'string' }, b: { type: 'string' } }, ['a', 'b']);
    expect(breaking(compare(before, after, input))).toEqual(['request field b: new and required (old clients do not send it)']);
    expect(compare(before, after, output)).toEqual([{ severity: 'non-breaking', message: 'response field b: new, always present' }]);
  });

  it('accepts-a-new-optional-field-in-both-directions-for-tolerant-readers', () => {
    const before = object({ a: { type: 'string' } }, ['a'], { additionalProperties: false });
    const after = object({ a: { type: 'string' }, b: { type: 'string' } }, ['a'], { additionalProperties: false });
    expect(breaking(compare(before, after, input))).toEqual([]);
    expect(breaking(compare(before, after, output))).toEqual([]);
  });

  it('breaks-strict-readers-when-a-closed-schema-gains-a-field', () => {
    const closed = object({ a: { type: 'string' } }, ['a'], { additionalProperties: false });
    const open = object({ a: { type: 'string' } }, ['a']);
    expect(breaking(compare(closed, grown(closed), strictOutput))).toEqual([
      'payload field b: new, optional; old consumers reject it (the old schema forbids unknown fields)',
    ]);
    expect(breaking(compare(open, grown(open), strictOutput))).toEqual([]);
  });

  it('breaks-requests-when-a-field-becomes-required-and-responses-when-it-becomes-optional', () => {
    const optional = object({ a: { type: 'string' } });
    const required = object({ a: { type: 'string' } }, ['a']);
    expect(breaking(compare(optional, required, input))).toEqual(['request field a: now required (old clients may omit it)']);
    expect(breaking(compare(optional, required, output))).toEqual([]);
    expect(breaking(compare(required, optional, output))).toEqual(['response field a: now optional (old clients expect it always)']);
    expect(breaking(compare(required, optional, input))).toEqual([]);
  });

  it('breaks-requests-when-unknown-fields-become-rejected', () => {
    const open = object({ a: { type: 'string' } });
    const closed = object({ a: { type: 'string' } }, [], { additionalProperties: false });
    expect(breaking(compare(open, closed, input))).toEqual(['request: unknown fields now rejected (additionalProperties: false)']);
    expect(breaking(compare(open, closed, output))).toEqual([]);
    expect(breaking(compare(closed, open, output))).toEqual([]);
    // Tolerant readers: opening a schema sends nothing new; only a field added later could, and then against an open schema.
    expect(breaking(compare(closed, open, strictOutput))).toEqual([]);
    expect(breaking(compare(closed, open, input))).toEqual([]);
  });

  it('names-fields-inside-arrays-and-maps', () => {
    const before = { type: 'array', items: object({ tags: { type: 'object', additionalProperties: { type: 'string', maxLength: 10 } } }) };
    const after = { type: 'array', items: object({ tags: { type: 'object', additionalProperties: { type: 'string', maxLength: 5 } } }) };
    expect(breaking(compare(before, after, input))).toEqual(['request field [].tags.*: maxLength 10 → 5 (tighter)']);
  });
});

describe('types, enums and bounds', () => {
  it('breaks-every-direction-when-a-type-changes', () => {
    expect(breaking(compare({ type: 'integer' }, { type: 'string' }, input))).toEqual(['request: type integer → string']);
    expect(breaking(compare({ type: 'integer' }, { type: 'string' }, output))).toEqual(['response: type integer → string']);
  });

  it('treats-integer-to-number-as-widening-and-null-in-type-arrays-as-a-type', () => {
    expect(breaking(compare({ type: 'integer' }, { type: 'number' }, input))).toEqual([]);
    expect(breaking(compare({ type: 'integer' }, { type: 'number' }, output))).toEqual(['response: type integer → number']);
    expect(breaking(compare({ type: ['string', 'null'] }, { type: 'string' }, input))).toEqual(['request: type null | string → string']);
    expect(breaking(compare({ type: 'string' }, { type: ['string', 'null'] }, output))).toEqual(['response: type string → null | string']);
  });

  it('breaks-requests-on-a-removed-enum-value-and-responses-on-an-added-one', () => {
    const before = { type: 'string', enum: ['a', 'b'] };
    expect(breaking(compare(before, { type: 'string', enum: ['a'] }, input))).toEqual(['request: enum value "b" removed']);
    expect(breaking(compare(before, { type: 'string', enum: ['a'] }, output))).toEqual([]);
    expect(breaking(compare(before, { type: 'string', enum: ['a', 'b', 'c'] }, output))).toEqual(['response: enum value "c" added']);
    expect(breaking(compare({ type: 'string', const: 'a' }, { type: 'string', const: 'b' }, input))).toEqual(['request: enum value "a" removed']);
  });

  it('classifies-bounds-by-direction', () => {
    expect(breaking(compare({ type: 'string', maxLength: 10 }, { type: 'string', maxLength: 5 }, input))).toEqual(['request: maxLength 10 → 5 (tighter)']);
    expect(breaking(compare({ type: 'string', maxLength: 10 }, { type: 'string', maxLength: 20 }, output))).toEqual(['response: maxLength 10 → 20 (looser)']);
    expect(breaking(compare({ type: 'integer' }, { type: 'integer', minimum: 1 }, input))).toEqual(['request: minimum 1 added']);
    expect(breaking(compare({ type: 'integer', exclusiveMaximum: 10 }, { type: 'integer' }, output))).toEqual(['response: exclusiveMaximum 10 removed']);
    expect(breaking(compare({ type: 'string' }, { type: 'string', pattern: '^a' }, input))).toEqual(['request: pattern "^a" added']);
    expect(breaking(compare({ type: 'string', format: 'uri' }, { type: 'string', format: 'email' }, output))).toEqual(['response: format "uri" → "email"']);
  });
});

const document = (platform: Json): Json => ({ components: { schemas: { Platform: platform } } });
const node = (extra: Json): Json => ({ components: { schemas: { Node: object({ children: { type: 'array', items: { $ref: '#/components/schemas/Node' } }, ...extra }) } } });

describe('references and unanalysed keywords', () => {

  it('names-findings-after-the-referenced-schema', () => {
    const before = document(object({ id: { type: 'integer' }, cost: { type: 'string' } }, ['id', 'cost']));
    const after = document(object({ id: { type: 'integer' } }, ['id']));
    const ref = { $ref: '#/components/schemas/Platform' };
    expect(breaking(compare({ type: 'array', items: ref }, { type: 'array', items: ref }, output, { before, after }))).toEqual([
      'response field Platform.cost: removed (old clients still read it)',
    ]);
  });

  it('terminates-on-recursive-schemas', () => {
    const findings = compare({ $ref: '#/components/schemas/Node' }, { $ref: '#/components/schemas/Node' }, input, {
      before: node({ name: { type: 'string' } }),
      after: node({}),
    });
    expect(breaking(findings)).toEqual(['request field Node.name: removed (old clients still send it)']);
  });

  it('reports-changes-it-cannot-analyse-as-breaking', () => {
    const before = { oneOf: [{ type: 'string' }, { type: 'integer' }] };
    const after = { oneOf: [{ type: 'string' }] };
    expect(breaking(compare(before, after, output))).toEqual(['response: oneOf changed (2 branches → 1 branch); not analysed by this checker, review by hand']);
  });

  it('compares-same-length-compositions-branch-by-branch', () => {
    const before = { anyOf: [{ type: 'string', maxLength: 5 }, { type: 'integer' }] };
    const after = { anyOf: [{ type: 'string', maxLength: 3 }, { type: 'integer' }] };
    expect(breaking(compare(before, after, input))).toEqual(['request (anyOf 0): maxLength 5 → 3 (tighter)']);
  });

  it('ignores-annotations-and-notes-defaults-and-deprecation', () => {
    const before = { type: 'string', description: 'old', examples: ['a'], default: 'a' };
    const after = { type: 'string', description: 'new', examples: ['b'], default: 'b', deprecated: true };
    expect(compare(before, after, input)).toEqual([
      { severity: 'note', message: 'request: default "a" → "b"' },
      { severity: 'non-breaking', message: 'request: deprecated' },
    ]);
  });
});
