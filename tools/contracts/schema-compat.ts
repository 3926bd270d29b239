/**
 * Compares two versions of a JSON Schema (OpenAPI 3.1 / AsyncAPI 3.0 flavour) and classifies each
 * difference by the direction data flows through it:
 *
 * - `input`: the provider reads values that old writers still produce (request bodies and
 *   parameters, received events). Narrowing breaks them: a new required field, a removed enum
 *   value, a tighter bound, unknown fields newly rejected. Widening is compatible.
 * - `output`: the provider writes values that old readers consume (responses, sent events).
 *   Widening breaks them: a new enum value, a looser bound, a field no longer always present.
 *   Narrowing is compatible. New fields break only strict readers (`strictReaders`) whose old
 *   schema was closed (`additionalProperties: false`): readers generated from it rejected the
 *   fields it did not list. REST clients and event consumers are tolerant readers (they ignore
 *   unknown fields), so against an open schema a new optional field is compatible, and opening a
 *   closed schema is compatible too: it changes nothing that is written, only what may be added
 *   later.
 *
 * Removing a field breaks in both directions: old writers still send it, old readers still read it.
 * Keywords this checker does not analyse (a changed `oneOf` of another length, `if`/`then`, ...)
 * are reported as breaking, to be reviewed by hand.
 */
import type { Severity } from './change.ts';
import { deref, isObject, refName, type Json } from './json-ref.ts';

export interface SchemaRole {
  readonly flow: 'input' | 'output';
  /** For `output`: readers built from the old schema rejected fields it did not list when it was closed. */
  readonly strictReaders: boolean;
  /** How findings name the schema: `request`, `response`, `payload`, `query parameter q`, ... */
  readonly subject: string;
  /** Who is on the other end, in findings: `clients`, `consumers`, `producers`. */
  readonly peers: string;
}

export interface SchemaFinding {
  readonly severity: Severity;
  readonly message: string;
}

export interface SchemaComparer {
  /** Compares the schema `before` (of the old document) with `after` (of the new one). */
  compare(before: unknown, after: unknown, role: SchemaRole): readonly SchemaFinding[];
}

/** Where a finding is: the named schema it belongs to (or '' for an inline root) and the steps below it. */
interface Path {
  readonly base: string;
  readonly steps: string;
}

type Effect = 'narrower' | 'wider' | 'changed';

const allTypes = ['array', 'boolean', 'integer', 'null', 'number', 'object', 'string'];
const lowerBounds = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties', 'minContains'];
const upperBounds = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties', 'maxContains'];
const restrictions = ['pattern', 'format', 'contentEncoding', 'contentMediaType'];
const compositions = ['allOf', 'anyOf', 'oneOf'];
const unanalysed = ['not', 'if', 'then', 'else', 'prefixItems', 'contains', 'patternProperties', 'propertyNames', 'dependentRequired', 'dependentSchemas', 'unevaluatedItems'];

