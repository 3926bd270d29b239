/**
 * The SQL drivers the platform uses, each with a connection that binds every value as a
 * parameter. MikroORM 7's `execute` and `stream` format the values into the SQL text and send
 * no parameters (mikro-orm/mikro-orm#6827, #8001); these connections send the statement with the
 * driver's placeholders and the values next to it (bound-statement.ts). Everything else
 * (transactions, logging, result shapes, the drivers' own behaviour) is MikroORM's.
 */
import type { Configuration, Constructor, Dictionary, LoggingOptions, Platform, RawQueryFragment, Transaction } from '@mikro-orm/core';
import { isRaw, raw } from '@mikro-orm/core';
import { BaseSqliteConnection, NativeQueryBuilder, SqliteDriver } from '@mikro-orm/sql';
import type { AbstractSqlConnection, AbstractSqlDriver } from '@mikro-orm/sql';
import { CompiledQuery } from 'kysely';
import type { Kysely } from 'kysely';
import { bindStatement } from './bound-statement.ts';
import type { ParameterStyle } from './bound-statement.ts';

type Query = string | NativeQueryBuilder | RawQueryFragment;
type Method = 'all' | 'get' | 'run';
type ConnectionClass = abstract new (...args: never[]) => AbstractSqlConnection;
type DriverClass = new (config: Configuration) => AbstractSqlDriver;

interface AbortOptions {
  readonly signal?: AbortSignal;
  readonly inflightQueryAbortStrategy?: unknown;
}

/** `loggerContext` may carry abort controls (MikroORM stashes them there); they go to Kysely, not to the log. */
function splitAbort(loggerContext: LoggingOptions | undefined): { abort: AbortOptions | undefined; log: LoggingOptions | undefined } {
  const context = loggerContext as (LoggingOptions & AbortOptions) | undefined;
  if (context?.signal == null && context?.inflightQueryAbortStrategy == null) return { abort: undefined, log: loggerContext };
  const { signal, inflightQueryAbortStrategy, ...log } = context;
  return { abort: { ...(signal ? { signal } : {}), inflightQueryAbortStrategy }, log };
}

/** A connection class whose `execute` and `stream` bind values in `style` instead of inlining them. */
function bindingConnection<C extends ConnectionClass>(Base: C, styleOf: (platform: Platform) => ParameterStyle): C {
  abstract class BindingConnection extends (Base as unknown as new (...args: unknown[]) => AbstractSqlConnection) {
    #style: ParameterStyle | undefined;

    /** How this connection writes placeholders and which values it binds. */
    parameterStyle(): ParameterStyle {
      this.#style ??= styleOf(this.platform);
      return this.#style;
    }

    /** MikroORM's `prepareQuery` without the formatting: the statement text and values, bound. */
    #bind(query: Query, params: readonly unknown[] | Dictionary<unknown> = []): { readonly sql: string; readonly params: readonly unknown[]; readonly parameters: readonly unknown[] } {
      let text: Query = query instanceof NativeQueryBuilder ? query.toRaw() : query;
      let values: readonly unknown[] = Array.isArray(params) ? params : [];
      if (typeof text === 'string' && !Array.isArray(params)) text = raw(text, params as Dictionary<unknown>);
      if (isRaw(text)) {
        values = text.params;
        text = text.sql;
      }
      const sql = this.config.get('onQuery')(text as string, values as unknown[]);
      const bound = bindStatement(sql, values, this.parameterStyle(), this.platform);
      return { params: values, sql: bound.sql, parameters: bound.parameters };
    }

    override async execute<T>(query: Query, params?: readonly unknown[] | Dictionary<unknown>, method: Method = 'all', ctx?: Transaction, loggerContext?: LoggingOptions): Promise<T> {
      await this.ensureConnection();
      const q = this.#bind(query, params);
      const { abort, log } = splitAbort(loggerContext);
      const client = (ctx ?? this.getClient()) as Kysely<unknown>;
      return this.executeQuery(q.sql, async () => {
        const result = await client.executeQuery(CompiledQuery.raw(q.sql, [...q.parameters]), abort as never);
        return this.transformRawResult<T>(result, method);
      }, { params: [...q.params], ...log });
    }

    override async *stream<T>(query: Query, params?: readonly unknown[] | Dictionary<unknown>, ctx?: Transaction<Kysely<unknown>>, loggerContext?: LoggingOptions, chunkSize?: number): AsyncIterableIterator<T> {
      await this.ensureConnection();
      const q = this.#bind(query, params);
      const { abort, log } = splitAbort(loggerContext);
      // As MikroORM does: a select node, so Kysely's SQLite driver streams it like a select.
      const compiled = { query: { kind: 'SelectQueryNode' }, sql: q.sql, parameters: [...q.parameters] } as unknown as CompiledQuery;
      const client = (ctx ?? this.getClient()) as Kysely<unknown>;
      try {
        const rows = client.getExecutor().stream(compiled, chunkSize ?? 100, abort?.signal ? { signal: abort.signal } : undefined);
        this.logQuery(q.sql, { params: [...q.params], ...log });
        for await (const chunk of rows) yield* this.transformRawResult<T[]>(chunk, 'all');
      } catch (error) {
        this.logQuery(q.sql, { params: [...q.params], ...log, level: 'error' });
        throw error;
      }
    }
  }
  return BindingConnection as unknown as C;
}

