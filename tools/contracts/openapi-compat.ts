/**
 * Compatibility of two versions of an OpenAPI 3.1 document, from the point of view of clients
 * built against the old one: operations are matched by method and path template, then their
 * parameters, request bodies and responses are compared (schemas by `schema-compat.ts`:
 * requests as `input`, responses as `output` read by tolerant clients, which ignore new fields).
 */
import { createChangeSink, type Change, type ChangeSink } from './change.ts';
import { deref, isObject, type Json } from './json-ref.ts';
import { createSchemaComparer, type SchemaComparer, type SchemaRole } from './schema-compat.ts';
import { compareSecurity, compareSecuritySchemes, schemesOf } from './security-compat.ts';

const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

interface Operation {
  /** `GET /api/platforms/{id}` */
  readonly title: string;
  readonly path: string;
  readonly operation: Json;
  readonly parameters: ReadonlyMap<string, Json>;
}

export function compareOpenapi(before: Json, after: Json): Change[] {
  for (const [which, document] of [['old', before], ['new', after]] as const) {
    if (typeof document.openapi !== 'string' || !/^3\.[01]\./.test(document.openapi)) {
      throw new Error(`cannot compare OpenAPI documents: the ${which} one is not OpenAPI 3.0/3.1 (openapi: ${String(document.openapi)})`);
    }
  }
  const sink = createChangeSink();
  const schemas = createSchemaComparer(before, after);
  const oldOperations = listOperations(before);
  const newOperations = listOperations(after);

  for (const [key, old] of oldOperations) {
    if (!newOperations.has(key)) sink.add('breaking', `operation ${old.title}${named(old.operation)} removed`);
  }
  for (const [key, added] of newOperations) {
    if (!oldOperations.has(key)) sink.add('non-breaking', `operation ${added.title}${named(added.operation)} added`);
  }
  const schemeUsers = new Map<string, string[]>();
  for (const [key, old] of oldOperations) {
    const current = newOperations.get(key);
    if (!current) continue;
    compareOperation(old, current, { before, after, schemas, sink });
    for (const scheme of schemesOf(effectiveSecurity(before, old.operation))) schemeUsers.set(scheme, [...(schemeUsers.get(scheme) ?? []), current.title]);
  }
  compareSecuritySchemes(before, after, schemeUsers, sink);
  return sink.list();
}

interface Context {
  readonly before: Json;
  readonly after: Json;
  readonly schemas: SchemaComparer;
  readonly sink: ChangeSink;
}

function compareOperation(old: Operation, current: Operation, ctx: Context): void {
  const { sink } = ctx;
  const site = current.title;
  if (old.path !== current.path) sink.add('non-breaking', `path ${old.path} now written ${current.path} (same template)`, site);
  const oldId = old.operation.operationId;
  const newId = current.operation.operationId;
  if (oldId !== newId) sink.add('breaking', `operationId ${String(oldId)} → ${String(newId)} (code generated from the old contract names it)`, site);
  if (old.operation.deprecated !== true && current.operation.deprecated === true) sink.add('non-breaking', `operation ${site} deprecated`);
  compareSecurity(effectiveSecurity(ctx.before, old.operation), effectiveSecurity(ctx.after, current.operation), site, sink);
  compareParameters(old, current, ctx);
  compareRequestBody(old, current, ctx);
  compareResponses(old, current, ctx);
}

