/**
 * The SQL of the catalogue copy, written once per dialect: an upsert that takes only newer versions
 * of live platforms, a tombstone, and the sync's stamp and sweep. Values are always bound (`?`);
 * what is written into the text is identifiers, boolean literals and the database clock, never a
 * value that came from outside. SQLite and PostgreSQL use `insert ... on conflict ... do update
 * ... where`; SQL Server a `merge` under `holdlock` (without it, concurrent merges of one key can
 * both try to insert).
 */
import { driverOf, nowMillisSql, type Orm } from '@platform/runtime/db';

export interface CatalogueStatements {
  /** Upsert of `rows` platforms, bound as (external id, name, version) per row: inserts unknown ones, updates live ones to a newer version. */
  upsert(rows: number): string;
  /** Tombstone of one platform, bound as (external id, version): inserts it deleted when unknown, marks a live older one deleted. */
  readonly tombstone: string;
  /** Stamps `rows` live platforms, bound by external id, as seen now. */
  touch(rows: number): string;
  /** As `touch`, only those stamped before the bound epoch milliseconds (bound after the ids): the others are stamped already. */
  touchStale(rows: number): string;
  /** Tombstones every live platform stamped before the bound epoch milliseconds (on PostgreSQL, locking them in ascending platform id first). */
  readonly sweep: string;
  /** Removes the commands of one platform, bound by external id, if it is a tombstone. */
  readonly removeCommandsOfTombstone: string;
  /** Removes the commands of every tombstone. */
  readonly removeCommandsOfTombstones: string;
}

export function catalogueStatements(orm: Orm): CatalogueStatements {
  const q = (name: string): string => orm.em.getPlatform().quoteIdentifier(name);
  const now = nowMillisSql(orm);
  const driver = driverOf(orm);
  const [no, yes] = driver === 'postgresql' ? ['false', 'true'] : ['0', '1'];
  const [platforms, commands] = [q('platforms'), q('commands')];
  const [id, externalId, name, version, deleted, changedAt, platformId] = ['id', 'external_id', 'name', 'version', 'deleted', 'changed_at', 'platform_id'].map(q) as [
    string, string, string, string, string, string, string,
  ];
  const list = (count: number, item: string): string => Array.from({ length: count }, () => item).join(', ');
  const columns = `${externalId}, ${name}, ${version}, ${deleted}, ${changedAt}`;

  const mergeInto = (source: string, onInsert: string, whenNewer: string): string =>
    `merge into ${platforms} with (holdlock) as target using (values ${source}) as incoming (${externalId}, ${name}, ${version}) ` +
    `on target.${externalId} = incoming.${externalId} ` +
    `when not matched then insert (${columns}) values ${onInsert} ` +
    `when matched and target.${version} < incoming.${version} and target.${deleted} = ${no} then update set ${whenNewer};`;

  const upsert = (rows: number): string =>
    driver === 'mssql'
      ? mergeInto(
          list(rows, '(?, ?, ?)'),
          `(incoming.${externalId}, incoming.${name}, incoming.${version}, ${no}, ${now})`,
          `${name} = incoming.${name}, ${version} = incoming.${version}, ${changedAt} = ${now}`,
        )
      : `insert into ${platforms} (${columns}) values ${list(rows, `(?, ?, ?, ${no}, ${now})`)} ` +
        `on conflict (${externalId}) do update set ${name} = excluded.${name}, ${version} = excluded.${version}, ${changedAt} = excluded.${changedAt} ` +
        `where ${platforms}.${version} < excluded.${version} and ${platforms}.${deleted} = ${no}`;

  const tombstone =
    driver === 'mssql'
      ? mergeInto(`(?, N'', ?)`, `(incoming.${externalId}, incoming.${name}, incoming.${version}, ${yes}, ${now})`, `${version} = incoming.${version}, ${deleted} = ${yes}, ${changedAt} = ${now}`)
      : `insert into ${platforms} (${columns}) values (?, '', ?, ${yes}, ${now}) ` +
        `on conflict (${externalId}) do update set ${version} = excluded.${version}, ${deleted} = ${yes}, ${changedAt} = excluded.${changedAt} ` +
        `where ${platforms}.${version} < excluded.${version} and ${platforms}.${deleted} = ${no}`;

  const unseen = `${deleted} = ${no} and ${changedAt} < ?`;
  const sweepSet = `update ${platforms} set ${deleted} = ${yes}, ${changedAt} = ${now}`;
  // PostgreSQL locks the rows an update changes in the order it scans them: the sweep locks them
  // first, in ascending platform id, as every other write of several rows does (catalogue-copy.ts).
  const sweep = driver === 'postgresql' ? `${sweepSet} where ${id} in (select ${id} from ${platforms} where ${unseen} order by ${externalId} for update)` : `${sweepSet} where ${unseen}`;
  const ofTombstones = `select ${id} from ${platforms} where ${deleted} = ${yes}`;
  return {
    upsert,
    tombstone,
    touch: (rows) => `update ${platforms} set ${changedAt} = ${now} where ${externalId} in (${list(rows, '?')}) and ${deleted} = ${no}`,
    touchStale: (rows) => `update ${platforms} set ${changedAt} = ${now} where ${externalId} in (${list(rows, '?')}) and ${deleted} = ${no} and ${changedAt} < ?`,
    sweep,
    removeCommandsOfTombstone: `delete from ${commands} where ${platformId} in (${ofTombstones} and ${externalId} = ?)`,
    removeCommandsOfTombstones: `delete from ${commands} where ${platformId} in (${ofTombstones})`,
  };
}
