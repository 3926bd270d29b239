/**
 * Events already in the outbox: platform rows and their `platform.published` outbox rows written
 * straight into a SQLite file with platform-service's schema, in one transaction, exactly as
 * platform-service's writer stores them (the row shape is taken from one real create, see
 * `outboxTemplate`). Used for both sides of the events scenario, so both relays start from the
 * same backlog.
 */
import { randomUUID } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { createLogger } from '@platform/runtime/logging';
import { createDatabaseOutbox } from '@platform/runtime/outbox';
import { openDatabase } from '@platform/runtime/db';
import { platformServiceDatabase } from '../../platform-service/src/database.ts';
import { createPlatformWriter } from '../../platform-service/src/platforms/write-platforms.ts';
import { freshDatabasePath, newPlatform } from './fixtures.ts';

/** How platform-service's writer stores one create: its outbox topic, payload and metadata. */
export interface OutboxTemplate {
  readonly topic: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly metadata: Readonly<Record<string, string>>;
}

/** One create through platform-service's own writer, read back: the shape every filled row copies. */
export async function outboxTemplate(): Promise<OutboxTemplate> {
  const path = freshDatabasePath('outbox-template');
  const orm = await openDatabase({ driver: 'sqlite', url: path, ...platformServiceDatabase, logger: createLogger({ name: 'bench', level: 'silent' }) });
  try {
    await createPlatformWriter({ outbox: createDatabaseOutbox({ orm }) }).create(newPlatform);
  } finally {
    await orm.close(true);
  }
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const row = db.prepare('select topic, payload, metadata from outbox_messages').get() as { topic: string; payload: Uint8Array; metadata: string };
    return { topic: row.topic, payload: JSON.parse(Buffer.from(row.payload).toString('utf8')), metadata: JSON.parse(row.metadata) };
  } finally {
    db.close();
  }
}

export interface Filled {
  /** Platform ids written: `firstId` to `lastId`. */
  readonly firstId: number;
  readonly lastId: number;
  /** When the transaction committed (epoch ms). */
  readonly committedAt: number;
}

/** Writes `count` platforms and their events into `dbPath` in one transaction. */
export function fillOutbox(dbPath: string, count: number, template: OutboxTemplate): Filled {
  const db = new DatabaseSync(dbPath);
  try {
    db.exec('pragma busy_timeout = 10000');
    const platform = db.prepare('insert into platforms (name, publisher, cost, version, created_at) values (?, ?, ?, 1, ?) returning id');
    const outbox = db.prepare('insert into outbox_messages (topic, message_id, payload, metadata, created_at) values (?, ?, ?, ?, ?)');
    let firstId = 0;
    let lastId = 0;
    db.exec('begin immediate');
    const now = Date.now();
    for (let index = 0; index < count; index++) {
      const { id } = platform.get(newPlatform.name, newPlatform.publisher, newPlatform.cost, now) as { id: number };
      firstId ||= id;
      lastId = id;
      const payload = Buffer.from(JSON.stringify({ ...template.payload, id }));
      outbox.run(template.topic, randomUUID(), payload, JSON.stringify({ ...template.metadata, timestamp: String(now) }), now);
    }
    db.exec('commit');
    return { firstId, lastId, committedAt: Date.now() };
  } finally {
    db.close();
  }
}
