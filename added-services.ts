/**
 * `npm start`'s place for the services added with `npm run new:service`: start.ts runs each beside
 * the platform's own, on the port of its contract's own server, with its SQLite file in DATA_DIR,
 * and gives the gateway its URL. Each entry builds the service from its environment, as its main.ts does.
 */
import type { Env } from '@platform/runtime/config';
import type { Logger } from '@platform/runtime/logging';

/** An added service as start.ts runs it. */
export interface AddedService {
  /** The service's folder and contract name, e.g. `inventory-service`. */
  readonly name: string;
  /** Builds it (not started) from its environment (throws AppError `invalid_config`). */
  create(env: Env, logger: Logger): { start(): Promise<unknown>; stop(): Promise<void> };
}

/** Services added with `npm run new:service`, in start order. */
export const addedServices: readonly AddedService[] = [
  // npm run new:service adds one entry per service above this line.
];
