/**
 * Turns MikroORM's statement text (`?` for a value, `??` for an identifier, `\?` for a literal
 * question mark) into the driver's own placeholders with the values beside it, so every value
 * reaches the database as a bound parameter and never as SQL text.
 *
 * MikroORM 7 itself formats every value into the SQL text (`Platform.formatQuery`) and runs the
 * result with no parameters; that is why a NUL character or a non-finite number broke statements.
 * The rules below mirror `formatQuery` exactly, only emitting placeholders where it emits literals:
 * an array becomes one placeholder per element (`in (?)`), a raw fragment is spliced in as SQL with
 * its own values bound, a plain object (or a JSON-tagged value) is bound as its JSON text.
 */
import { isRaw, JsonProperty, Utils } from '@mikro-orm/core';
import type { Platform } from '@mikro-orm/core';

/** How one driver writes placeholders and which JS values it binds. */
export interface ParameterStyle {
  /** Placeholder of the n-th parameter, counted from 1: `?`, `$1`, `@1`. */
  placeholder(position: number): string;
  /** A value as the driver binds it (after arrays, raw fragments and JSON are handled). */
  value(value: unknown): unknown;
}

export interface BoundStatement {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

/** Rewrites `sql` with `params` for `style`. A statement without params is returned unchanged, as MikroORM runs it. */
export function bindStatement(sql: string, params: readonly unknown[], style: ParameterStyle, platform: Platform): BoundStatement {
  if (params.length === 0) return { sql, parameters: [] };
  const same = sameText(sql, params, style);
  if (same !== undefined) return same;
  const parameters: unknown[] = [];
  const text = bindInto(sql, params, style, platform, parameters);
  return { sql: text, parameters };
}

const plainPlaceholders = new WeakSet<ParameterStyle>();
const numberedPlaceholders = new WeakSet<ParameterStyle>();

/**
 * The common case, without rewriting: a driver whose placeholder is `?` itself, a text with only
 * plain `?` (no `??`, no `\?`) and only scalar values. The text stays as it is and each value is
 * converted as `valueSql` would (a multi-row statement of the start-up sync binds 2,000 of them).
 * Undefined when the general rules are needed.
 */
function sameText(sql: string, params: readonly unknown[], style: ParameterStyle): BoundStatement | undefined {
  if (numberedPlaceholders.has(style)) return undefined;
  if (!plainPlaceholders.has(style)) {
    if (style.placeholder(1) !== '?' || style.placeholder(2) !== '?') {
      numberedPlaceholders.add(style);
      return undefined;
    }
    plainPlaceholders.add(style);
  }
  let count = 0;
  for (let i = sql.indexOf('?'); i !== -1; i = sql.indexOf('?', i + 1)) {
    if (sql.charCodeAt(i + 1) === 63 /* ? */ || (i > 0 && sql.charCodeAt(i - 1) === 92) /* \ */) return undefined;
    count++;
  }
  if (count !== params.length) return undefined;
  const parameters: unknown[] = [];
  for (const value of params) {
    if (typeof value === 'object' && value !== null) return undefined;
    parameters.push(style.value(value === undefined ? null : value));
  }
  return { sql, parameters };
}

function bindInto(sql: string, params: readonly unknown[], style: ParameterStyle, platform: Platform, parameters: unknown[]): string {
  let out = '';
  let next = 0;
  let start = 0;
  const take = (): unknown => {
    if (next >= params.length) throw new Error(`cannot bind statement: more placeholders than the ${params.length} parameters in ${sql.slice(0, 200)}`);
    return params[next++];
  };
  for (let i = sql.indexOf('?'); i !== -1; i = sql.indexOf('?', start)) {
    if (i > 0 && sql[i - 1] === '\\') {
      out += `${sql.slice(start, i - 1)}?`;
      start = i + 1;
    } else if (sql[i + 1] === '?') {
      out += sql.slice(start, i) + platform.quoteIdentifier(take() as string);
      start = i + 2;
    } else {
      out += sql.slice(start, i) + valueSql(take(), style, platform, parameters);
      start = i + 1;
    }
  }
  if (next !== params.length) throw new Error(`cannot bind statement: ${params.length} parameters for ${next} placeholders in ${sql.slice(0, 200)}`);
  return out + sql.slice(start);
}

/** The SQL standing for one value: placeholders for the values it binds, or a raw fragment's SQL. */
function valueSql(value: unknown, style: ParameterStyle, platform: Platform, parameters: unknown[]): string {
  if (isRaw(value)) return bindInto(value.sql, value.params, style, platform, parameters);
  if (Array.isArray(value) && !isJsonTagged(value)) return value.map((item: unknown) => valueSql(item, style, platform, parameters)).join(', ');
  const bound = Utils.isPlainObject(value) || isJsonTagged(value) ? JSON.stringify(value) : value === undefined ? null : value;
  parameters.push(style.value(bound));
  return style.placeholder(parameters.length);
}

function isJsonTagged(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[JsonProperty] === true;
}
