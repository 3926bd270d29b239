import { Server as NetServer } from 'node:net';
import type { Socket } from 'node:net';
import type { Server, ServerResponse } from 'node:http';
import { InFlight } from '../lifecycle/in-flight.ts';
import type { InFlightEntry } from '../lifecycle/in-flight.ts';

export interface DrainOptions {
  /**
   * How long a keep-alive connection must have been idle before a drain closes it, in ms.
   * A client may already be sending its next request on a connection that looks idle (its bytes
   * on the wire, or read by no one yet); closing it then resets that request. Default 250.
   */
  readonly idleGraceMs?: number;
}

export interface DrainResult {
  /** Connections still open at the deadline, destroyed (their requests got no complete answer). */
  readonly cut: number;
}

export interface Drainable {
  /** Whether `drain` was called. */
  readonly draining: boolean;
  /**
   * Stops accepting connections and closes the open ones without losing a request: every request
   * that arrives on them, in flight or still to come, gets its complete answer with
   * `Connection: close`; a connection idle for `idleGraceMs` is closed. Whatever is still open
   * after `timeoutMs` is destroyed. Resolves once no connection is left. Call once.
   */
  drain(timeoutMs: number): Promise<DrainResult>;
}

interface ConnectionState {
  readonly socket: Socket;
  /** Requests on it whose response has not finished. */
  active: number;
  /** When it last became idle (connected, or its last response finished). */
  idleSince: number;
  closing: NodeJS.Timeout | undefined;
}

const connectionOf = Symbol('drain.connection');
const entryOf = Symbol('drain.entry');
type Tracked = ServerResponse & { [connectionOf]: ConnectionState; [entryOf]: InFlightEntry<ServerResponse> };
type TrackedSocket = Socket & { [connectionOf]?: ConnectionState };

/**
 * Tracks the connections of an HTTP/1.1 server so that it can be drained without resets.
 * Node's own `server.close()` closes idle keep-alive connections at once, including those whose
 * next request has arrived but was not read yet; this does not.
 */
export function drainable(server: Server, options: DrainOptions = {}): Drainable {
  const { idleGraceMs = 250 } = options;
  if (!Number.isFinite(idleGraceMs) || idleGraceMs < 0) throw new Error(`cannot drain: idleGraceMs must be a non-negative number of ms (got ${idleGraceMs})`);
  // Lists, not a Map and a Set: an entry per request or connection coming and going in a Set makes
  // the garbage collector promote whole requests (lifecycle/in-flight.ts).
  const connections = new InFlight<ConnectionState>();
  const inFlight = new InFlight<ServerResponse>();
  let draining = false;

  const closeWhenIdle = (socket: Socket, state: ConnectionState): void => {
    clearTimeout(state.closing);
    state.closing = setTimeout(() => {
      // One more turn of the event loop first: bytes that already arrived are read and parsed, and
      // a request they start makes the connection active again.
      setImmediate(() => {
        if (state.active === 0 && !socket.destroyed) socket.end();
      });
    }, Math.max(0, state.idleSince + idleGraceMs - Date.now()));
  };

  // One listener for every response (no closure per request): its connection's state rides on it.
  function responseClosed(this: Tracked): void {
    const state = this[connectionOf];
    inFlight.delete(this[entryOf]);
    state.active -= 1;
    state.idleSince = Date.now();
    if (draining && state.active === 0) closeWhenIdle(state.socket, state);
  }

  server.on('connection', (socket: TrackedSocket) => {
    const state: ConnectionState = { socket, active: 0, idleSince: Date.now(), closing: undefined };
    const entry = connections.add(state);
    socket[connectionOf] = state;
    socket.once('close', () => {
      clearTimeout(state.closing);
      connections.delete(entry);
    });
    if (draining) closeWhenIdle(socket, state);
  });

  // First listener: counts the request before the application can answer it (even synchronously).
  server.prependListener('request', (req, res) => {
    const state = (req.socket as TrackedSocket)[connectionOf];
    if (state === undefined) return;
    state.active += 1;
    clearTimeout(state.closing);
    (res as Tracked)[entryOf] = inFlight.add(res);
    if (draining) res.setHeader('connection', 'close');
    (res as Tracked)[connectionOf] = state;
    // A response closes once.
    res.on('close', responseClosed);
  });

  return {
    get draining() {
      return draining;
    },
    drain(timeoutMs) {
      if (draining) return Promise.reject(new Error('cannot drain: already draining'));
      draining = true;
      return new Promise((resolve) => {
        let cut = 0;
        const deadline = setTimeout(() => {
          cut = connections.size;
          for (const { socket } of connections.items()) socket.destroy();
        }, timeoutMs);
        // Stop accepting without http.Server#close, which would also close idle connections at once.
        NetServer.prototype.close.call(server, () => {
          clearTimeout(deadline);
          resolve({ cut });
        });
        // Answers not started yet tell their clients that this connection ends with them.
        for (const res of inFlight.items()) if (!res.headersSent) res.setHeader('connection', 'close');
        for (const state of connections.items()) {
          if (state.active === 0) closeWhenIdle(state.socket, state);
        }
      });
    },
  };
}
