import { createHash } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';

/** A read-only view of SQLite databases, to tell whether anything in them changed. */
export interface DatabaseState {
  /** A digest of every row of every table of every database (a different digest: something changed). */
  digest(): string;
  /** Rows per table, for messages: `{ platforms: 3, outbox_messages: 3 }`. */
  counts(): Record<string, number>;
  close(): void;
}

function tables(db: DatabaseSync): string[] {
  return (db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").all() as { name: string }[]).map((row) => row.name);
}

function quoted(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Opens the SQLite files read-only (the services keep writing them; WAL lets this read alongside). */
export function databaseState(files: readonly string[]): DatabaseState {
  const databases = files.map((file) => ({ file, db: new DatabaseSync(file, { readOnly: true }) }));
  return {
    digest() {
      const hash = createHash('sha256');
      for (const { file, db } of databases) {
        for (const table of tables(db)) {
          hash.update(`${file}\u0000${table}\u0000`);
          for (const row of db.prepare(`select * from ${quoted(table)} order by rowid`).iterate()) hash.update(JSON.stringify(row, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('base64') : typeof value === 'bigint' ? String(value) : value)));
        }
      }
      return hash.digest('hex');
    },
    counts() {
      return Object.fromEntries(databases.flatMap(({ db }) => tables(db).map((table) => [table, Number((db.prepare(`select count(*) as n from ${quoted(table)}`).get() as { n: number }).n)])));
    },
    close() {
      for (const { db } of databases) db.close();
    },
  };
}
