/**
 * What /readyz reports for platform-service. Only the database decides readiness: without it no
 * request can be served. The bus and the outbox are reported but never make the service unready,
 * because the outbox exists precisely so that creates keep working while the broker is away
 * (events wait and go out when it returns); a growing backlog is for alerts, not for routing.
 */
import type { Orm } from '@platform/runtime/db';
import { createReadiness } from '@platform/runtime/lifecycle';
import type { Readiness } from '@platform/runtime/lifecycle';
import type { OutboxRelay } from '@platform/runtime/messaging';
import type { BusState, EventBus } from './events/event-bus.ts';
import type { DatabaseOutboxStore } from './events/outbox-store.ts';

export interface ServiceReadinessOptions {
  readonly orm: Orm;
  readonly bus: EventBus;
  readonly outbox: DatabaseOutboxStore;
  /** Undefined while the bus is disabled (nothing relays). */
  readonly relay: OutboxRelay | undefined;
}

const busDetails: Readonly<Record<BusState, string>> = {
  connected: 'connected',
  disconnected: 'disconnected: reconnecting, events wait in the outbox',
  disabled: 'disabled: no AMQP_URL, events wait in the outbox',
};

/** Checks `database` (decides), `bus` and `outbox` (reported, always ok). */
export function createServiceReadiness(options: ServiceReadinessOptions): Readiness {
  const { orm, bus, outbox, relay } = options;
  const readiness = createReadiness();
  readiness.register('database', async () => {
    const result = await orm.checkConnection();
    return result.ok ? { ok: true, detail: 'reachable' } : { ok: false, detail: `unreachable: ${result.reason}` };
  });
  readiness.register('bus', async () => ({ ok: true, detail: busDetails[bus.state()] }));
  readiness.register('outbox', async () => {
    const relayState = relay === undefined ? 'relay off' : `relay ${relay.state}${relay.consecutiveFailures > 0 ? ` after ${relay.consecutiveFailures} failed rounds` : ''}`;
    const pending = await outbox.countPending().then(String, () => 'unknown');
    return { ok: true, detail: `${pending} pending; ${relayState}` };
  });
  return readiness;
}
