/**
 * Hot-path SQL: statements written once per database and run through the driver (Kysely over
 * node:sqlite, pg or tedious) with every value bound as a parameter, skipping MikroORM's per-call
 * work (query rewriting, binding by scanning the text, logging wrappers, result mapping). MikroORM
 * stays for entities, schema, migrations and everything that is not a hot path.
 *
 * A statement is written as MikroORM writes SQL: identifiers quoted by `quote`, one `?` per value.
 * `prepare` turns the `?`s into the driver's placeholders once (`?`, `$1`, `@1`); each run binds
 * its values as the ORM's bound connection does (bound-drivers.ts: dates, booleans per driver).
 * On SQLite the text reaches a statement cache (sqlite-dialect.ts), so it is prepared once.
 */
import { CompiledQuery } from 'kysely';
import type { Kysely } from 'kysely';
import { parameterStyleOf } from './bound-drivers.ts';
import type { ParameterStyle } from './bound-statement.ts';
import { driverOf } from './clock.ts';
import type { DatabaseDriver, Orm } from './create-orm.ts';
import { CachingNodeSqliteDialect, rowArraysMark } from './sqlite-dialect.ts';

/** A statement in the driver's own text, with the number of values it binds. */
export interface PreparedStatement {
  /** The text as written, with `?` placeholders. */
  readonly source: string;
  /** The text the driver receives. */
  readonly sql: string;
  readonly parameters: number;
  /** Each row comes back as an array of the selected columns, in select order, instead of an object. */
  readonly arrays?: boolean;
}

/** Runs prepared statements on a connection or inside a transaction. */
export interface StatementRunner {
  /** The rows a statement returns (a select, or a write with `returning` / `output`). */
  rows<Row>(statement: PreparedStatement, values: readonly unknown[]): Promise<Row[]>;
  /** Runs a write; resolves with the number of rows it changed. */
  run(statement: PreparedStatement, values: readonly unknown[]): Promise<number>;
}

/** Runs reads that must neither see nor wait for a transaction in progress. */
export interface CommittedReader {
  /**
   * The rows of a read-only statement, from committed writes only. On a SQLite file it runs on a
   * read connection of its own (WAL), so it never queues behind the transaction holding the ORM's
   * one connection; elsewhere as `rows` outside any transaction (a pooled connection, or SQLite's
   * one connection in memory, once the transaction holding it ended).
   */
  committedRows<Row>(statement: PreparedStatement, values: readonly unknown[]): Promise<Row[]>;
}

export interface Statements extends StatementRunner, CommittedReader {
  readonly driver: DatabaseDriver;
  /** An identifier quoted for this database. */
  quote(identifier: string): string;
  /**
   * Turns `?` placeholders (no `??`, no literal `?` in the text) into the driver's. With `arrays`,
   * `rows` gives each row as an array of the selected columns in order (cheaper to build on SQLite
   * for reads that map every row at once; other drivers convert their objects).
   */
  prepare(source: string, options?: { readonly arrays?: boolean }): PreparedStatement;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: StatementRunner) => Promise<T>): Promise<T>;
}

const statementsByOrm = new WeakMap<Orm, Statements>();
const begin = CompiledQuery.raw('begin');
const commit = CompiledQuery.raw('commit');
const rollback = CompiledQuery.raw('rollback');

/** The statements of `orm` (made by `createOrm`); one instance per ORM. */
export function statementsOf(orm: Orm): Statements {
  let statements = statementsByOrm.get(orm);
  if (statements === undefined) {
    statements = createStatements(orm);
    statementsByOrm.set(orm, statements);
  }
  return statements;
}

/** The driver's text for `source` in `style`; exported for tests of the SQL Server text. */
export function driverText(source: string, style: Pick<ParameterStyle, 'placeholder'>): PreparedStatement {
  if (source.includes('??') || source.includes('\\?')) throw new Error(`cannot prepare statement: only plain ? placeholders are allowed in ${source}`);
  let position = 0;
  const sql = source.replace(/\?/g, () => style.placeholder(++position));
  return { source, sql, parameters: position };
}

