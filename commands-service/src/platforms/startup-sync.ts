/**
 * The start-up sync: commands-service copies platform-service's catalogue over gRPC, so it
 * knows every platform created before its queue existed (events sent to no queue are lost).
 * The service starts and serves without it; /readyz says "not synced" until it succeeds.
 */
import type { Client } from '@connectrpc/connect';
import type { PlatformService } from '@platform/gen/proto/platforms/v1/platforms_pb.ts';
import type { Orm } from '@platform/runtime/db';
import type { CheckResult } from '@platform/runtime/lifecycle';
import { AppError, errorCodes } from '@platform/runtime/errors';
import type { Logger } from '@platform/runtime/logging';
import { type BackoffOptions, backoffDelay, sleep, validateBackoff } from '@platform/runtime/messaging';
import { addMissingPlatforms } from './add-missing-platforms.ts';

export type PlatformServiceClient = Client<typeof PlatformService>;

export interface StartupSyncOptions {
  /** The generated Connect client of platforms.v1.PlatformService (gRPC transport). */
  readonly client: PlatformServiceClient;
  readonly orm: Orm;
  readonly logger: Logger;
  /** Platforms per streamed batch; each batch is stored before the next is read. Default 500. */
  readonly batchSize?: number;
  /** Delays between attempts. Default: initialInterval 500, multiplier 2, maxInterval 30_000, jitter 0.2. */
  readonly backoff?: Partial<BackoffOptions>;
  /** Longest one attempt (one streaming call) may take, in ms. Default 60_000. */
  readonly attemptTimeoutMs?: number;
}

/** `waiting` before start, `syncing` while attempts run, then `synced` or `stopped`. */
export type StartupSyncState = 'waiting' | 'syncing' | 'synced' | 'stopped';

export interface StartupSync {
  readonly state: StartupSyncState;
  /** Starts syncing in the background: attempts until one succeeds or `stop` is called. */
  start(): void;
  /** Resolves once synced, or once stopped before that. Never rejects. */
  readonly finished: Promise<void>;
  /** The readiness check: ok once synced, otherwise "not synced" and why. */
  check(): Promise<CheckResult>;
  /** Cancels the attempt in progress and any later one; resolves when the sync has stopped. */
  stop(): Promise<void>;
}

/**
 * Creates the start-up sync. One attempt streams `StreamPlatforms` and inserts what is missing,
 * batch by batch (bounded memory, at most one batch in hand). A failed attempt is retried with
 * exponential backoff and jitter, resuming after the last stored id; a peer that is down never
 * stops or crashes the service.
 */
export function createStartupSync(options: StartupSyncOptions): StartupSync {
  const { client, orm } = options;
  const batchSize = options.batchSize ?? 500;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 60_000;
  const backoff = validateBackoff({ initialInterval: 500, multiplier: 2, maxInterval: 30_000, jitter: 0.2, ...options.backoff }, 'start-up sync');
  if (!Number.isInteger(batchSize) || batchSize < 1) invalid(`batchSize must be an integer >= 1, got ${batchSize}`);
  if (!Number.isInteger(attemptTimeoutMs) || attemptTimeoutMs < 1) invalid(`attemptTimeoutMs must be an integer >= 1, got ${attemptTimeoutMs}`);
  const logger = options.logger.child({ component: 'startup-sync' });
  const stopping = new AbortController();
  const finished = Promise.withResolvers<void>();
  let state: StartupSyncState = 'waiting';
  let running: Promise<void> | undefined;
  let lastFailure = 'not attempted yet';
  // Resume point across attempts: the catalogue streams in ascending id order.
  let afterId = 0;

  async function attempt(): Promise<{ streamed: number; added: number }> {
    let streamed = 0;
    let added = 0;
    const responses = client.streamPlatforms({ batchSize, afterId }, { signal: stopping.signal, timeoutMs: attemptTimeoutMs });
    for await (const { platforms } of responses) {
      if (platforms.length === 0) continue;
      added += await addMissingPlatforms(orm.em.fork(), platforms);
      streamed += platforms.length;
      afterId = Math.max(afterId, ...platforms.map((platform) => platform.id));
      logger.debug({ batch: platforms.length, streamed, afterId }, 'start-up sync stored a batch');
    }
    return { streamed, added };
  }

  async function run(): Promise<void> {
    state = 'syncing';
    lastFailure = 'first attempt in progress';
    logger.info({ batchSize }, 'start-up sync: fetching the platform catalogue from platform-service');
    for (let failures = 0; !stopping.signal.aborted; ) {
      try {
        const { streamed, added } = await attempt();
        state = 'synced';
        logger.info({ streamed, added, attempts: failures + 1 }, 'start-up sync done');
        return;
      } catch (error) {
        if (stopping.signal.aborted) break;
        failures++;
        const delay = backoffDelay(backoff, failures);
        lastFailure = `${describe(error)} (attempt ${failures}, next in ${delay} ms)`;
        logger.warn({ err: error, attempt: failures, delay, afterId }, 'start-up sync failed, retrying');
        await sleep(delay, stopping.signal);
      }
    }
    state = 'stopped';
    logger.info('start-up sync stopped before it completed');
  }

  return {
    get state() {
      return state;
    },
    start() {
      if (running !== undefined || stopping.signal.aborted) return;
      running = run().finally(() => finished.resolve());
    },
    finished: finished.promise,
    async check() {
      if (state === 'synced') return { ok: true };
      return { ok: false, detail: `not synced: ${state === 'waiting' ? 'not started' : lastFailure}` };
    },
    async stop() {
      stopping.abort();
      if (running === undefined) {
        state = state === 'synced' ? state : 'stopped';
        finished.resolve();
      }
      await finished.promise;
    },
  };
}

function invalid(why: string): never {
  throw new AppError(errorCodes.invalidArgument, `cannot create start-up sync: ${why}`);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
