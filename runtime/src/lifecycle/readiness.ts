import { AppError, errorCodes } from '../errors/index.ts';

/** The outcome of one readiness check; `detail` says why when not ok (shown by /readyz). */
export interface CheckResult {
  readonly ok: boolean;
  readonly detail?: string;
}

/** Answers whether one dependency is usable now. A rejection counts as not ok. */
export type ReadinessCheck = () => Promise<CheckResult>;

/** What /readyz shows: overall `ok` and each check by name. */
export interface ReadinessReport {
  readonly ok: boolean;
  /** True once shutdown began: the process takes no new work, whatever its checks say. Absent: not known to the reporter. */
  readonly draining?: boolean;
  readonly checks: Readonly<Record<string, CheckResult>>;
}

/** What the /readyz route asks (runtime/rest `healthRoutes`): a registry's `report`, or any function giving a report. */
export type ReadinessReporter = () => ReadinessReport | Promise<ReadinessReport>;

export interface Readiness {
  /**
   * Adds a named check (for example "database", "rabbitmq", "startup-sync"); returns a function
   * that removes it. Names are unique.
   */
  register(name: string, check: ReadinessCheck): () => void;
  /** Marks the process as draining: every later report is not ok (first step of a graceful shutdown). */
  drain(): void;
  /** Runs every check concurrently, each bounded by the check timeout. Ok when all are ok and not draining. */
  report(): Promise<ReadinessReport>;
}

export interface ReadinessOptions {
  /** Time one check may take before it counts as not ok, in ms. Default 2000. */
  readonly checkTimeout?: number;
}

/**
 * Creates the readiness registry behind /readyz. A process with no checks is ready.
 * A one-off condition such as "start-up sync done" is a check reading a flag:
 * `readiness.register('startup-sync', async () => ({ ok: synced, detail: synced ? undefined : 'waiting' }))`.
 */
export function createReadiness(options: ReadinessOptions = {}): Readiness {
  const checkTimeout = options.checkTimeout ?? 2000;
  if (!Number.isInteger(checkTimeout) || checkTimeout <= 0) {
    throw new AppError(errorCodes.invalidArgument, `cannot create readiness: checkTimeout must be a positive integer of ms (got ${checkTimeout})`);
  }
  const checks = new Map<string, ReadinessCheck>();
  let draining = false;

  async function run(check: ReadinessCheck): Promise<CheckResult> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<CheckResult>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${checkTimeout} ms` }), checkTimeout);
    });
    try {
      const result = await Promise.race([check(), timedOut]);
      return result.detail === undefined ? { ok: result.ok === true } : { ok: result.ok === true, detail: result.detail };
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    register(name, check) {
      if (name.trim() === '') throw new AppError(errorCodes.invalidArgument, 'cannot register readiness check: name must not be empty');
      if (checks.has(name)) throw new AppError(errorCodes.invalidArgument, `cannot register readiness check "${name}": a check of that name exists`);
      checks.set(name, check);
      return () => {
        if (checks.get(name) === check) checks.delete(name);
      };
    },
    drain() {
      draining = true;
    },
    async report() {
      const entries = await Promise.all([...checks].map(async ([name, check]) => [name, await run(check)] as const));
      const results = Object.fromEntries(entries);
      return { ok: !draining && entries.every(([, result]) => result.ok), draining, checks: results };
    },
  };
}