function createStatements(orm: Orm): Statements {
  const driver = driverOf(orm);
  const connection = orm.em.getConnection();
  const platform = orm.em.getPlatform();
  const style = parameterStyleOf(connection);
  let client: Kysely<unknown> | undefined;
  const clientOf = async (): Promise<Kysely<unknown>> => {
    if (client === undefined) {
      await connection.ensureConnection();
      client = connection.getClient<unknown>();
    }
    return client;
  };

  const bind = (statement: PreparedStatement, values: readonly unknown[]): unknown[] => {
    if (values.length !== statement.parameters) throw new Error(`cannot run statement: ${values.length} values for ${statement.parameters} placeholders in ${statement.source}`);
    return values.map((value) => style.value(value === undefined ? null : value));
  };
  const compile = (statement: PreparedStatement, values: readonly unknown[]): CompiledQuery => CompiledQuery.raw(statement.sql, bind(statement, values));
  // Each statement is reported to the ORM's logger as MikroORM's own execute path reports it: a
  // child span of the active request or message with tracing on (orm-logger.ts), the SQL as a
  // debug line with ORM debug on, and the slow-query line past `slowQueryThreshold`.
  const ormLogger = orm.config.getLogger();
  const slowQueryThreshold = orm.config.get('slowQueryThreshold');
  // One context object per statement (no outcome object spread into it: this runs for every read).
  const report = (statement: PreparedStatement, started: number, results: number | undefined, affected?: number, level: 'info' | 'error' = 'info'): void => {
    const took = Date.now() - started;
    const context = { level, results, affected, query: statement.sql, took };
    ormLogger.logQuery(context);
    if (slowQueryThreshold != null && took >= slowQueryThreshold) {
      orm.config.getSlowQueryLogger().logQuery({ ...context, enabled: true, level: level === 'error' ? level : 'warning', namespace: 'slow-query' });
    }
  };
  const reportFailure = (statement: PreparedStatement, started: number): void => report(statement, started, undefined, undefined, 'error');
  const execute = async <Row>(executor: () => Promise<Pick<Kysely<unknown>, 'executeQuery'>>, statement: PreparedStatement, values: readonly unknown[]) => {
    const query = compile(statement, values);
    const runOn = await executor();
    const started = Date.now();
    try {
      const result = await runOn.executeQuery<Row>(query);
      report(statement, started, result.rows.length, result.numAffectedRows === undefined ? undefined : Number(result.numAffectedRows));
      return result;
    } catch (error) {
      reportFailure(statement, started);
      throw error;
    }
  };
  const runnerOn = (executor: () => Promise<Pick<Kysely<unknown>, 'executeQuery'>>): StatementRunner => ({
    async rows<Row>(statement: PreparedStatement, values: readonly unknown[]) {
      const { rows } = await execute<Row>(executor, statement, values);
      // SQLite builds the arrays itself (sqlite-dialect.ts); a driver's row objects keep the select order.
      return (statement.arrays === true && driver !== 'sqlite' ? rows.map((row) => Object.values(row as object)) : rows) as Row[];
    },
    async run(statement, values) {
      return Number((await execute(executor, statement, values)).numAffectedRows ?? 0n);
    },
  });

  const onConnection = runnerOn(clientOf);
  const dialect = orm.config.get('driverOptions');
  const sqlite = dialect instanceof CachingNodeSqliteDialect ? dialect : undefined;
  const reads = sqlite?.committedReads;
  const committedRows: CommittedReader['committedRows'] =
    reads === undefined
      ? onConnection.rows
      : async <Row>(statement: PreparedStatement, values: readonly unknown[]) => {
          const parameters = bind(statement, values);
          const started = Date.now();
          try {
            const rows = reads.all(statement.sql, parameters) as Row[];
            report(statement, started, rows.length);
            return rows;
          } catch (error) {
            reportFailure(statement, started);
            throw error;
          }
        };

  return {
    driver,
    quote: (identifier) => platform.quoteIdentifier(identifier),
    prepare(source, options) {
      const prepared = driverText(source, style);
      if (options?.arrays !== true) return prepared;
      return { ...prepared, sql: driver === 'sqlite' ? rowArraysMark + prepared.sql : prepared.sql, arrays: true };
    },
    ...onConnection,
    committedRows,
    // SQLite reads outside a transaction run at once (sqlite-dialect.ts readNow), reported as any other statement.
    rows: sqlite === undefined ? onConnection.rows : async <Row>(statement: PreparedStatement, values: readonly unknown[]) => {
      // The bound values alone: a Kysely query (frozen nodes, a query id) is made only if it waits its turn.
      const parameters = bind(statement, values);
      const started = Date.now();
      let rows: unknown[] | undefined;
      try {
        rows = sqlite.readNow(statement.sql, parameters);
      } catch (error) {
        reportFailure(statement, started);
        throw error;
      }
      if (rows === undefined) return onConnection.rows<Row>(statement, values);
      report(statement, started, rows.length);
      return rows as Row[];
    },
    async transaction(work) {
      const kysely = await clientOf();
      // SQL Server begins through tedious's own API: Kysely's transaction does it.
      if (driver === 'mssql') return kysely.transaction().execute((trx) => work(runnerOn(async () => trx)));
      // SQLite and PostgreSQL: what Kysely's transaction does (one connection held through its
      // executor, `begin`, the work, `commit`, or `rollback` and the error), without a Transaction
      // (a Kysely instance) and the executor's per-statement result pass, per transaction.
      return kysely.getExecutor().provideConnection(async (connection) => {
        await connection.executeQuery(begin);
        try {
          const result = await work(runnerOn(async () => connection));
          await connection.executeQuery(commit);
          return result;
        } catch (error) {
          // The work's error is the one to report; a rollback failing too (a broken connection) must not hide it.
          await connection.executeQuery(rollback).catch(() => undefined);
          throw error;
        }
      });
    },
  };
}