export function createSchemaComparer(oldDocument: unknown, newDocument: unknown): SchemaComparer {
  // Findings of named schemas do not depend on where they are used: computed once per pair and role.
  const memo = new Map<string, SchemaFinding[]>();
  const pending = new Set<string>();

  function compareNode(before: unknown, after: unknown, role: SchemaRole, path: Path): SchemaFinding[] {
    const beforeRef = isObject(before) && typeof before.$ref === 'string' ? before.$ref : undefined;
    const afterRef = isObject(after) && typeof after.$ref === 'string' ? after.$ref : undefined;
    if (beforeRef === undefined && afterRef === undefined) return compareResolved(before, after, role, path);

    const named: Path = { base: refName(afterRef ?? beforeRef ?? ''), steps: '' };
    const findings: SchemaFinding[] = [];
    if (beforeRef !== undefined && afterRef !== undefined && refName(beforeRef) !== refName(afterRef)) {
      findings.push({ severity: 'note', message: `${label(role, path)}: schema ${refName(beforeRef)} replaced by ${refName(afterRef)}` });
    }
    const resolvedBefore = deref(oldDocument, before);
    const resolvedAfter = deref(newDocument, after);
    if (beforeRef === undefined || afterRef === undefined) return [...findings, ...compareResolved(resolvedBefore, resolvedAfter, role, named)];

    const key = `${beforeRef}|${afterRef}|${role.flow}|${role.strictReaders}|${role.subject}|${role.peers}`;
    // A recursive schema meets itself while its findings are being collected further up: nothing to add.
    if (pending.has(key)) return findings;
    let known = memo.get(key);
    if (!known) {
      pending.add(key);
      known = compareResolved(resolvedBefore, resolvedAfter, role, named);
      pending.delete(key);
      memo.set(key, known);
    }
    return [...findings, ...known];
  }

  function compareResolved(beforeNode: unknown, afterNode: unknown, role: SchemaRole, path: Path): SchemaFinding[] {
    const findings: SchemaFinding[] = [];
    const at = label(role, path);
    const report = (effect: Effect, what: string): void => {
      findings.push({ severity: verdict(role, effect), message: `${at}: ${what}` });
    };
    // `true`/absent accepts anything; `false` nothing.
    if (beforeNode === false || afterNode === false || !isObject(beforeNode) || !isObject(afterNode)) {
      if (JSON.stringify(beforeNode) !== JSON.stringify(afterNode)) report(acceptsAll(beforeNode) ? 'narrower' : acceptsAll(afterNode) ? 'wider' : 'changed', `schema ${brief(beforeNode)} → ${brief(afterNode)}`);
      return findings;
    }
    const before = beforeNode;
    const after = afterNode;

    compareTypes(before, after, report);
    compareEnums(before, after, report);
    compareBounds(before, after, report);
    compareRestrictions(before, after, report);
    compareObjects(before, after, role, path, findings, report);

    if (isObject(before.items) || isObject(after.items) || typeof before.items === 'boolean' || typeof after.items === 'boolean') {
      if (before.items === undefined) report('narrower', 'items now constrained');
      else if (after.items === undefined) report('wider', 'items no longer constrained');
      else findings.push(...compareNode(before.items, after.items, role, step(path, '[]')));
    }

    for (const keyword of compositions) {
      const a = before[keyword];
      const b = after[keyword];
      if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
        a.forEach((branch, index) => findings.push(...compareNode(branch, b[index], role, step(path, ` (${keyword} ${index})`))));
      } else if (JSON.stringify(a) !== JSON.stringify(b)) {
        report('changed', `${keyword} changed (${describeBranches(a)} → ${describeBranches(b)}); not analysed by this checker, review by hand`);
      }
    }
    for (const keyword of unanalysed) {
      if (JSON.stringify(before[keyword]) !== JSON.stringify(after[keyword])) report('changed', `${keyword} changed; not analysed by this checker, review by hand`);
    }

    if (JSON.stringify(before.default) !== JSON.stringify(after.default)) {
      findings.push({ severity: 'note', message: `${at}: default ${brief(before.default)} → ${brief(after.default)}` });
    }
    if (before.deprecated !== true && after.deprecated === true) findings.push({ severity: 'non-breaking', message: `${at}: deprecated` });
    if (before.deprecated === true && after.deprecated !== true) findings.push({ severity: 'non-breaking', message: `${at}: no longer deprecated` });
    for (const keyword of ['readOnly', 'writeOnly']) {
      if (before[keyword] !== after[keyword]) findings.push({ severity: 'note', message: `${at}: ${keyword} ${brief(before[keyword])} → ${brief(after[keyword])}` });
    }
    return findings;
  }

  function compareObjects(before: Json, after: Json, role: SchemaRole, path: Path, findings: SchemaFinding[], report: (effect: Effect, what: string) => void): void {
    const beforeProps = isObject(before.properties) ? before.properties : {};
    const afterProps = isObject(after.properties) ? after.properties : {};
    const beforeRequired = new Set(Array.isArray(before.required) ? (before.required as string[]) : []);
    const afterRequired = new Set(Array.isArray(after.required) ? (after.required as string[]) : []);
    const beforeClosed = closed(before);
    const afterClosed = closed(after);
    const names = [...new Set([...Object.keys(beforeProps), ...beforeRequired, ...Object.keys(afterProps), ...afterRequired])];

    for (const name of names) {
      const fieldPath = step(path, `.${name}`);
      const at = label(role, fieldPath);
      const add = (severity: Severity, what: string): void => {
        findings.push({ severity, message: `${at}: ${what}` });
      };
      const existedBefore = name in beforeProps || beforeRequired.has(name);
      const existsAfter = name in afterProps || afterRequired.has(name);
      if (existedBefore && !existsAfter) {
        add('breaking', role.flow === 'input' ? `removed (old ${role.peers} still send it)` : `removed (old ${role.peers} still read it)`);
        continue;
      }
      if (!existedBefore && existsAfter) {
        const required = afterRequired.has(name);
        if (role.flow === 'input') add(required ? 'breaking' : 'non-breaking', required ? `new and required (old ${role.peers} do not send it)` : 'new, optional');
        else if (role.strictReaders && beforeClosed) add('breaking', `new${required ? ', always present' : ', optional'}; old ${role.peers} reject it (the old schema forbids unknown fields)`);
        else add('non-breaking', required ? 'new, always present' : 'new, optional');
        continue;
      }
      const wasRequired = beforeRequired.has(name);
      const isRequired = afterRequired.has(name);
      if (!wasRequired && isRequired) add(role.flow === 'input' ? 'breaking' : 'non-breaking', role.flow === 'input' ? `now required (old ${role.peers} may omit it)` : 'now always present');
      if (wasRequired && !isRequired) add(role.flow === 'input' ? 'non-breaking' : 'breaking', role.flow === 'input' ? 'now optional' : `now optional (old ${role.peers} expect it always)`);
      if (name in beforeProps && name in afterProps) findings.push(...compareNode(beforeProps[name], afterProps[name], role, fieldPath));
    }

    if (!beforeClosed && afterClosed) report('narrower', 'unknown fields now rejected (additionalProperties: false)');
    // Opening a schema changes nothing that is written; a field added later is judged against the open schema.
    if (beforeClosed && !afterClosed) findings.push({ severity: 'non-breaking', message: `${label(role, path)}: unknown fields now allowed` });
    const beforeExtra = isObject(before.additionalProperties) ? before.additionalProperties : undefined;
    const afterExtra = isObject(after.additionalProperties) ? after.additionalProperties : undefined;
    if (beforeExtra && afterExtra) findings.push(...compareNode(beforeExtra, afterExtra, role, step(path, '.*')));
    else if (!beforeExtra && afterExtra && !beforeClosed) report('narrower', 'additional fields now constrained by a schema');
    else if (beforeExtra && !afterExtra && !afterClosed) report('wider', 'additional fields no longer constrained by a schema');
  }

  return {
    compare(before, after, role) {
      return compareNode(before, after, role, { base: '', steps: '' });
    },
  };
}

