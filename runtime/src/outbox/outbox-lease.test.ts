import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOrm, ensureSchema, type Orm } from '../db/index.ts';
import { createLogger, type Logger } from '../logging/index.ts';
import { createTemporaryPostgresDatabase } from '../db/testing.ts';
import { eventually } from '../amqp/testing.ts';
import { createDatabaseOutbox } from './database-outbox.ts';
import { OutboxMessageSchema } from './outbox-entity.ts';
import { OutboxLeaseSchema } from './outbox-lease-entity.ts';
import { createOutboxLease, outboxLeaseStatements } from './outbox-lease.ts';

const entities = [OutboxMessageSchema, OutboxLeaseSchema];

const targets = [
  { name: 'sqlite in memory', open: async (logger?: Logger) => ({ orm: await createOrm({ driver: 'sqlite', dbName: ':memory:', entities, ...(logger ? { logger } : {}) }), drop: async () => {} }) },
  {
    name: 'postgresql',
    open: async (logger?: Logger) => {
      const database = await createTemporaryPostgresDatabase({ prefix: 'runtime_outbox_lease' });
      return { orm: await createOrm({ driver: 'postgresql', url: database.url, entities, ...(logger ? { logger } : {}) }), drop: database.drop };
    },
  },
] as const;

/** A debug logger keeping its lines: with it, the ORM writes every statement it runs, a failed one with `failed: true`. */
function statementLog(): { logger: Logger; statements(): Record<string, unknown>[] } {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    logger: createLogger({ name: 'outbox-lease-test', level: 'debug', destination }),
    statements: () =>
      text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.msg === 'query'),
  };
}

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

describe.each(targets)('a standby outbox relay on $name', (target) => {
  let orm: Orm;
  let drop: () => Promise<void>;
  const log = statementLog();

  beforeAll(async () => {
    ({ orm, drop } = await target.open(log.logger));
    await ensureSchema(orm);
  });
  afterAll(async () => {
    await orm?.close(true);
    await drop?.();
  });

  it('polls-while-another-relay-holds-the-lease-without-a-failed-statement-and-takes-over-once-it-expired', async () => {
    const leader = createOutboxLease({ orm, holder: 'relay-leader', ttl: 1_000 });
    const standby = createDatabaseOutbox({ orm, lease: { holder: 'relay-standby' } });
    expect(await leader.acquire()).toBe(true);
    const before = log.statements().length;
    for (let poll = 0; poll < 10; poll++) expect(await standby.store.fetchPending(10)).toEqual([]);
    expect(standby.lease?.held).toBe(false);
    const polled = log.statements().slice(before);
    expect(polled.length).toBeGreaterThanOrEqual(10);
    expect(polled.filter((statement) => statement.failed === true).map((statement) => statement.sql)).toEqual([]);
    // The leader stops renewing: once its lease expired on the database's clock, the standby's next poll takes it.
    await eventually(async () => (await standby.store.fetchPending(10), standby.lease?.held === true));
    expect(await leader.acquire()).toBe(false);
    expect(log.statements().slice(before).filter((statement) => statement.failed === true).map((statement) => statement.sql)).toEqual([]);
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
        create:
          'merge into [outbox_leases] with (holdlock) as target using (values (?, ?, ?)) as incoming ([name], [holder], [ttl]) on target.[name] = incoming.[name] ' +
          `when not matched then insert ([name], [holder], [expires_at]) values (incoming.[name], incoming.[holder], ${now} + incoming.[ttl]);`,
        release: `update [outbox_leases] set [expires_at] = 0 where [name] = ? and [holder] = ?`,
      });
      expect(outboxLeaseStatements(orms.postgresql).renew).toContain('cast(extract(epoch from clock_timestamp()) * 1000 as bigint) + ?');
      expect(outboxLeaseStatements(orms.postgresql).create).toMatch(/ on conflict \("name"\) do nothing$/);
      expect(outboxLeaseStatements(orms.sqlite).create).toMatch(/ on conflict \(`name`\) do nothing$/);
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
