/**
 * An HTTP listener that drains: the one way every part's HTTP server (each REST server, the
 * gateway) listens and stops.
 */
import { createServer } from 'node:http';
import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logging/index.ts';
import { answerClientErrors } from './client-errors.ts';
import { drainable } from './drain.ts';
import type { Drainable } from './drain.ts';
import { serveUnknownExpectations } from './expectations.ts';

export interface HttpListenerOptions {
  /** Whose listener, for the error of a second listen: `cannot listen: <name> is already listening`. */
  readonly name: string;
  /** How long `close` lets in-flight requests finish before cutting connections, in ms. */
  readonly drainTimeoutMs: number;
  /** Told how many connections were cut at the drain deadline. */
  readonly logger: Logger;
}

export interface HttpListener {
  /** Starts listening (port 0 picks a free port); resolves with the bound address. Once. */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /**
   * Drains (drain.ts): stops accepting connections, answers every request sent on the open ones
   * (with `Connection: close`), closes them, and cuts what is left at the drain timeout.
   */
  close(): Promise<void>;
  /** True once `close` was called (for `/readyz`). */
  readonly draining: boolean;
}

/** Serves `app` over HTTP/1.1 with `Expect` and client-error handling, and a draining close. */
export function createHttpListener(app: RequestListener, options: HttpListenerOptions): HttpListener {
  const { name, drainTimeoutMs, logger } = options;
  let server: Server | undefined;
  let drain: Drainable | undefined;
  let draining = false;
  return {
    get draining() {
      return draining;
    },
    listen(port, host) {
      if (server) return Promise.reject(new Error(`cannot listen: ${name} is already listening`));
      const listening = createServer(app);
      server = listening;
      drain = drainable(listening);
      serveUnknownExpectations(listening);
      answerClientErrors(listening);
      return new Promise((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(port, host, () => {
          listening.off('error', reject);
          resolve(listening.address() as AddressInfo);
        });
      });
    },
    async close() {
      draining = true;
      if (!server?.listening || drain === undefined || drain.draining) return;
      const { cut } = await drain.drain(drainTimeoutMs);
      if (cut > 0) logger.warn({ connections: cut, drainTimeoutMs }, 'cut connections still open at the drain deadline');
    },
  };
}
