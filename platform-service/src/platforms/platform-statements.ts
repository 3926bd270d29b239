/**
 * The hot paths of the catalogue as prepared statements (runtime db/statements.ts): written once
 * per database, every value bound. A write is one transaction of these plus its outbox row; MikroORM
 * keeps the entity, the schema and the migrations these statements run against.
 */
import type { Orm, PreparedStatement, Statements } from '@platform/runtime/db';
import { statementsOf } from '@platform/runtime/db';

export interface PlatformStatements {
  readonly statements: Statements;
  /** `id, name, publisher, cost, version` of an existing (not deleted) platform; values: id. */
  readonly byId: PreparedStatement;
  /** A new platform at version 1, returning its `id`; values: name, publisher, cost, createdAt. */
  readonly insert: PreparedStatement;
  /** Compare-and-set of the fields; values: name, publisher, cost, next version, id, current version. */
  readonly update: PreparedStatement;
  /** Compare-and-set tombstone; values: next version, deletedAt, id, current version. */
  readonly remove: PreparedStatement;
  /** The fields of an existing platform, whatever its version, returning the new `version`; values: name, publisher, cost, id. */
  readonly updateExisting: PreparedStatement;
  /** Tombstone of an existing platform, whatever its version, returning it with its final version; values: deletedAt, id. */
  readonly removeExisting: PreparedStatement;
}

const byOrm = new WeakMap<Orm, PlatformStatements>();

/** The statements in the text of `statements`' database (SQL Server: `output inserted.id` instead of `returning id`). */
export function platformStatementsFor(statements: Statements): PlatformStatements {
  const q = (identifier: string): string => statements.quote(identifier);
  const [table, id, version, deletedAt] = [q('platforms'), q('id'), q('version'), q('deleted_at')];
  const fields = [q('name'), q('publisher'), q('cost')];
  const current = `${id} = ? and ${version} = ? and ${deletedAt} is null`;
  const columns = `(${[...fields, version, q('created_at')].join(', ')})`;
  const values = 'values (?, ?, ?, 1, ?)';
  const existing = `${id} = ? and ${deletedAt} is null`;
  const view = [id, ...fields, version];
  // An update answering columns of the changed row: `returning` here, an `output` clause on SQL Server.
  const updateReturning = (set: string, returned: readonly string[]): string =>
    statements.driver === 'mssql'
      ? `update ${table} set ${set} output ${returned.map((column) => `inserted.${column}`).join(', ')} where ${existing}`
      : `update ${table} set ${set} where ${existing} returning ${returned.join(', ')}`;
  return {
    statements,
    byId: statements.prepare(`select ${[id, ...fields, version].join(', ')} from ${table} where ${id} = ? and ${deletedAt} is null`),
    insert: statements.prepare(
      statements.driver === 'mssql' ? `insert into ${table} ${columns} output inserted.${id} ${values}` : `insert into ${table} ${columns} ${values} returning ${id}`,
    ),
    update: statements.prepare(`update ${table} set ${fields.map((field) => `${field} = ?`).join(', ')}, ${version} = ? where ${current}`),
    remove: statements.prepare(`update ${table} set ${version} = ?, ${deletedAt} = ? where ${current}`),
    updateExisting: statements.prepare(updateReturning(`${fields.map((field) => `${field} = ?`).join(', ')}, ${version} = ${version} + 1`, [version])),
    removeExisting: statements.prepare(updateReturning(`${version} = ${version} + 1, ${deletedAt} = ?`, view)),
  };
}

/** The statements of `orm`'s database, made once per ORM. */
export function platformStatements(orm: Orm): PlatformStatements {
  let prepared = byOrm.get(orm);
  if (prepared === undefined) {
    prepared = platformStatementsFor(statementsOf(orm));
    byOrm.set(orm, prepared);
  }
  return prepared;
}