function verdict(role: SchemaRole, effect: Effect): Severity {
  if (effect === 'changed') return 'breaking';
  if (role.flow === 'input') return effect === 'narrower' ? 'breaking' : 'non-breaking';
  return effect === 'wider' ? 'breaking' : 'non-breaking';
}

function compareTypes(before: Json, after: Json, report: (effect: Effect, what: string) => void): void {
  const a = typeSet(before);
  const b = typeSet(after);
  if (a === undefined && b === undefined) return;
  if (a === undefined) return report('narrower', `type now restricted to ${formatTypes(b)}`);
  if (b === undefined) return report('wider', `type no longer restricted (was ${formatTypes(a)})`);
  const lost = [...a].some((type) => !covers(b, type));
  const gained = [...b].some((type) => !covers(a, type));
  if (lost || gained) report(lost && gained ? 'changed' : lost ? 'narrower' : 'wider', `type ${formatTypes(a)} → ${formatTypes(b)}`);
}

function covers(set: ReadonlySet<string>, type: string): boolean {
  return set.has(type) || (type === 'integer' && set.has('number'));
}

function typeSet(schema: Json): Set<string> | undefined {
  const type = schema.type;
  const types = typeof type === 'string' ? [type] : Array.isArray(type) ? (type as string[]) : undefined;
  if (types === undefined) return undefined;
  const set = new Set(types.filter((t) => allTypes.includes(t)));
  if (schema.nullable === true) set.add('null'); // OpenAPI 3.0 spelling
  return set;
}

