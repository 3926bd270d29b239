/**
 * The entry point of a part run as a process (`main.ts`, `start.ts`): configuration read once,
 * the part started, SIGTERM/SIGINT and fatal errors turned into one ordered stop, and a failed
 * start or a bad configuration told in one line before exiting 1.
 */
import type { Env } from '../config/index.ts';
import { createLogger } from '../logging/index.ts';
import { loadTelemetry } from '../observability/telemetry.ts';
import type { Logger, LoggerOptions } from '../logging/index.ts';
import { onShutdown } from './on-shutdown.ts';
import { portInUse } from './port-in-use.ts';
import { settleMemory } from './settle-memory.ts';
import { failedPiece } from './service.ts';
import { loggerOptions } from './settings.ts';
import type { LoggingConfig } from './settings.ts';

/** What a process runs: anything with the lifecycle's start and stop. */
export interface Runnable<R> {
  start(): Promise<R>;
  stop(): Promise<void>;
}

export interface RunServiceOptions<C, R> {
  /** Logger name, e.g. `platform-service`. */
  readonly name: string;
  /** How messages name the part: `cannot start <part>`. Default `name`. */
  readonly part?: string;
  /** Reads and validates the configuration (throws AppError `invalid_config`). */
  loadConfig(env: Env): C;
  /** Logger settings of the configuration. Default: its `logLevel` and `logFormat` (see `serviceSettings`). */
  logging?(config: C): Pick<LoggerOptions, 'level' | 'pretty'>;
  /** Time the whole ordered stop may take before the process exits 1. */
  shutdownTimeout(config: C): number;
  /** Each listener setting and its port, so that a taken port names the variable to change. */
  ports(config: C): Readonly<Record<string, number>>;
  /** Builds the part (not started). */
  create(config: C, logger: Logger): Runnable<R>;
  /** Called once the part started (e.g. to print a banner). */
  started?(result: R, logger: Logger, config: C): void;
  /**
   * Whether the start ends with one memory-settling collection (settle-memory.ts; it pauses the
   * part once). Default true. A part whose start leaves work running turns it off and settles
   * itself when that work is over: commands-service's start-up sync would otherwise be paused
   * mid-stream (bench: the 100k-row sync fell from 0.74 to 0.49 of a raw bulk insert).
   */
  readonly settleAfterStart?: boolean;
  /** Default `process.env`. */
  readonly env?: Env;
}

/**
 * Runs a part until SIGTERM or SIGINT: exit 0 when its stop finished within the budget, 1 when it
 * failed or time ran out. An uncaught exception or unhandled rejection logs one line and stops in
 * order, exit 1. A start that fails logs one line (which piece, why), releases what was opened, exit 1.
 */
export async function runService<C, R>(options: RunServiceOptions<C, R>): Promise<void> {
  const { name } = options;
  const part = options.part ?? name;
  let config: C;
  try {
    config = options.loadConfig(options.env ?? process.env);
    // Before the part is created: it finds its tracing (when configured) while being built.
    await loadTelemetry();
  } catch (error) {
    // The logging settings themselves may be what is wrong: log with the defaults, one line.
    createLogger({ name }).fatal(error instanceof Error ? error.message : `cannot start ${part}: invalid configuration`);
    process.exit(1);
  }
  const logger = createLogger({ name, ...(options.logging?.(config) ?? loggerOptions(config as LoggingConfig)) });
  const runnable = options.create(config, logger);
  let failed = false;
  let stopping = false;
  const stop = (): Promise<void> => {
    stopping = true;
    return runnable.stop();
  };
  const shutdown = onShutdown(['SIGTERM', 'SIGINT'], [{ name, close: stop }], {
    logger,
    timeout: options.shutdownTimeout(config),
    exit: (code) => process.exit(failed ? 1 : code),
  });
  const fatal = (what: string) => (error: unknown) => {
    failed = true;
    logger.fatal({ err: error }, what);
    void shutdown.run(what);
  };
  process.on('uncaughtException', fatal('uncaught exception'));
  process.on('unhandledRejection', fatal('unhandled rejection'));

  let result: R;
  try {
    result = await runnable.start();
  } catch (error) {
    // A signal during the start stopped it: that is the ordered stop under way, not a failed start.
    if (stopping) return;
    failed = true;
    const portTaken = portInUse(part, error, options.ports(config));
    const reason = error instanceof Error ? error.message : String(error);
    if (portTaken) logger.fatal(portTaken);
    else logger.fatal({ piece: failedPiece(error), reason, err: error }, `cannot start ${part}`);
    void shutdown.run(portTaken ?? `cannot start ${part}`);
    return;
  }
  options.started?.(result, logger, config);
  // What the start left behind (parsed contracts, compiled validators, the ORM's discovery) is
  // garbage from here on; an idle part would otherwise keep it resident.
  if (options.settleAfterStart ?? true) settleMemory();
}
