import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOrm, ensureSchema, type Orm } from '../db/index.ts';
import { createTemporaryPostgresDatabase } from '../db/testing.ts';
import { eventually } from '../amqp/testing.ts';
import { createDatabaseOutbox } from './database-outbox.ts';
import { OutboxMessageSchema } from './outbox-entity.ts';
import { OutboxLeaseSchema } from './outbox-lease-entity.ts';
import { createOutboxLease, outboxLeaseStatements } from './outbox-lease.ts';

const entities = [OutboxMessageSchema, OutboxLeaseSchema];

const targets = [
  { name: 'sqlite in memory', open: async () => ({ orm: await createOrm({ driver: 'sqlite', dbName: ':memory:', entities }), drop: async () => {} }) },
  {
    name: 'postgresql',
    open: async () => {
      const database = await createTemporaryPostgresDatabase({ prefix: 'runtime_outbox_lease' });
      return { orm: await createOrm({ driver: 'postgresql', url: database.url, entities }), drop: database.drop };
    },
  },
] as const;

describe.each(targets)('outbox relay lease on $name', (target) => {
  let orm: Orm;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ orm, drop } = await target.open());
    await ensureSchema(orm);
  });
  afterAll(async () => {
    await orm?.close(true);
    await drop?.();
  });
  beforeEach(() => orm.schema.clear());

  it('is-held-by-one-relay-at-a-time-and-renewed-by-its-holder', async () => {
    const [first, second] = [createOutboxLease({ orm, holder: 'relay-a' }), createOutboxLease({ orm, holder: 'relay-b' })];
    const together = await Promise.all([first.acquire(), second.acquire()]);
    expect(together.toSorted()).toEqual([false, true]);
    const [holder, other] = together[0] ? [first, second] : [second, first];
    expect(await holder.acquire()).toBe(true);
    expect(await other.acquire()).toBe(false);
    expect([holder.held, other.held]).toEqual([true, false]);
  });

  it('passes-to-another-relay-once-it-expired-on-the-database-clock', async () => {
    const dead = createOutboxLease({ orm, holder: 'relay-dead', ttl: 1 });
    const next = createOutboxLease({ orm, holder: 'relay-next' });
    expect(await dead.acquire()).toBe(true);
    // The dead relay never renews: its lease runs out after 1 ms of the database's clock.
    await eventually(() => next.acquire());
    expect(await dead.acquire()).toBe(false);
  });

  const expiresAt = async (holder: string): Promise<number> => {
    const q = (name: string): string => orm.em.getPlatform().quoteIdentifier(name);
    const [row] = await orm.em.getConnection().execute<{ expires_at: number | string }[]>(`select ${q('expires_at')} from ${q('outbox_leases')} where ${q('holder')} = ?`, [holder]);
    return Number(row?.expires_at);
  };

  it('holds-without-writing-until-a-third-of-the-ttl-passed-then-renews', async () => {
    const steady = createOutboxLease({ orm, name: 'steady', holder: 'relay-steady', ttl: 60_000 });
    expect(await steady.hold()).toBe(true);
    const granted = await expiresAt('relay-steady');
    expect(await steady.hold()).toBe(true);
    // Renewed 20 s after the first hold at the earliest: the row is as the first hold wrote it.
    expect(await expiresAt('relay-steady')).toBe(granted);

    const brief = createOutboxLease({ orm, name: 'brief', holder: 'relay-brief', ttl: 30 });
    expect(await brief.hold()).toBe(true);
    const first = await expiresAt('relay-brief');
    // Once 10 ms passed, a hold renews: the lease is extended on the database's clock.
    await eventually(async () => (await brief.hold()) && (await expiresAt('relay-brief')) > first);
  });

  it('holds-no-lease-after-releasing-it', async () => {
    const leaving = createOutboxLease({ orm, holder: 'relay-leaving' });
    const next = createOutboxLease({ orm, holder: 'relay-next' });
    expect(await leaving.hold()).toBe(true);
    await leaving.release();
    expect(await next.hold()).toBe(true);
    expect(await leaving.hold()).toBe(false);
  });

  it('passes-at-once-when-released', async () => {
    const leaving = createOutboxLease({ orm, holder: 'relay-leaving' });
    const next = createOutboxLease({ orm, holder: 'relay-next' });
    expect(await leaving.acquire()).toBe(true);
    expect(await next.acquire()).toBe(false);
    await leaving.release();
    expect(await next.acquire()).toBe(true);
  });

  it('gives-outbox-records-only-to-the-relay-holding-the-lease', async () => {
    const [a, b] = [createDatabaseOutbox({ orm, lease: { holder: 'relay-a' } }), createDatabaseOutbox({ orm, lease: { holder: 'relay-b' } })];
    await a.transactional((_em, events) => events.publish('topic', [{ id: 'm-1', payload: new Uint8Array([1]), metadata: {} }]));
    expect((await a.store.fetchPending(10)).map((record) => record.message.id)).toEqual(['m-1']);
    expect(await b.store.fetchPending(10)).toEqual([]);
    await a.lease?.release();
    expect((await b.store.fetchPending(10)).map((record) => record.message.id)).toEqual(['m-1']);
    expect(await a.store.fetchPending(10)).toEqual([]);
  });
});

describe('outbox relay lease statements', () => {
  it('bind-every-value-and-use-the-database-clock-on-each-dialect', async () => {
    const database = await createTemporaryPostgresDatabase({ prefix: 'runtime_outbox_lease_sql' });
    const orms = {
      sqlite: await createOrm({ driver: 'sqlite', dbName: ':memory:', entities }),
      postgresql: await createOrm({ driver: 'postgresql', url: database.url, entities }),
      mssql: await createOrm({ driver: 'mssql', url: 'mssql://nobody:none@127.0.0.1:1/none', entities }),
    };
    try {
      const mssql = outboxLeaseStatements(orms.mssql);
      const now = `datediff_big(millisecond, '19700101', sysutcdatetime())`;
      expect(mssql).toEqual({
        renew: `update [outbox_leases] set [holder] = ?, [expires_at] = ${now} + ? where [name] = ? and ([holder] = ? or [expires_at] <= ${now})`,
        create: `insert into [outbox_leases] ([name], [holder], [expires_at]) values (?, ?, ${now} + ?)`,
        release: `update [outbox_leases] set [expires_at] = 0 where [name] = ? and [holder] = ?`,
      });
      expect(outboxLeaseStatements(orms.postgresql).renew).toContain('cast(extract(epoch from clock_timestamp()) * 1000 as bigint) + ?');
      for (const orm of Object.values(orms)) {
        const statements = outboxLeaseStatements(orm);
        // Only placeholders carry values: no quote (a literal) and the bound count the callers pass.
        for (const [key, sql] of Object.entries(statements)) {
          expect(sql.replaceAll(`'19700101'`, '').replaceAll(`'subsec'`, '')).not.toMatch(/'[^']*'/);
          expect(sql.split('?').length - 1).toBe({ renew: 4, create: 3, release: 2 }[key]);
        }
      }
    } finally {
      await Promise.all(Object.values(orms).map((orm) => orm.close(true)));
      await database.drop();
    }
  });
});
