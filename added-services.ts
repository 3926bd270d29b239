/**
 * `npm start`'s place for the services added with `npm run new:service`: start.ts runs each beside
 * the platform's own (after commands-service, before the gateway), on the port of its contract's
 * own server, with its SQLite file in DATA_DIR, and gives the gateway its URL.
 */
import type { Env } from '@platform/runtime/config';
import type { Runnable } from '@platform/runtime/lifecycle';
import type { Logger } from '@platform/runtime/logging';

/** An added service as start.ts runs it. */
export interface AddedService {
  /** The service's folder and contract name, e.g. `inventory-service`. */
  readonly name: string;
  /** Reads its configuration from `env` (throws AppError `invalid_config`) and returns how to build it, as its main.ts does. */
  load(env: Env): (logger: Logger) => Runnable<unknown>;
}

/** Services added with `npm run new:service`, in start order. */
export const addedServices: readonly AddedService[] = [
  // npm run new:service adds one entry per service above this line.
];
