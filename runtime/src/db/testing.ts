import { randomBytes } from 'node:crypto';
import { MikroORM } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { AppError, errorCodes } from '../errors/index.ts';

/**
 * Test helpers for the real local PostgreSQL. Each test file gets its own database, so files run
 * in parallel without sharing rows; the database is dropped afterwards.
 */

/** The local server tests use: user postgres, trust authentication. */
export const localPostgresUrl = 'postgresql://postgres@127.0.0.1:5432';

export interface TemporaryDatabase {
  /** Unique database name, e.g. `test_m3x1k2a0_9f3c01ab`. */
  readonly dbName: string;
  /** Connection URL of the database, for `createOrm({ driver: 'postgresql', url })`. */
  readonly url: string;
  /** Drops the database, closing any connection still open to it. Safe to call twice. */
  drop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface TemporaryDatabaseOptions {
  /** Server URL without a database. Default `localPostgresUrl`. */
  readonly serverUrl?: string;
  /** Start of the database name: lower-case letters, digits, underscores. Default 'test'. */
  readonly prefix?: string;
}

/** Runs one statement against the server's maintenance database `postgres`. */
async function administer(serverUrl: string, sql: string): Promise<void> {
  const orm = await MikroORM.init({
    driver: PostgreSqlDriver,
    clientUrl: databaseUrl(serverUrl, 'postgres'),
    entities: [],
    ensureDatabase: false,
    discovery: { warnWhenNoEntities: false },
  });
  try {
    await orm.em.getConnection().execute(sql);
  } finally {
    await orm.close(true);
  }
}

function databaseUrl(serverUrl: string, dbName: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${dbName}`;
  return url.toString();
}

/** Creates a fresh, uniquely named PostgreSQL database; drop it when done (or use `await using`). */
export async function createTemporaryPostgresDatabase(options: TemporaryDatabaseOptions = {}): Promise<TemporaryDatabase> {
  const { serverUrl = localPostgresUrl, prefix = 'test' } = options;
  if (!/^[a-z][a-z0-9_]{0,30}$/.test(prefix)) {
    throw new AppError(errorCodes.invalidArgument, `cannot create temporary database: prefix must be 1-31 lower-case letters, digits or underscores (got ${JSON.stringify(prefix)})`);
  }
  const dbName = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await administer(serverUrl, `create database "${dbName}"`);
  let dropped: Promise<void> | undefined;
  const drop = (): Promise<void> => (dropped ??= administer(serverUrl, `drop database if exists "${dbName}" with (force)`));
  return { dbName, url: databaseUrl(serverUrl, dbName), drop, [Symbol.asyncDispose]: drop };
}

/** Runs `use` with a fresh PostgreSQL database and drops it afterwards, whatever the outcome. */
export async function withTemporaryPostgresDatabase<T>(use: (database: TemporaryDatabase) => Promise<T>, options?: TemporaryDatabaseOptions): Promise<T> {
  const database = await createTemporaryPostgresDatabase(options);
  try {
    return await use(database);
  } finally {
    await database.drop();
  }
}

/** One statement as the driver received it. */
export interface RecordedStatement {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

/**
 * Replaces the driver client of `orm`'s connection with one that records each statement and
 * answers no rows, so statement text can be checked without a server (SQL Server included).
 * Call before the ORM runs anything; the ORM is unusable for real queries afterwards.
 */
export function recordDriverStatements(orm: MikroORM): RecordedStatement[] {
  const seen: RecordedStatement[] = [];
  const connection = orm.em.getConnection() as unknown as { ensureConnection(): Promise<void>; getClient(): unknown };
  const client = {
    async executeQuery(query: RecordedStatement) {
      seen.push({ sql: query.sql, parameters: [...query.parameters] });
      return { rows: [], numAffectedRows: 1n };
    },
    transaction: () => ({ execute: <T>(work: (trx: unknown) => Promise<T>) => work(client) }),
  };
  connection.ensureConnection = async () => {};
  connection.getClient = () => client;
  return seen;
}
