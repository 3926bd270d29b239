/**
 * Publishing a part's events: the outbox relay forwards what the part wrote into its outbox to
 * the transport's publisher, woken after each commit that wrote events and after each reconnect,
 * and reports the transport and the backlog to /readyz. Without a transport the events wait in
 * the outbox, and the part keeps serving.
 */
import type { Logger } from 'pino';
import type { CheckResult } from '../lifecycle/index.ts';
import { createOutboxRelay, type BackoffOptions, type OutboxRelay } from '../messaging/index.ts';
import { publisherTelemetry, telemetryOf } from '../observability/index.ts';
import type { DatabaseOutbox } from '../outbox/index.ts';
import type { EventTransport } from './event-transport.ts';

export interface OutboxForwarderOptions {
  readonly transport: EventTransport;
  readonly outbox: DatabaseOutbox;
  /** Exchange the events go to; topics are its routing keys. */
  readonly exchange: string;
  /** Records published per relay round. Default 100. */
  readonly batchSize?: number;
  /** How often an idle relay looks for records written elsewhere (another replica), in ms. Default 1000. */
  readonly pollInterval?: number;
  /** Delays after a failed round. Default: initialInterval 200, maxInterval 5000. */
  readonly backoff?: Partial<BackoffOptions>;
  readonly logger: Logger;
}

export interface OutboxForwarder {
  /** Starts relaying in the background (nothing without a transport). */
  start(): void;
  /** Finishes the round in progress, then stops; the events not yet sent stay in the outbox. */
  stop(): Promise<void>;
  /** Readiness of the transport: always ok, the detail says whether events flow or wait. */
  busCheck(): Promise<CheckResult>;
  /** Readiness of the outbox: always ok, the detail gives the backlog and the relay's state. */
  outboxCheck(): Promise<CheckResult>;
}

/** Creates the forwarder of `outbox` to `transport`. */
export function createOutboxForwarder(options: OutboxForwarderOptions): OutboxForwarder {
  const { transport, outbox, exchange } = options;
  const telemetry = telemetryOf(options.logger);
  const transportPublisher = transport.publisher(exchange);
  const publisher = transportPublisher === undefined ? undefined : publisherTelemetry(telemetry, transportPublisher, exchange);
  telemetry.metrics?.observeOutbox(async () => {
    const { pending, oldestCreatedAt } = await outbox.pendingSummary();
    return { pending, oldestAgeSeconds: oldestCreatedAt === undefined ? 0 : Math.max(0, (Date.now() - oldestCreatedAt.getTime()) / 1000) };
  });
  const relay: OutboxRelay | undefined =
    publisher === undefined
      ? undefined
      : createOutboxRelay({
          store: outbox.store,
          publisher,
          ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
          ...(options.pollInterval === undefined ? {} : { pollInterval: options.pollInterval }),
          backoff: { initialInterval: 200, maxInterval: 5000, ...options.backoff },
          logger: options.logger.child({ component: 'outbox-relay' }),
        });
  const stops: (() => void)[] = [];
  return {
    start() {
      if (relay === undefined) {
        options.logger.warn({ transport: transport.description }, 'no event transport: events wait in the outbox until one is configured');
        return;
      }
      stops.push(outbox.onCommit(() => relay.kick()), transport.onConnected(() => relay.kick()));
      relay.start();
    },
    async stop() {
      for (const stop of stops.splice(0)) stop();
      await relay?.stop();
      // Another replica's relay takes over at its next poll instead of after the lease's TTL.
      await outbox.lease?.release().catch((error: unknown) => options.logger.warn({ err: error }, 'cannot release the outbox relay lease; it expires by itself'));
    },
    async busCheck() {
      if (transport.kind === 'none') return { ok: true, detail: 'disabled: no AMQP_URL, events wait in the outbox' };
      if (!transport.connected()) return { ok: true, detail: `disconnected: reconnecting, events wait in the outbox` };
      return { ok: true, detail: transport.kind === 'in-process' ? 'connected: in-process bus' : 'connected' };
    },
    async outboxCheck() {
      const standby = outbox.lease !== undefined && !outbox.lease.held ? ' (standby: another replica holds the relay lease)' : '';
      const relayState =
        relay === undefined ? 'relay off' : `relay ${relay.state}${standby}${relay.consecutiveFailures > 0 ? ` after ${relay.consecutiveFailures} failed rounds` : ''}`;
      const pending = await outbox.countPending().then(String, () => 'unknown');
      return { ok: true, detail: `${pending} pending; ${relayState}` };
    },
  };
}
