/**
 * grpc.health.v1.Health: the standard probe that Kubernetes (gRPC probes), load balancers and
 * `grpc-health-probe` understand. Statuses are set by the service itself, so readiness
 * (dependencies reachable, start-up sync done) can flip them at run time.
 */
import { EventEmitter, on } from 'node:events';
import { Code, ConnectError } from '@connectrpc/connect';
import type { ServiceImpl } from '@connectrpc/connect';
import { HealthCheckResponse_ServingStatus } from '../generated/grpc/health/v1/health_pb.ts';
import type { Health } from '../generated/grpc/health/v1/health_pb.ts';

/** The serving statuses of grpc.health.v1 (UNKNOWN, SERVING, NOT_SERVING, SERVICE_UNKNOWN). */
export const ServingStatus = HealthCheckResponse_ServingStatus;
export type ServingStatus = HealthCheckResponse_ServingStatus;

/** Service name that stands for the server as a whole. */
export const overallHealth = '';

/** Event that ends every Watch stream (server shutdown); no protobuf service can have this name. */
const shutdownEvent = '<shutdown>';

/** Settable health statuses plus the grpc.health.v1.Health implementation that serves them. */
export interface HealthRegistry {
  /** Sets the status of one service (`""` = overall) and notifies its watchers if it changed. */
  setStatus(service: string, status: ServingStatus): void;
  /** The current status of a service, or undefined when it was never set. */
  getStatus(service: string): ServingStatus | undefined;
  /** Marks every service NOT_SERVING and ends all Watch streams, so a draining server can close. */
  shutdown(): void;
  /** Implementation of grpc.health.v1.Health, to register with `router.service(Health, ...)`. */
  readonly service: ServiceImpl<typeof Health>;
}

/**
 * Creates the health registry. `initial` statuses are set at once; a service never set answers
 * NOT_FOUND to Check and SERVICE_UNKNOWN to Watch, as the protocol requires.
 */
export function createHealth(initial: Readonly<Record<string, ServingStatus>> = {}): HealthRegistry {
  const statuses = new Map<string, ServingStatus>(Object.entries(initial));
  // One event per service name, carrying its new status; Watch streams listen to their service.
  const changes = new EventEmitter();
  changes.setMaxListeners(0);
  let shuttingDown = false;

  function setStatus(service: string, status: ServingStatus): void {
    // After shutdown the server is draining: nothing may report it healthy again.
    if (shuttingDown && status === ServingStatus.SERVING) return;
    if (statuses.get(service) === status) return;
    statuses.set(service, status);
    changes.emit(service, status);
  }

  const service: ServiceImpl<typeof Health> = {
    check(request) {
      const status = statuses.get(request.service);
      if (status === undefined) throw new ConnectError(`unknown service "${request.service}"`, Code.NotFound);
      return { status };
    },
    async *watch(request, context) {
      if (shuttingDown) {
        yield { status: ServingStatus.NOT_SERVING };
        return;
      }
      // Subscribe before reading the current status so that no change can slip in between.
      const updates = on(changes, request.service, { signal: context.signal, close: [shutdownEvent] });
      let last: ServingStatus = statuses.get(request.service) ?? ServingStatus.SERVICE_UNKNOWN;
      yield { status: last };
      try {
        for await (const [status] of updates as AsyncIterable<[ServingStatus]>) {
          if (status === last) continue;
          last = status;
          yield { status };
        }
      } catch (error) {
        // The client went away or the call ended: nothing more to send.
        if (context.signal.aborted) return;
        throw error;
      }
    },
    list() {
      return { statuses: Object.fromEntries([...statuses].map(([name, status]) => [name, { status }])) };
    },
  };

  return {
    setStatus,
    getStatus: (name) => statuses.get(name),
    shutdown() {
      for (const name of statuses.keys()) setStatus(name, ServingStatus.NOT_SERVING);
      shuttingDown = true;
      changes.emit(shutdownEvent, ServingStatus.NOT_SERVING);
    },
    service,
  };
}