function compareParameters(old: Operation, current: Operation, ctx: Context): void {
  const { sink } = ctx;
  const site = current.title;
  for (const [key, param] of old.parameters) {
    if (!current.parameters.has(key)) sink.add('breaking', `${describeParameter(param)} removed (old clients still send it)`, site);
  }
  for (const [key, param] of current.parameters) {
    if (old.parameters.has(key)) continue;
    if (param.required === true) sink.add('breaking', `new required ${describeParameter(param)} (old clients do not send it)`, site);
    else sink.add('non-breaking', `new optional ${describeParameter(param)}`, site);
  }
  for (const [key, before] of old.parameters) {
    const after = current.parameters.get(key);
    if (!after) continue;
    const name = describeParameter(after);
    if (before.name !== after.name) sink.add('non-breaking', `path parameter {${String(before.name)}} renamed {${String(after.name)}}`, site);
    if (before.required !== true && after.required === true) sink.add('breaking', `${name} now required`, site);
    if (before.required === true && after.required !== true) sink.add('non-breaking', `${name} now optional`, site);
    if (before.deprecated !== true && after.deprecated === true) sink.add('non-breaking', `${name} deprecated`, site);
    for (const keyword of ['style', 'explode', 'allowReserved']) {
      if (before[keyword] !== after[keyword]) sink.add('breaking', `${name}: ${keyword} ${String(before[keyword] ?? 'default')} → ${String(after[keyword] ?? 'default')} (serialization changed)`, site);
    }
    const role: SchemaRole = { flow: 'input', strictReaders: false, subject: name, peers: 'clients' };
    addFindings(ctx, ctx.schemas.compare(parameterSchema(before), parameterSchema(after), role), site);
  }
}

function compareRequestBody(old: Operation, current: Operation, ctx: Context): void {
  const { sink } = ctx;
  const site = current.title;
  const before = old.operation.requestBody === undefined ? undefined : asObject(deref(ctx.before, old.operation.requestBody));
  const after = current.operation.requestBody === undefined ? undefined : asObject(deref(ctx.after, current.operation.requestBody));
  if (!before && !after) return;
  if (!before && after) {
    sink.add(after.required === true ? 'breaking' : 'non-breaking', after.required === true ? 'request body now required (old clients send none)' : 'optional request body added', site);
    return;
  }
  if (before && !after) {
    sink.add('breaking', 'request body removed (old clients still send one)', site);
    return;
  }
  if (!before || !after) return;
  if (before.required !== true && after.required === true) sink.add('breaking', 'request body now required', site);
  if (before.required === true && after.required !== true) sink.add('non-breaking', 'request body now optional', site);
  const oldContent = asObject(before.content) ?? {};
  const newContent = asObject(after.content) ?? {};
  for (const mediaType of Object.keys(oldContent)) {
    if (!(mediaType in newContent)) sink.add('breaking', `request media type ${mediaType} no longer accepted`, site);
  }
  for (const mediaType of Object.keys(newContent)) {
    if (!(mediaType in oldContent)) sink.add('non-breaking', `request media type ${mediaType} now accepted`, site);
  }
  for (const [mediaType, media] of Object.entries(oldContent)) {
    const next = newContent[mediaType];
    if (next === undefined) continue;
    const role: SchemaRole = { flow: 'input', strictReaders: false, subject: 'request', peers: 'clients' };
    addFindings(ctx, ctx.schemas.compare(asObject(media)?.schema, asObject(next)?.schema, role), `${site} ${mediaType}`);
  }
}

function compareResponses(old: Operation, current: Operation, ctx: Context): void {
  const { sink } = ctx;
  const oldResponses = asObject(old.operation.responses) ?? {};
  const newResponses = asObject(current.operation.responses) ?? {};
  const oldHadSuccess = Object.keys(oldResponses).some(isSuccess);
  for (const status of Object.keys(oldResponses)) {
    if (status in newResponses) continue;
    if (isSuccess(status)) sink.add('breaking', `success status ${status} removed`, current.title);
    else sink.add('non-breaking', `response ${status} no longer documented`, current.title);
  }
  for (const status of Object.keys(newResponses)) {
    if (status in oldResponses) continue;
    if (isSuccess(status) && oldHadSuccess) sink.add('breaking', `new success status ${status} (old clients do not expect it)`, current.title);
    else sink.add('non-breaking', `response ${status} added`, current.title);
  }
  for (const [status, rawBefore] of Object.entries(oldResponses)) {
    const rawAfter = newResponses[status];
    if (rawAfter === undefined) continue;
    const site = `${current.title} → ${status}`;
    const before = asObject(deref(ctx.before, rawBefore)) ?? {};
    const after = asObject(deref(ctx.after, rawAfter)) ?? {};
    const oldContent = asObject(before.content) ?? {};
    const newContent = asObject(after.content) ?? {};
    for (const mediaType of Object.keys(oldContent)) {
      if (!(mediaType in newContent)) sink.add('breaking', `response ${status} media type ${mediaType} removed`, current.title);
    }
    for (const mediaType of Object.keys(newContent)) {
      if (!(mediaType in oldContent)) sink.add('non-breaking', `response ${status} media type ${mediaType} added`, current.title);
    }
    for (const [mediaType, media] of Object.entries(oldContent)) {
      const next = newContent[mediaType];
      if (next === undefined) continue;
      const role: SchemaRole = { flow: 'output', strictReaders: false, subject: 'response', peers: 'clients' };
      addFindings(ctx, ctx.schemas.compare(asObject(media)?.schema, asObject(next)?.schema, role), `${site} ${mediaType}`);
    }
    compareResponseHeaders(before, after, site, ctx);
  }
}

