/**
 * One relay at a time per outbox, with several replicas of a service on one database. Each
 * replica runs a relay; only the holder of the lease publishes, so the outbox is published in
 * its order by one process, and a platform's events keep their order (claiming rows with
 * `FOR UPDATE SKIP LOCKED` instead would let two relays publish one platform's events at once,
 * in either order). The holder renews the lease at each round; when it dies, its lease expires
 * after `ttl` and the next relay to poll takes it over. Time is the database's clock (see
 * db/clock.ts), which all replicas share, never a host's.
 *
 * A relay that stalls longer than `ttl` inside one round can overlap with its successor: the
 * same records are then published twice (consumers are idempotent and apply only newer
 * versions). Keep `ttl` well above the time of one round.
 */
import { randomUUID } from 'node:crypto';
import { driverOf, nowMillisSql, type Orm } from '../db/index.ts';
import { AppError, errorCodes } from '../errors/index.ts';

/** The lease's statements; values are always bound (`?`), only identifiers and the database clock are written into the text. */
export interface OutboxLeaseStatements {
  /** Renews the lease or takes an expired one, bound as (holder, ttl, name, holder); one row affected when held. */
  readonly renew: string;
  /**
   * Creates the lease row when there is none, bound as (name, holder, ttl); one row affected when it
   * did, none when the row exists (another relay holds the lease, or created it first). Never fails
   * on the existing row: a standby runs it at every poll.
   */
  readonly create: string;
  /** Gives the lease up, bound as (name, holder). */
  readonly release: string;
}

export function outboxLeaseStatements(orm: Orm): OutboxLeaseStatements {
  const q = (identifier: string): string => orm.em.getPlatform().quoteIdentifier(identifier);
  const now = nowMillisSql(orm);
  const [table, name, holder, expiresAt, ttl] = [q('outbox_leases'), q('name'), q('holder'), q('expires_at'), q('ttl')];
  // SQL Server has no `on conflict`: a merge under holdlock (without it, two concurrent merges can both insert).
  const create =
    driverOf(orm) === 'mssql'
      ? `merge into ${table} with (holdlock) as target using (values (?, ?, ?)) as incoming (${name}, ${holder}, ${ttl}) on target.${name} = incoming.${name} ` +
        `when not matched then insert (${name}, ${holder}, ${expiresAt}) values (incoming.${name}, incoming.${holder}, ${now} + incoming.${ttl});`
      : `insert into ${table} (${name}, ${holder}, ${expiresAt}) values (?, ?, ${now} + ?) on conflict (${name}) do nothing`;
  return {
    renew: `update ${table} set ${holder} = ?, ${expiresAt} = ${now} + ? where ${name} = ? and (${holder} = ? or ${expiresAt} <= ${now})`,
    create,
    release: `update ${table} set ${expiresAt} = 0 where ${name} = ? and ${holder} = ?`,
  };
}

export interface OutboxLeaseOptions {
  /** The service's ORM; its entities include `OutboxLeaseSchema`. */
  readonly orm: Orm;
  /** The lease row's name. Default `outbox-relay`. */
  readonly name?: string;
  /** This relay's id. Default: a fresh UUID (one per process). */
  readonly holder?: string;
  /** How long a lease holds without renewal, in milliseconds. Default 15_000. */
  readonly ttl?: number;
}

/** The lease of one relay. */
export interface OutboxLeaseHandle {
  readonly holder: string;
  /** Whether the last `acquire` held the lease. */
  readonly held: boolean;
  /** Takes or renews the lease; resolves whether this relay holds it now (for `ttl` from now). */
  acquire(): Promise<boolean>;
  /**
   * As `acquire`, except that a lease renewed less than a third of `ttl` ago is taken as held
   * without a statement: it holds for two thirds of `ttl` yet, which no other relay can cut short.
   * For the relay's rounds, which follow each other at the pace of the writes.
   */
  hold(): Promise<boolean>;
  /** Gives the lease up (on a graceful stop), so another relay takes over at its next poll. */
  release(): Promise<void>;
}

export function createOutboxLease(options: OutboxLeaseOptions): OutboxLeaseHandle {
  const invalid = (why: string): never => {
    throw new AppError(errorCodes.invalidConfig, `cannot create outbox lease: ${why}`);
  };
  const { orm } = options;
  if (typeof orm?.em?.getConnection !== 'function') invalid('orm must be a MikroORM instance');
  const name = options.name ?? 'outbox-relay';
  const holder = options.holder ?? randomUUID();
  if (name === '' || name.length > 100 || holder === '' || holder.length > 100) invalid('name and holder must be 1 to 100 characters');
  const ttl = options.ttl ?? 15_000;
  if (!Number.isSafeInteger(ttl) || ttl < 1) invalid(`ttl must be an integer >= 1 (milliseconds), got ${ttl}`);
  const statements = outboxLeaseStatements(orm);
  const renewEvery = ttl / 3;
  let held = false;
  // When the last renewal that held was sent, on this process's monotonic clock. The lease then
  // holds until the database's clock, which runs at the same pace, reaches its send time + ttl.
  let renewedAt = Number.NEGATIVE_INFINITY;

  const run = async (sql: string, params: readonly unknown[]): Promise<number> => {
    const result = await orm.em.getConnection().execute<{ affectedRows: number }>(sql, [...params], 'run');
    return Number(result.affectedRows);
  };

  const acquire = async (): Promise<boolean> => {
    held = false;
    const sentAt = performance.now();
    if ((await run(statements.renew, [holder, ttl, name, holder])) === 1) {
      renewedAt = sentAt;
      return (held = true);
    }
    // No row changed: either there is no lease row yet, or another relay holds the lease (a standby
    // polls here every round), so the insert must not fail when the row exists.
    if ((await run(statements.create, [name, holder, ttl])) !== 1) return false;
    renewedAt = sentAt;
    return (held = true);
  };

  return {
    holder,
    get held() {
      return held;
    },
    acquire,
    hold() {
      if (held && performance.now() - renewedAt < renewEvery) return Promise.resolve(true);
      return acquire();
    },
    async release() {
      if (!held) return;
      held = false;
      renewedAt = Number.NEGATIVE_INFINITY;
      await run(statements.release, [name, holder]);
    },
  };
}
