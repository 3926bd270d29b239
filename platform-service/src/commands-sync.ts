/**
 * The synchronous HTTP call of the seeds: after a platform is created, platform-service calls
 * commands-service's `POST /api/c/platforms` (testInboundConnection) with the generated client.
 * The call runs in the background after the create answered, bounded by a short timeout and a
 * cap on calls in flight; its outcome is only logged, so it can never fail or delay a create.
 */
import { createCommandsServiceClient } from '@platform/gen/openapi/commands-service/client.ts';
import { AppError, errorCodes } from '@platform/runtime/errors';
import { headerNames, nodeFetch } from '@platform/runtime/http';
import type { Logger } from '@platform/runtime/logging';
import type { PlatformView } from './platforms/platform-entity.ts';

export type CommandsSyncOutcome = 'ok' | 'failed' | 'timed-out' | 'skipped' | 'stopped';

export interface CommandsSync {
  /** Starts the call for a created platform and returns at once; the promise never rejects. */
  notify(platform: PlatformView, requestId: string): Promise<CommandsSyncOutcome>;
  /** Aborts the calls in flight and waits until they settled; later calls are skipped. */
  stop(): Promise<void>;
}

export interface CommandsSyncOptions {
  /** Origin of commands-service, e.g. `http://localhost:6000`. */
  readonly baseUrl: string;
  /** Longest wait for an answer, in ms. */
  readonly timeout: number;
  readonly logger: Logger;
  /** Most calls running at once; a create beyond it skips its call (logged). Default 64. */
  readonly maxInFlight?: number;
  /** Default: runtime's nodeFetch (the global fetch refuses port 6000, commands-service's default). */
  readonly fetch?: (request: Request) => Promise<Response>;
}

function invalid(why: string): never {
  throw new AppError(errorCodes.invalidArgument, `cannot create commands-service sync: ${why}`);
}

export function createCommandsSync(options: CommandsSyncOptions): CommandsSync {
  const { baseUrl, timeout, maxInFlight = 64 } = options;
  if (!Number.isInteger(timeout) || timeout < 1) invalid(`timeout must be a positive integer of ms (got ${timeout})`);
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) invalid(`maxInFlight must be a positive integer (got ${maxInFlight})`);
  // Created once, at start-up (not per request).
  const client = createCommandsServiceClient(baseUrl, { fetch: options.fetch ?? nodeFetch });
  const logger = options.logger.child({ component: 'commands-sync' });
  const stopping = new AbortController();
  const inFlight = new Set<Promise<CommandsSyncOutcome>>();

  async function call(platform: PlatformView, requestId: string): Promise<CommandsSyncOutcome> {
    const log = logger.child({ requestId, platformId: platform.id });
    const timedOut = AbortSignal.timeout(timeout);
    const signal = AbortSignal.any([timedOut, stopping.signal]);
    try {
      const { data, response } = await client.POST('/api/c/platforms', { signal, headers: { [headerNames.requestId]: requestId } });
      if (!response.ok) {
        log.warn({ status: response.status }, 'commands-service inbound test failed');
        return 'failed';
      }
      log.info({ answer: data?.message }, 'commands-service inbound test succeeded');
      return 'ok';
    } catch (error) {
      if (stopping.signal.aborted) return 'stopped';
      if (timedOut.aborted) {
        log.warn({ timeout }, 'commands-service inbound test timed out');
        return 'timed-out';
      }
      log.warn({ err: error }, 'commands-service inbound test failed');
      return 'failed';
    }
  }

  return {
    notify(platform, requestId) {
      if (stopping.signal.aborted) return Promise.resolve('skipped');
      if (inFlight.size >= maxInFlight) {
        logger.warn({ requestId, platformId: platform.id, maxInFlight }, 'commands-service inbound test skipped: too many calls in flight');
        return Promise.resolve('skipped');
      }
      const running = call(platform, requestId);
      inFlight.add(running);
      void running.finally(() => inFlight.delete(running));
      return running;
    },
    async stop() {
      stopping.abort(new AppError(errorCodes.unavailable, 'cannot call commands-service: shutting down'));
      await Promise.all(inFlight);
    },
  };
}