function compareResponseHeaders(before: Json, after: Json, site: string, ctx: Context): void {
  const { sink } = ctx;
  const oldHeaders = headersByName(before.headers, ctx.before);
  const newHeaders = headersByName(after.headers, ctx.after);
  for (const [name, header] of oldHeaders) {
    if (!newHeaders.has(name)) sink.add(header.required === true ? 'breaking' : 'non-breaking', `response header ${name} removed`, site);
  }
  for (const name of newHeaders.keys()) {
    if (!oldHeaders.has(name)) sink.add('non-breaking', `response header ${name} added`, site);
  }
  for (const [name, header] of oldHeaders) {
    const next = newHeaders.get(name);
    if (!next) continue;
    if (header.required === true && next.required !== true) sink.add('breaking', `response header ${name} now optional (old clients expect it always)`, site);
    const role: SchemaRole = { flow: 'output', strictReaders: false, subject: `response header ${name}`, peers: 'clients' };
    addFindings(ctx, ctx.schemas.compare(header.schema, next.schema, role), site);
  }
}

/** Response headers by lower-case name (HTTP header names are case-insensitive). */
function headersByName(headers: unknown, document: Json): Map<string, Json> {
  return new Map(Object.entries(asObject(headers) ?? {}).map(([name, header]) => [name.toLowerCase(), asObject(deref(document, header)) ?? {}]));
}

function effectiveSecurity(document: Json, operation: Json): unknown {
  return operation.security ?? document.security;
}

function listOperations(document: Json): Map<string, Operation> {
  const operations = new Map<string, Operation>();
  for (const [path, rawItem] of Object.entries(asObject(document.paths) ?? {})) {
    const item = asObject(deref(document, rawItem)) ?? {};
    const template = path.replace(/\{[^}]*\}/g, '{}');
    const pathNames = [...path.matchAll(/\{([^}]*)\}/g)].map((match) => match[1]);
    for (const method of methods) {
      const operation = asObject(item[method]);
      if (!operation) continue;
      const parameters = new Map<string, Json>();
      for (const raw of [...asArray(item.parameters), ...asArray(operation.parameters)]) {
        const param = asObject(deref(document, raw));
        if (!param) continue;
        // Path parameters are identified by their place in the template: renaming one changes no URL.
        const key = param.in === 'path' ? `path#${pathNames.indexOf(String(param.name))}` : `${String(param.in)}:${param.in === 'header' ? String(param.name).toLowerCase() : String(param.name)}`;
        parameters.set(key, param);
      }
      const title = `${method.toUpperCase()} ${path}`;
      operations.set(`${method.toUpperCase()} ${template}`, { title, path, operation, parameters });
    }
  }
  return operations;
}

function parameterSchema(param: Json): unknown {
  if (param.schema !== undefined) return param.schema;
  const content = asObject(param.content);
  const first = content ? Object.values(content)[0] : undefined;
  return asObject(first)?.schema;
}

function describeParameter(param: Json): string {
  return `${String(param.in)} parameter ${String(param.name)}`;
}

function named(operation: Json): string {
  return typeof operation.operationId === 'string' ? ` (${operation.operationId})` : '';
}

function isSuccess(status: string): boolean {
  return /^2(\d\d|XX)$/i.test(status);
}

function addFindings(ctx: Context, findings: readonly { severity: Change['severity']; message: string }[], site: string): void {
  for (const finding of findings) ctx.sink.add(finding.severity, finding.message, site);
}

function asObject(value: unknown): Json | undefined {
  return isObject(value) ? value : undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
