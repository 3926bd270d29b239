/**
 * What /readyz reports for platform-service. Only the database decides readiness: without it no
 * request can be served. The bus and the outbox are reported but never make the service unready,
 * because the outbox exists precisely so that writes keep working while the broker is away
 * (events wait and go out when it returns); a growing backlog is for alerts, not for routing.
 */
import type { Orm } from '@platform/runtime/db';
import type { OutboxForwarder } from '@platform/runtime/events';
import { createReadiness } from '@platform/runtime/lifecycle';
import type { Readiness } from '@platform/runtime/lifecycle';

export interface ServiceReadinessOptions {
  readonly orm: Orm;
  readonly forwarder: OutboxForwarder;
}

/** Checks `database` (decides), `bus` and `outbox` (reported, always ok). */
export function createServiceReadiness(options: ServiceReadinessOptions): Readiness {
  const { orm, forwarder } = options;
  const readiness = createReadiness();
  readiness.register('database', async () => {
    const result = await orm.checkConnection();
    return result.ok ? { ok: true, detail: 'reachable' } : { ok: false, detail: `unreachable: ${result.reason}` };
  });
  readiness.register('bus', () => forwarder.busCheck());
  readiness.register('outbox', () => forwarder.outboxCheck());
  return readiness;
}
