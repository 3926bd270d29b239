/**
 * The gRPC listener: one cleartext HTTP/2 (h2c) port serving a Connect router, so gRPC,
 * gRPC-Web and Connect clients reach the same handlers. Health and reflection are built in,
 * because every service needs them and they must describe exactly what is registered.
 */
import http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { DescFile, DescService } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import type { ConnectRouter, Interceptor } from '@connectrpc/connect';
import { Health } from '../generated/grpc/health/v1/health_pb.ts';
import { localUrl } from '../http/index.ts';
import { AppError, errorCodes } from '../errors/index.ts';
import type { Logger } from '../logging/index.ts';
import { rpcTelemetry, telemetryOf } from '../observability/index.ts';
import { createHealth, overallHealth, ServingStatus } from './health.ts';
import type { HealthRegistry } from './health.ts';
import { createNodeHandler } from './node-handler.ts';
import { createReflection, ServerReflectionV1, ServerReflectionV1alpha } from './reflection.ts';

export interface GrpcServerOptions {
  /** TCP port; 0 lets the system pick a free one (read it from what listen() resolves to). */
  readonly port: number;
  /** Interface to bind. Default: all interfaces. */
  readonly host?: string;
  /** Registers the implementations, for example `(router) => router.service(PlatformService, impl)`. */
  readonly routes: (router: ConnectRouter) => void;
  /** Extra descriptor files for reflection. Default: none (files of registered services are found by themselves). */
  readonly files?: readonly DescFile[];
  readonly logger: Logger;
  /**
   * Largest request message in bytes (a Connect unary body, or one enveloped gRPC / gRPC-Web /
   * Connect streaming message, after decompression). A larger one answers RESOURCE_EXHAUSTED and
   * is read no further. Default: 4 MiB, gRPC's usual receive limit.
   */
  readonly readMaxBytes?: number;
  /** Wrap every call, the first one outermost. Default: none. */
  readonly interceptors?: readonly Interceptor[];
  /**
   * Health statuses to serve. Default: a new registry. `""` and every registered service start
   * SERVING unless already set here, so a caller that must sync first can pre-set NOT_SERVING.
   */
  readonly health?: HealthRegistry;
  /**
   * How long close() lets in-flight calls run before cancelling them, in ms. Default: 5000, which
   * leaves room for later steps within the process's shutdown timeout (lifecycle's default 10 s).
   */
  readonly shutdownTimeoutMs?: number;
}

export interface GrpcServerAddress {
  readonly host: string;
  readonly port: number;
  /** Base URL for clients on this machine, for example `http://127.0.0.1:5001`. */
  readonly url: string;
}

export interface GrpcServer {
  /** The statuses served by grpc.health.v1.Health; readiness flips them. */
  readonly health: HealthRegistry;
  /** Starts accepting connections; resolves with the bound address. */
  listen(): Promise<GrpcServerAddress>;
  /** Drains: health NOT_SERVING, no new connections or calls, in-flight calls finish or are cancelled at the deadline. */
  close(): Promise<void>;
}

/** gRPC's usual receive limit: 4 MiB per message. */
export const defaultReadMaxBytes = 4 * 1024 * 1024;
/** connect-es's ceiling (zlib's largest output, protobuf-es's largest message). */
const maxReadMaxBytes = 0xffffffff;

/** Creates an h2c server for `routes`, plus health and reflection (v1, v1alpha). */
export function createGrpcServer(options: GrpcServerOptions): GrpcServer {
  const { port, host, logger, shutdownTimeoutMs = 5000, readMaxBytes = defaultReadMaxBytes } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) invalid(`port must be an integer from 0 to 65535, got ${port}`);
  if (typeof options.routes !== 'function') invalid('routes must be a function');
  if (!Number.isInteger(shutdownTimeoutMs) || shutdownTimeoutMs <= 0) invalid(`shutdownTimeoutMs must be a positive integer, got ${shutdownTimeoutMs}`);
  if (!Number.isInteger(readMaxBytes) || readMaxBytes < 1 || readMaxBytes > maxReadMaxBytes) {
    invalid(`readMaxBytes must be an integer from 1 to ${maxReadMaxBytes}, got ${readMaxBytes}`);
  }
  const health = options.health ?? createHealth();
  // Aborted only at the close deadline: handlers see ctx.signal fire and wrap up.
  const shutdown = new AbortController();

  const handler = createNodeHandler({
    // Outermost: request id, access log, metrics and span of every call, as REST requests get.
    interceptors: [rpcTelemetry(telemetryOf(logger), logger), ...(options.interceptors ?? [])],
    shutdownSignal: shutdown.signal,
    readMaxBytes,
    logger,
    routes(router) {
      options.routes(router);
      const services = [...new Map(router.handlers.map((h): [string, DescService] => [h.service.typeName, h.service])).values()];
      for (const name of [overallHealth, ...services.map((s) => s.typeName)]) {
        if (health.getStatus(name) === undefined) health.setStatus(name, ServingStatus.SERVING);
      }
      const reflection = createReflection([...services, Health], options.files);
      router.service(Health, health.service);
      router.service(ServerReflectionV1, reflection.v1);
      router.service(ServerReflectionV1alpha, reflection.v1alpha);
    },
  });

  const server = http2.createServer();
  server.on('stream', handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  // Raw connections too: a destroyed session can leave its socket half-closed, waiting for a FIN
  // from a peer that never sends one (vanished host, client ignoring GOAWAY), and server.close()
  // only completes once every socket is gone.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  let started = false;
  let closing: Promise<void> | undefined;
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    // A connection accepted while closing must not start new calls either.
    if (closing) session.close();
  });
  server.on('sessionError', (error) => {
    // A client that hangs up sends GOAWAY with CANCEL (8), which Node reports as a session
    // error (connect-node's client does so after every stream it closes): routine, not a failure.
    const routine = (error as NodeJS.ErrnoException).code === 'ERR_HTTP2_SESSION_ERROR' && error.message.endsWith('error code 8');
    if (routine) logger.debug({ err: error }, 'gRPC client closed its connection');
    else logger.warn({ err: error }, 'gRPC connection failed');
  });

  async function drain(): Promise<void> {
    logger.info('gRPC server draining');
    health.shutdown();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // GOAWAY: clients open no new streams here; streams in flight run to completion.
    for (const session of sessions) session.close();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(resolve, shutdownTimeoutMs, 'deadline')));
    if ((await Promise.race([closed, deadline])) === 'deadline') {
      logger.warn({ shutdownTimeoutMs, connections: sessions.size }, 'gRPC server drain deadline passed, cancelling calls');
      shutdown.abort(new ConnectError('server is shutting down', Code.Unavailable));
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
      await closed;
    }
    clearTimeout(timer);
    logger.info('gRPC server closed');
  }

  return {
    health,
    listen() {
      if (started || closing) return Promise.reject(new Error('cannot listen: the gRPC server was already started or closed'));
      started = true;
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const url = localUrl(address);
          // At debug: the part's own start line names the URL (one line per part as it starts).
          logger.debug({ host: address.address, port: address.port, readMaxBytes }, 'gRPC server listening (h2c: gRPC, gRPC-Web, Connect)');
          resolve({ host: address.address, port: address.port, url });
        });
      });
    },
    close() {
      closing ??= server.listening ? drain() : Promise.resolve();
      return closing;
    },
  };
}

function invalid(why: string): never {
  throw new AppError(errorCodes.invalidArgument, `cannot create gRPC server: ${why}`);
}
