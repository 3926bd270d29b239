/**
 * The start-up sync: commands-service reconciles its copy with platform-service's catalogue over
 * gRPC, so it knows every platform created before its queue existed (events sent to no queue are
 * lost) and catches up with updates and deletes it missed. The service starts and serves without
 * it; /readyz says "not synced" until it succeeds.
 */
import type { CheckResult } from '@platform/runtime/lifecycle';
import { AppError, errorCodes } from '@platform/runtime/errors';
import type { Logger } from '@platform/runtime/logging';
import { type BackoffOptions, backoffDelay, sleep, validateBackoff } from '@platform/runtime/messaging';
import type { CatalogueCopy, PlatformState } from './catalogue-copy.ts';
import type { CataloguePlatform, PlatformServiceClient } from './platform-service-client.ts';

export interface StartupSyncOptions {
  /** The Connect client of platforms.v1.PlatformService (gRPC transport), from `connectPlatformService`. */
  readonly client: PlatformServiceClient;
  /** The copy to reconcile. */
  readonly copy: CatalogueCopy;
  readonly logger: Logger;
  /**
   * Platforms per streamed batch; each batch is stored, in one transaction, before the next is
   * read. Default 5000, platform-service's cap: against 500, a tenth of the messages and
   * transactions cut the sync's CPU by about 15 % (both services, bench/ sync line), for about
   * 1 MB more in hand.
   */
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
 * Creates the start-up sync. One attempt streams `StreamPlatforms` batch by batch (bounded memory,
 * at most one batch in hand) and applies each platform that is missing or newer than the copy's,
 * stamping every streamed platform as seen. A failed attempt is retried with exponential backoff
 * and jitter, resuming after the last stored id; a peer that is down never stops or crashes the
 * service. Once the whole catalogue streamed, the platforms of the copy that were neither streamed
 * nor changed by an event since the sync started no longer exist in platform-service (their
 * deletes were missed): they become tombstones and their commands go. A platform created while
 * the sync runs is never removed: either the stream sends it or its event stamps it.
 */
export function createStartupSync(options: StartupSyncOptions): StartupSync {
  const { client, copy } = options;
  const batchSize = options.batchSize ?? 5000;
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

  // When the first attempt began, on the database's clock: what the stream or an event stamped since is current.
  let startedAt: number | undefined;
  async function attempt(): Promise<{ streamed: number; applied: number; removed: number }> {
    let streamed = 0;
    let applied = 0;
    startedAt ??= await copy.now();
    const responses = client.streamPlatforms({ batchSize, afterId }, { signal: stopping.signal, timeoutMs: attemptTimeoutMs });
    for await (const { platforms } of responses) {
      if (platforms.length === 0) continue;
      applied += await copy.syncBatch(normalised(platforms), startedAt);
      streamed += platforms.length;
      afterId = lastId(platforms, afterId);
      logger.debug({ batch: platforms.length, streamed, afterId }, 'start-up sync stored a batch');
    }
    const removed = await copy.removeUnseenSince(startedAt);
    return { streamed, applied, removed };
  }

  async function run(): Promise<void> {
    state = 'syncing';
    lastFailure = 'first attempt in progress';
    logger.info({ batchSize }, 'start-up sync: fetching the platform catalogue from platform-service');
    for (let failures = 0; !stopping.signal.aborted; ) {
      try {
        const { streamed, applied, removed } = await attempt();
        state = 'synced';
        logger.info({ streamed, applied, removed, attempts: failures + 1 }, 'start-up sync done');
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

/**
 * The batch's platforms as the copy takes them, in place: a platform-service older than versions
 * sends 0 (its platforms were never updated, version 1). The decoded messages are the sync's own:
 * a copy of each row would only be garbage.
 */
function normalised(platforms: CataloguePlatform[]): readonly PlatformState[] {
  for (const platform of platforms) if (platform.version < 1) platform.version = 1;
  return platforms;
}

/** The largest id of the batch, or `after` when larger (the stream is in ascending id order). */
function lastId(platforms: readonly CataloguePlatform[], after: number): number {
  let last = after;
  for (const { id } of platforms) if (id > last) last = id;
  return last;
}

function invalid(why: string): never {
  throw new AppError(errorCodes.invalidArgument, `cannot create start-up sync: ${why}`);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
