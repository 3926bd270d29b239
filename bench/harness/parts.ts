/**
 * Our parts as the deployment runs them: each service's own `main.ts`, configured only by
 * environment variables, in production settings (NODE_ENV=production: requests validated,
 * responses not; writes need a token from the run's local issuer (harness/issuer.ts); JSON logs
 * at info, one line per request, written to /dev/null).
 */
import { benchIssuer } from './issuer.ts';
import { freePort, startNode, waitForHttp, waitForPort } from './processes.ts';
import type { ServerProcess } from './processes.ts';

export interface PartOptions {
  /** Node flags such as `--cpu-prof --cpu-prof-dir=...`. */
  readonly nodeFlags?: readonly string[];
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface RunningPlatformService {
  readonly process: ServerProcess;
  readonly restUrl: string;
  readonly grpcUrl: string;
}

/** platform-service on a SQLite file; no broker unless `AMQP_URL` is in `env` (events then wait in the outbox). */
export async function startPlatformService(dbPath: string, options: PartOptions = {}): Promise<RunningPlatformService> {
  const [httpPort, grpcPort] = [await freePort(), await freePort()];
  const server = startNode({
    name: 'platform-service',
    script: 'platform-service/src/main.ts',
    ...(options.nodeFlags ? { nodeFlags: options.nodeFlags } : {}),
    env: {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      HTTP_PORT: String(httpPort),
      GRPC_PORT: String(grpcPort),
      DB_DRIVER: 'sqlite',
      DB_URL: dbPath,
      SEED_DATA: 'false',
      // The seeds' demo call to commands-service after each create is not part of these scenarios.
      COMMANDS_SYNC_ENABLED: 'false',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      ...(await benchIssuer()).env,
      ...options.env,
    },
  });
  const restUrl = `http://127.0.0.1:${httpPort}`;
  try {
    await waitForHttp(`${restUrl}/readyz`, server);
    await waitForPort(grpcPort, server);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { process: server, restUrl, grpcUrl: `http://127.0.0.1:${grpcPort}` };
}

/** The gateway in front of platform-service (and commands-service when given). */
export async function startGateway(platformUrl: string, commandsUrl = 'http://127.0.0.1:9', options: PartOptions = {}): Promise<{ readonly process: ServerProcess; readonly url: string }> {
  const port = await freePort();
  const server = startNode({
    name: 'gateway',
    script: 'gateway/src/main.ts',
    ...(options.nodeFlags ? { nodeFlags: options.nodeFlags } : {}),
    env: {
      NODE_ENV: 'production',
      HTTP_PORT: String(port),
      PLATFORM_SERVICE_URL: platformUrl,
      COMMANDS_SERVICE_URL: commandsUrl,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      ...options.env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/healthz`, server);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { process: server, url };
}

/** The bare Express 5 baseline on the same SQLite file. */
export async function startBareExpress(dbPath: string): Promise<{ readonly process: ServerProcess; readonly url: string }> {
  const port = await freePort();
  const server = startNode({ name: 'bare-express', script: 'bench/servers/bare-express.ts', args: [String(port), dbPath] });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/healthz`, server);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { process: server, url };
}

/**
 * commands-service (bench/servers/commands-service.ts: main.ts with broker names ending in
 * `suffix`) syncing from `platformGrpcUrl`; resolves once /readyz says the sync is done.
 */
export async function startCommandsService(
  dbPath: string,
  platformGrpcUrl: string,
  suffix: string,
  options: PartOptions & { readonly amqpUrl?: string; readonly readyTimeoutMs?: number } = {},
): Promise<{ readonly process: ServerProcess; readonly url: string }> {
  const port = await freePort();
  const server = startNode({
    name: 'commands-service',
    script: 'bench/servers/commands-service.ts',
    args: [suffix],
    ...(options.nodeFlags ? { nodeFlags: options.nodeFlags } : {}),
    env: {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      HTTP_PORT: String(port),
      DB_DRIVER: 'sqlite',
      DB_URL: dbPath,
      PLATFORM_SERVICE_GRPC_URL: platformGrpcUrl,
      ...(options.amqpUrl ? { AMQP_URL: options.amqpUrl } : {}),
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      ...(await benchIssuer()).env,
      ...options.env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/readyz`, server, options.readyTimeoutMs);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { process: server, url };
}
