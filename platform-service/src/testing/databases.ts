/**
 * Test support: the databases every persistence test runs on, SQLite in memory and a fresh
 * PostgreSQL database on the local server (dropped afterwards). Not part of the service.
 */
import { createTemporaryPostgresDatabase } from '@platform/runtime/db/testing';
import type { DatabaseLocation as DatabaseConfig } from '@platform/runtime/db';

export interface TestDatabase {
  readonly config: DatabaseConfig;
  /** Drops what the database left behind. */
  release(): Promise<void>;
}

export interface DatabaseTarget {
  readonly name: string;
  open(): Promise<TestDatabase>;
}

export const databaseTargets: readonly DatabaseTarget[] = [
  {
    name: 'sqlite in memory',
    open: async () => ({ config: { driver: 'sqlite', url: ':memory:' }, release: async () => {} }),
  },
  {
    name: 'postgresql',
    open: async () => {
      const database = await createTemporaryPostgresDatabase({ prefix: 'platform_service' });
      return { config: { driver: 'postgresql', url: database.url }, release: database.drop };
    },
  },
];
