/**
 * One lifecycle for every part (platform-service, commands-service, the gateway, and the parts
 * together in `start.ts`): a part declares its pieces in start order (database, listeners, event
 * transport, background jobs, readiness checks) and the runtime starts them in that order, stops
 * them in reverse, and releases what was already started when one fails.
 */
import { AppError, errorCodes } from '../errors/index.ts';
import type { Logger } from '../logging/index.ts';
import { createReadiness } from './readiness.ts';
import type { Readiness, ReadinessReport } from './readiness.ts';

/** One piece of a part: started once, stopped once (in reverse start order). */
export interface Piece<T> {
  /** Shown in the logs and in a failed start's line, e.g. `database`, `rest`, `outbox-relay`. */
  readonly name: string;
  /** Opens the piece; what it resolves with is what `pieces.start` resolves with. */
  start(): Promise<T> | T;
  /** Releases it. Omitted: nothing to release. */
  stop?(value: T): Promise<void> | void;
  /**
   * Pieces with the same group that were started one after the other stop concurrently (two
   * listeners draining at once, each within its own drain timeout).
   */
  readonly stopGroup?: string;
}

/** What a part's `start` is given to declare its pieces. */
export interface Pieces {
  /** Starts `piece` now; its stop is registered once it started. A rejection fails the whole start. */
  start<T>(piece: Piece<T>): Promise<T>;
  /** The part's readiness: register checks here (reported by /readyz while the part is started). */
  readonly readiness: Readiness;
}

export interface ServiceOptions<R> {
  /** The part's name, e.g. `platform-service`; logs read `<name> started`, `<name> stopping`, `<name> stopped`. */
  readonly name: string;
  readonly logger: Logger;
  /** Starts the pieces, in order, through `pieces.start`; resolves with what `start()` returns (addresses). */
  start(pieces: Pieces): Promise<R>;
  /** Fields of the `<name> started` line. Default: the result when it is an object. */
  describe?(result: R): Record<string, unknown>;
}

export interface Service<R> {
  /** Starts every piece in order; on a failure stops those already started and rejects with the piece's error. Call once. */
  start(): Promise<R>;
  /** Not ready, then every started piece stops in reverse order (failures are logged, then rethrown together). Idempotent; safe before start. */
  stop(): Promise<void>;
  /** The /readyz report: not ok before the start completed and once stopping began. */
  readiness(): Promise<ReadinessReport>;
}

interface Started {
  readonly name: string;
  readonly stopGroup: string | undefined;
  readonly stop: () => Promise<void> | void;
}

const failedPieces = new WeakMap<object, string>();

/** The piece whose start failed with `error` (undefined when the error did not come from a piece). */
export function failedPiece(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? failedPieces.get(error) : undefined;
}

/** Creates a part's lifecycle from its declared pieces. */
export function createService<R>(options: ServiceOptions<R>): Service<R> {
  const { name, logger } = options;
  const readiness = createReadiness();
  const started: Started[] = [];
  let state: 'new' | 'starting' | 'started' | 'stopped' = 'new';
  let starting: Promise<R> | undefined;
  let stopping: Promise<void> | undefined;
  let released: Promise<void> | undefined;
  const stateNow = (): typeof state => state;

  const pieces: Pieces = {
    readiness,
    async start<T>(piece: Piece<T>): Promise<T> {
      if (state === 'stopped') throw new AppError(errorCodes.unavailable, `cannot start ${name}: it is stopping`);
      let value: T;
      try {
        value = await piece.start();
      } catch (error) {
        // A piece that is itself a service (the launcher's parts) names its own failed piece: `commands-service/database`.
        if (typeof error === 'object' && error !== null) failedPieces.set(error, [piece.name, failedPieces.get(error)].filter(Boolean).join('/'));
        throw error;
      }
      const stop = piece.stop;
      started.push({ name: piece.name, stopGroup: piece.stopGroup, stop: () => stop?.(value) });
      return value;
    },
  };

  async function stopPiece(piece: Started, failures: unknown[]): Promise<void> {
    try {
      await piece.stop();
    } catch (error) {
      failures.push(error);
      logger.error({ err: error, step: piece.name }, `${name} stop step failed`);
    }
  }

  function release(): Promise<void> {
    released ??= (async () => {
      readiness.drain();
      if (started.length === 0) return;
      logger.info(`${name} stopping`);
      const failures: unknown[] = [];
      while (started.length > 0) {
        const last = started.pop() as Started;
        const group = [last];
        while (last.stopGroup !== undefined && started.at(-1)?.stopGroup === last.stopGroup) group.push(started.pop() as Started);
        await Promise.all(group.map((piece) => stopPiece(piece, failures)));
      }
      if (failures.length > 0) throw new AggregateError(failures, `cannot stop ${name} cleanly`);
      logger.info(`${name} stopped`);
    })();
    return released;
  }

  return {
    start() {
      if (state === 'stopped') return Promise.reject(new AppError(errorCodes.unavailable, `cannot start ${name}: it was stopped`));
      if (starting !== undefined) return Promise.reject(new AppError(errorCodes.unavailable, `cannot start ${name}: start() was already called`));
      state = 'starting';
      starting = (async () => {
        try {
          const result = await options.start(pieces);
          // stop() may have been called while the pieces started.
          if (stateNow() === 'stopped') throw new AppError(errorCodes.unavailable, `cannot start ${name}: it was stopped while starting`);
          state = 'started';
          const fields = options.describe?.(result) ?? (typeof result === 'object' && result !== null ? { ...result } : {});
          logger.info(fields, `${name} started`);
          return result;
        } catch (error) {
          state = 'stopped';
          // Release whatever had been opened before the failure; the start's error is what the caller needs.
          await release().catch(() => undefined);
          throw error;
        }
      })();
      return starting;
    },
    stop() {
      stopping ??= (async () => {
        const wasStarting = state === 'starting';
        state = 'stopped';
        readiness.drain();
        // Let a start in progress reach a known state, then release everything it opened.
        if (wasStarting) await starting?.catch(() => undefined);
        await release();
      })();
      return stopping;
    },
    async readiness() {
      if (state === 'new') return { ok: false, draining: false, checks: { service: { ok: false, detail: 'not started' } } };
      const report = await readiness.report();
      return state === 'starting' ? { ...report, ok: false, checks: { ...report.checks, service: { ok: false, detail: 'starting' } } } : report;
    },
  };
}
