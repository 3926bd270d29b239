import { flushTelemetry } from '../observability/telemetry.ts';
import { AppError, errorCodes } from '../errors/index.ts';
import type { Logger } from '../logging/index.ts';

/** One ordered step of a graceful shutdown, e.g. "stop accepting", "drain consumers", "close database". */
export interface ShutdownStep {
  readonly name: string;
  close(): Promise<void>;
}

export interface ShutdownOptions {
  readonly logger: Logger;
  /** Time all steps together may take, in ms, before the process exits with 1. Default 10000. */
  readonly timeout?: number;
  /** Ends the process. Default `process.exit`; tests pass a recorder. */
  readonly exit?: (code: number) => void;
}

export interface Shutdown {
  /**
   * Runs the steps now, as if a signal had arrived (e.g. after a fatal error), then exits.
   * Only the first call runs them; every call returns the same exit code promise.
   */
  run(reason: string): Promise<number>;
  /** Removes the signal listeners. */
  dispose(): void;
}

/**
 * On the first of `signals`, runs `steps` once, in order, then exits: 0 when every step finished
 * within the timeout, 1 when one failed (later steps still run, so resources are released) or time
 * ran out. Signals that arrive while shutting down are logged and otherwise ignored.
 */
export function onShutdown(signals: readonly NodeJS.Signals[], steps: readonly ShutdownStep[], options: ShutdownOptions): Shutdown {
  const { logger, timeout = 10_000, exit = (code: number) => process.exit(code) } = options;
  if (signals.length === 0) throw new AppError(errorCodes.invalidArgument, 'cannot handle shutdown: no signals given');
  if (!Number.isInteger(timeout) || timeout <= 0) {
    throw new AppError(errorCodes.invalidArgument, `cannot handle shutdown: timeout must be a positive integer of ms (got ${timeout})`);
  }
  if (steps.some((step) => step.name.trim() === '')) throw new AppError(errorCodes.invalidArgument, 'cannot handle shutdown: every step needs a name');

  let running: Promise<number> | undefined;

  async function closeAll(reason: string): Promise<number> {
    logger.info({ reason, steps: steps.map((step) => step.name) }, 'shutting down');
    let current: string | undefined;
    let failed = false;
    let timer: NodeJS.Timeout | undefined;
    const started = Date.now();
    const timedOut = new Promise<'timed-out'>((resolve) => {
      timer = setTimeout(() => resolve('timed-out'), timeout);
    });
    const finished = (async () => {
      for (const step of steps) {
        current = step.name;
        try {
          await step.close();
          logger.info({ step: step.name }, 'shutdown step done');
        } catch (error) {
          failed = true;
          logger.error({ step: step.name, err: error }, 'shutdown step failed');
        }
      }
      return 'finished' as const;
    })();
    const outcome = await Promise.race([finished, timedOut]);
    clearTimeout(timer);
    // The spans of the last requests, before the process ends (nothing to do when tracing is off),
    // within what is left of the budget (at most 2 s): the exit never comes later than the budget says.
    const left = Math.min(2000, timeout - (Date.now() - started));
    if (outcome === 'finished' && left > 0) await Promise.race([flushTelemetry(), new Promise((resolve) => setTimeout(resolve, left).unref())]);
    const code = outcome === 'finished' && !failed ? 0 : 1;
    if (outcome === 'timed-out') logger.error({ step: current, timeout }, 'shutdown timed out');
    else logger.info({ code }, 'shutdown complete');
    exit(code);
    return code;
  }

  const run = (reason: string): Promise<number> => (running ??= closeAll(reason));
  const onSignal = (signal: NodeJS.Signals): void => {
    if (running) logger.warn({ signal }, 'shutdown already in progress');
    else void run(signal);
  };
  for (const signal of signals) process.on(signal, onSignal);

  return {
    run,
    dispose() {
      for (const signal of signals) process.off(signal, onSignal);
    },
  };
}
