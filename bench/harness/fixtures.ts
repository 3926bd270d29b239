/**
 * Benchmark databases: SQLite files with platform-service's own schema (created by its
 * `openDatabase`) and N platform rows, written straight through `node:sqlite`.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { createLogger } from '@platform/runtime/logging';
import { openDatabase } from '@platform/runtime/db';
import { platformServiceDatabase } from '../../platform-service/src/database.ts';
import { repoRoot } from './processes.ts';

/** Where benchmark databases, profiles and results live (git-ignored). */
export const resultsDir = join(repoRoot, 'bench', 'results');
export const dataDir = join(resultsDir, 'data');

/** The row the POST scenarios create, and the shape every row has. */
export const newPlatform = { name: 'Bench Platform', publisher: 'Bench Publisher', cost: 'Free' } as const;

/** A fresh SQLite file at `bench/results/data/<name>.sqlite` with platform-service's schema and `rows` platforms. */
export async function platformDatabase(name: string, rows: number): Promise<string> {
  const path = freshDatabasePath(name);
  const orm = await openDatabase({ driver: 'sqlite', url: path, ...platformServiceDatabase, logger: createLogger({ name: 'bench', level: 'silent' }) });
  await orm.close(true);
  const db = new DatabaseSync(path);
  try {
    db.exec('pragma journal_mode = WAL; pragma synchronous = NORMAL');
    const insert = db.prepare('insert into platforms (name, publisher, cost, created_at) values (?, ?, ?, ?)');
    db.exec('begin');
    const now = Date.now();
    for (let index = 1; index <= rows; index++) insert.run(`Platform ${index}`, `Publisher ${index % 7}`, index % 2 === 0 ? 'Free' : '$10/month', now);
    db.exec('commit');
  } finally {
    db.close();
  }
  return path;
}

/** `bench/results/data/<name>.sqlite`, removed if it existed (for a service that creates its own schema). */
export function freshDatabasePath(name: string): string {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, `${name}.sqlite`);
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  return path;
}