function formatTypes(types: ReadonlySet<string> | undefined): string {
  return types === undefined ? 'any' : [...types].toSorted().join(' | ');
}

function compareEnums(before: Json, after: Json, report: (effect: Effect, what: string) => void): void {
  const a = allowedValues(before);
  const b = allowedValues(after);
  if (a === undefined && b === undefined) return;
  if (a === undefined) return report('narrower', `now limited to ${[...(b ?? [])].join(', ')}`);
  if (b === undefined) return report('wider', `no longer limited to ${[...a].join(', ')}`);
  for (const value of a) if (!b.has(value)) report('narrower', `enum value ${value} removed`);
  for (const value of b) if (!a.has(value)) report('wider', `enum value ${value} added`);
}

function allowedValues(schema: Json): Set<string> | undefined {
  if (Array.isArray(schema.enum)) return new Set(schema.enum.map((value) => JSON.stringify(value)));
  if ('const' in schema) return new Set([JSON.stringify(schema.const)]);
  return undefined;
}

function compareBounds(before: Json, after: Json, report: (effect: Effect, what: string) => void): void {
  for (const [keywords, tighter] of [
    [lowerBounds, (a: number, b: number) => b > a],
    [upperBounds, (a: number, b: number) => b < a],
  ] as const) {
    for (const keyword of keywords) {
      const a = before[keyword];
      const b = after[keyword];
      if (a === b) continue;
      if (a === undefined) report('narrower', `${keyword} ${brief(b)} added`);
      else if (b === undefined) report('wider', `${keyword} ${brief(a)} removed`);
      else if (typeof a !== 'number' || typeof b !== 'number') report('changed', `${keyword} ${brief(a)} → ${brief(b)}`);
      else report(tighter(a, b) ? 'narrower' : 'wider', `${keyword} ${a} → ${b} (${tighter(a, b) ? 'tighter' : 'looser'})`);
    }
  }
  const a = before.multipleOf;
  const b = after.multipleOf;
  if (a !== b) {
    if (typeof a !== 'number') report('narrower', `multipleOf ${brief(b)} added`);
    else if (typeof b !== 'number') report('wider', `multipleOf ${a} removed`);
    else report(b % a === 0 ? 'narrower' : a % b === 0 ? 'wider' : 'changed', `multipleOf ${a} → ${b}`);
  }
  if (before.uniqueItems !== true && after.uniqueItems === true) report('narrower', 'items must now be unique');
  if (before.uniqueItems === true && after.uniqueItems !== true) report('wider', 'items no longer need to be unique');
}

function compareRestrictions(before: Json, after: Json, report: (effect: Effect, what: string) => void): void {
  for (const keyword of restrictions) {
    const a = before[keyword];
    const b = after[keyword];
    if (a === b) continue;
    if (a === undefined) report('narrower', `${keyword} ${brief(b)} added`);
    else if (b === undefined) report('wider', `${keyword} ${brief(a)} removed`);
    else report('changed', `${keyword} ${brief(a)} → ${brief(b)}`);
  }
}

function closed(schema: Json): boolean {
  return schema.additionalProperties === false || schema.unevaluatedProperties === false;
}

function acceptsAll(schema: unknown): boolean {
  return schema === true || schema === undefined || (isObject(schema) && Object.keys(schema).length === 0);
}

function step(path: Path, suffix: string): Path {
  return { base: path.base, steps: path.steps + suffix };
}

/**
 * `response Platform`, `response field Platform.cost`, `request field colour` (below an inline
 * root), `query parameter q`, `request (anyOf 0)`: "field" only when a property is involved.
 */
function label(role: SchemaRole, path: Path): string {
  const name = `${path.base}${path.base === '' ? path.steps.replace(/^\./, '') : path.steps}`.trim();
  if (name === '') return role.subject;
  return path.steps.includes('.') ? `${role.subject} field ${name}` : `${role.subject} ${name}`;
}

function describeBranches(value: unknown): string {
  return Array.isArray(value) ? `${value.length} branch${value.length === 1 ? '' : 'es'}` : 'none';
}

function brief(value: unknown): string {
  if (value === undefined) return 'none';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