/** The parameter style of a connection made by a bound driver (below). */
export function parameterStyleOf(connection: AbstractSqlConnection): ParameterStyle {
  const binding = connection as AbstractSqlConnection & { parameterStyle?: () => ParameterStyle };
  if (typeof binding.parameterStyle !== 'function') throw new Error('cannot tell how the connection binds values: it is not a bound driver connection (createOrm makes those)');
  return binding.parameterStyle();
}

/** A driver class that is `Driver` with its connections replaced by binding ones. */
function bindingDriver<D extends DriverClass>(Driver: D, Connection: ConnectionClass, styleOf: (platform: Platform) => ParameterStyle): D {
  const Binding = bindingConnection(Connection, styleOf) as unknown as Constructor<AbstractSqlConnection>;
  const BoundDriver = class extends (Driver as DriverClass) {
    constructor(config: Configuration) {
      super(config);
      // MikroORM's drivers name their connection class in their constructor; swap it before anything connects.
      const self = this as unknown as { connection: AbstractSqlConnection; replicas: AbstractSqlConnection[] };
      self.connection = new Binding(this.config);
      self.replicas = this.createReplicas((options) => new Binding(this.config, options, 'read'));
    }
  };
  Object.defineProperty(BoundDriver, 'name', { value: `Bound${Driver.name}` });
  return BoundDriver as unknown as D;
}

/** node:sqlite: `?` placeholders; booleans as 0/1 and dates as epoch milliseconds, as MikroORM's SQLite platform writes them. */
export const sqliteParameters = (): ParameterStyle => ({
  placeholder: () => '?',
  value: (value) => (typeof value === 'boolean' ? Number(value) : value instanceof Date ? value.getTime() : value),
});

/** pg: `$1`, `$2`, ...; dates as the platform formats them (its time zone setting). */
export const postgresqlParameters = (platform: Platform): ParameterStyle => ({
  placeholder: (position) => `$${position}`,
  value: (value) => (value instanceof Date ? (platform as Platform & { formatDate(date: Date): string }).formatDate(value) : value),
});

/**
 * tedious (through Kysely): `@1`, `@2`, ...; MikroORM's Unicode string wrapper unwrapped (a JS
 * string binds as NVARCHAR), dates as the platform's literal text (it converts to datetime2 exactly).
 */
export const mssqlParameters = (platform: Platform, UnicodeString: new (value: string) => { readonly value: string }): ParameterStyle => ({
  placeholder: (position) => `@${position}`,
  value: (value) => {
    if (value instanceof UnicodeString) return value.value;
    if (value instanceof Date) return unquote(String(platform.quoteValue(value)));
    return value;
  },
});

function unquote(literal: string): string {
  if (!literal.startsWith("'") || !literal.endsWith("'")) throw new Error(`cannot bind a date: unexpected literal ${literal}`);
  return literal.slice(1, -1);
}

/** SQLite through Kysely's dialect for `node:sqlite` (given as `driverOptions`), binding values. */
export const BoundSqliteDriver = bindingDriver(SqliteDriver, BaseSqliteConnection, sqliteParameters);

/** PostgreSQL, binding values (loaded only when selected). */
export async function boundPostgreSqlDriver(): Promise<DriverClass> {
  const { PostgreSqlDriver, PostgreSqlConnection } = await import('@mikro-orm/postgresql');
  return bindingDriver(PostgreSqlDriver, PostgreSqlConnection, postgresqlParameters);
}

/** SQL Server, binding values (loaded only when selected). */
export async function boundMsSqlDriver(): Promise<DriverClass> {
  const { MsSqlDriver, MsSqlConnection, UnicodeString } = await import('@mikro-orm/mssql');
  return bindingDriver(MsSqlDriver, MsSqlConnection, (platform) => mssqlParameters(platform, UnicodeString));
}

