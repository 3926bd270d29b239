import type { Logger } from 'pino';
import { AppError, errorCodes } from '../errors/index.ts';
import { backoffDelay, sleep, validateBackoff, type BackoffOptions } from './backoff.ts';
import type { Publisher } from './message.ts';
import type { OutboxRecord, OutboxStore } from './outbox-store.ts';
import { silentLogger } from './silent-logger.ts';

/** Options of the outbox relay. */
export interface OutboxRelayOptions {
  readonly store: OutboxStore;
  /** Normally the AMQP publisher (resolves on broker confirms). */
  readonly publisher: Publisher;
  /** Records fetched and published per round. Default 100. */
  readonly batchSize?: number;
  /** Wait between polls of an empty outbox, in milliseconds; `kick()` cuts it short. Default 1_000. */
  readonly pollInterval?: number;
  /** Delays after failures. Default: initialInterval 500, multiplier 2, maxInterval 30_000, jitter 0.2. */
  readonly backoff?: Partial<BackoffOptions>;
  /** Default: silent. */
  readonly logger?: Logger;
}

/** `backing-off` means the last round failed (publisher or store down). */
export type OutboxRelayState = 'created' | 'idle' | 'relaying' | 'backing-off' | 'stopped';

/** Moves outbox records to the publisher, in order, at least once. */
export interface OutboxRelay {
  readonly state: OutboxRelayState;
  /** Rounds failed in a row (0 when the last round succeeded); for readiness reporting. */
  readonly consecutiveFailures: number;
  /** Records fetched and not yet marked sent: a lower bound of the backlog (a full batch may hide more). */
  backlog(): number;
  /** Starts relaying in the background. */
  start(): void;
  /** Polls now (after a write, for low latency); ignored while backing off from a failure. */
  kick(): void;
  /** Finishes the current round, then stops; no round starts afterwards. */
  stop(): Promise<void>;
}

/**
 * Creates a relay that publishes pending records in their store order (consecutive records
 * of one topic in one publish call) and marks them sent only after the publish resolved.
 * A failure backs off with jitter and retries from the first unsent record, so a record may
 * be published twice (consumers are idempotent) but is never skipped or reordered.
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const invalid = (why: string): never => {
    throw new AppError(errorCodes.invalidConfig, `cannot create outbox relay: ${why}`);
  };
  if (typeof options?.store?.fetchPending !== 'function' || typeof options.store.markSent !== 'function') invalid('store must be an OutboxStore');
  if (typeof options.publisher?.publish !== 'function') invalid('publisher must be a Publisher');
  const batchSize = options.batchSize ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1) invalid(`batchSize must be an integer >= 1, got ${batchSize}`);
  const pollInterval = options.pollInterval ?? 1_000;
  if (!Number.isFinite(pollInterval) || pollInterval < 0) invalid(`pollInterval must be a finite number >= 0, got ${pollInterval}`);
  const backoff = validateBackoff({ initialInterval: 500, multiplier: 2, maxInterval: 30_000, jitter: 0.2, ...options.backoff }, 'outbox relay');
  const { store, publisher } = options;
  const logger = options.logger ?? silentLogger;
  const stopping = new AbortController();
  let state: OutboxRelayState = 'created';
  let failures = 0;
  let pending = 0;
  let kicked = false;
  let wake: (() => void) | undefined;
  let running: Promise<void> | undefined;

  // Returns whether more records may be waiting.
  const relayRound = async (): Promise<boolean> => {
    const records = await store.fetchPending(batchSize);
    pending = records.length;
    for (let start = 0; start < records.length; ) {
      const topic = (records[start] as OutboxRecord).topic;
      let end = start + 1;
      while (end < records.length && (records[end] as OutboxRecord).topic === topic) end++;
      const group = records.slice(start, end);
      await publisher.publish(topic, group.map((record) => record.message));
      await store.markSent(group.map((record) => record.id));
      pending -= group.length;
      start = end;
    }
    return records.length === batchSize;
  };

  const idle = (): Promise<void> =>
    new Promise((resolve) => {
      if (kicked || stopping.signal.aborted) return resolve();
      const timer = setTimeout(() => wake?.(), pollInterval);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });

  const run = async (): Promise<void> => {
    while (!stopping.signal.aborted) {
      state = 'relaying';
      kicked = false;
      let more: boolean;
      try {
        more = await relayRound();
        failures = 0;
      } catch (error) {
        failures++;
        state = 'backing-off';
        const delay = backoffDelay(backoff, failures);
        logger.warn({ err: error, failures, delay, backlog: pending }, 'outbox relay round failed, backing off');
        await sleep(delay, stopping.signal);
        continue;
      }
      if (more) continue;
      state = 'idle';
      await idle();
    }
  };

  return {
    get state() {
      return state;
    },
    get consecutiveFailures() {
      return failures;
    },
    backlog: () => pending,
    start() {
      if (running !== undefined || stopping.signal.aborted) return;
      running = run().finally(() => {
        state = 'stopped';
      });
    },
    kick() {
      if (state === 'backing-off') return;
      kicked = true;
      wake?.();
    },
    async stop() {
      stopping.abort();
      wake?.();
      await running;
      state = 'stopped';
    },
  };
}
