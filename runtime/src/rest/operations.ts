/**
 * The contract's operations as the binder checks requests against them, compiled once from the
 * surface: which path templates exist (matched exactly: no trailing slash, no empty segment),
 * which methods each offers, which operations take a body, and the integer path parameters with
 * the range their schema declares.
 */
import type { HttpMethod, OpenApiDocument, RestRoute, RestSurface } from './surface.ts';

/** An integer path parameter and the range its schema allows (`minimum`/`maximum`, else its format's). */
export interface IntegerParameter {
  readonly name: string;
  readonly min: bigint | undefined;
  readonly max: bigint | undefined;
}

export interface Operation {
  readonly route: RestRoute<PropertyKey>;
  /** Whether the contract declares a request body for it. */
  readonly takesBody: boolean;
  readonly integerParameters: readonly IntegerParameter[];
}

export interface PathMatch {
  /** The path template of the contract, `/api/platforms/{id}`. */
  readonly template: string;
  /** Operations of the path by lower-case method. */
  readonly operations: ReadonlyMap<string, Operation>;
  /** The `Allow` value of the path: its methods, plus HEAD where GET is, plus OPTIONS. */
  readonly allow: string;
  /** Path parameters as sent, percent-decoded (undefined when a value does not decode). */
  readonly parameters: Readonly<Record<string, string | undefined>>;
  /** The first parameter value as sent that does not percent-decode, when one does not. */
  readonly undecodable?: string;
}

export interface OperationTable {
  /** The path template `path` (the URL path without query) matches exactly, or undefined. */
  match(path: string): PathMatch | undefined;
  /** Every operation of the surface, in the order of its routes. */
  readonly operations: readonly Operation[];
}

const formatBounds: Readonly<Record<string, readonly [bigint, bigint]>> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
};

type Json = Readonly<Record<string, unknown>>;

/** Follows a local `$ref` (`#/components/parameters/PlatformId`) to what it names. */
function resolve(spec: OpenApiDocument, value: unknown): Json {
  let current = value as Json;
  for (let hops = 0; typeof current?.$ref === 'string' && hops < 20; hops++) {
    const path = current.$ref.replace(/^#\//, '').split('/').map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
    current = path.reduce<Json>((node, key) => (node?.[key] ?? {}) as Json, spec as Json);
  }
  return current ?? {};
}

function bound(value: unknown): bigint | undefined {
  return typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : undefined;
}

function integerParameter(spec: OpenApiDocument, parameter: Json): IntegerParameter | undefined {
  const schema = resolve(spec, parameter.schema);
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (!types.includes('integer') || types.includes('string')) return undefined;
  const [formatMin, formatMax] = formatBounds[String(schema.format)] ?? [undefined, undefined];
  const exclusiveMin = bound(schema.exclusiveMinimum);
  const exclusiveMax = bound(schema.exclusiveMaximum);
  return {
    name: String(parameter.name),
    min: bound(schema.minimum) ?? (exclusiveMin === undefined ? formatMin : exclusiveMin + 1n),
    max: bound(schema.maximum) ?? (exclusiveMax === undefined ? formatMax : exclusiveMax - 1n),
  };
}

function compileOperation(spec: OpenApiDocument, route: RestRoute<PropertyKey>): Operation {
  const pathItem = resolve(spec, (spec.paths as Json | undefined)?.[route.path]);
  const operation = resolve(spec, pathItem[route.method]);
  const declared = [...((pathItem.parameters as unknown[]) ?? []), ...((operation.parameters as unknown[]) ?? [])].map((p) => resolve(spec, p));
  // An operation-level parameter overrides the path-level one of the same name and location.
  const byKey = new Map(declared.map((p) => [`${String(p.in)}:${String(p.name)}`, p]));
  const integerParameters = [...byKey.values()].filter((p) => p.in === 'path').flatMap((p) => integerParameter(spec, p) ?? []);
  return { route, takesBody: operation.requestBody !== undefined, integerParameters };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function decode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** Compiles the surface's routes into an operation table. */
export function compileOperations<Handlers>(surface: RestSurface<Handlers>): OperationTable {
  const paths = new Map<string, { names: string[]; pattern: RegExp; operations: Map<string, Operation> }>();
  const all: Operation[] = [];
  for (const route of surface.routes as readonly RestRoute<PropertyKey>[]) {
    let entry = paths.get(route.path);
    if (entry === undefined) {
      const names: string[] = [];
      const source = route.path
        .split(/(\{[^}]+\})/)
        .map((part) => (part.startsWith('{') ? (names.push(part.slice(1, -1)), '([^/]+)') : escapeRegExp(part)))
        .join('');
      entry = { names, pattern: new RegExp(`^${source}$`), operations: new Map() };
      paths.set(route.path, entry);
    }
    const operation = compileOperation(surface.spec, route);
    entry.operations.set(route.method, operation);
    all.push(operation);
  }
  const compiled = [...paths].map(([template, entry]) => ({ template, ...entry, allow: allowOf(entry.operations) }));
  return {
    operations: all,
    match(path) {
      for (const entry of compiled) {
        const found = entry.pattern.exec(path);
        if (found === null) continue;
        const parameters: Record<string, string | undefined> = {};
        let undecodable: string | undefined;
        for (let index = 0; index < entry.names.length; index++) {
          const raw = found[index + 1] ?? '';
          const value = decode(raw);
          if (value === undefined) undecodable ??= raw;
          parameters[entry.names[index] as string] = value;
        }
        return undecodable === undefined
          ? { template: entry.template, operations: entry.operations, allow: entry.allow, parameters }
          : { template: entry.template, operations: entry.operations, allow: entry.allow, parameters, undecodable };
      }
      return undefined;
    },
  };
}

const methodOrder: readonly HttpMethod[] = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options', 'trace'];

function allowOf(operations: ReadonlyMap<string, Operation>): string {
  const methods = new Set<string>([...operations.keys(), 'options']);
  if (methods.has('get')) methods.add('head');
  return methodOrder.filter((method) => methods.has(method)).map((method) => method.toUpperCase()).join(', ');
}
