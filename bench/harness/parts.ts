/**
 * Our parts as the deployment runs them: each service's own `main.ts` compiled ahead of time, run
 * with the production Node flags (tools/build, as the image's build stage and CMD do; built once per bench run into `<part>/dist-bench`,
 * so the bench never runs a stale build nor replaces a running part's `dist/`), configured only by
 * environment variables, in production settings (NODE_ENV=production: requests validated,
 * responses not; writes need a token from the run's local issuer (harness/issuer.ts); JSON logs
 * at info, one line per request, written to /dev/null).
 */
import { join } from 'node:path';
import { buildEntry, buildPart, productionEnvironment, productionNodeFlags } from '../../tools/build/build-part.ts';
import { benchIssuer } from './issuer.ts';
import { freePort, repoRoot, startNode, waitForHttp, waitForPort } from './processes.ts';
import type { ServerProcess } from './processes.ts';

/** Build folder of the bench, one level below each part (like `src/` and `dist/`). */
const benchBuild = 'dist-bench';
const builds = new Map<string, Promise<string>>();

/** `build()` once per bench run for `key`: the built entry's path. */
function builtOnce(key: string, build: () => Promise<string>): Promise<string> {
  let built = builds.get(key);
  if (built === undefined) {
    built = build();
    builds.set(key, built);
  }
  return built;
}

/** A part's `src/main.ts`, compiled as production runs it. */
const builtPart = (part: string): Promise<string> => builtOnce(part, async () => (await buildPart(part, benchBuild)).entry);

/**
 * `bench/servers/<name>.ts` compiled (tools/build `buildEntry`) into
 * `bench/servers/dist-bench/<name>/main.js`, once per bench run: the built entry's path. The
 * baselines run as JavaScript with their packages loaded from node_modules and Node's default
 * flags, as a team would run `node app.js`: started from `.ts` they would pay Node's type stripper
 * (about 20 MB of idle RSS) and flatter our compiled parts; bundled, they would get our own
 * build's treatment. Our commands-service (`name` = 'commands-service') is bundled as its image is.
 */
export const builtServer = (name: string): Promise<string> =>
  builtOnce(`bench/servers/${name}`, async () => {
    const dependencies = name === 'commands-service' ? 'bundled' : 'external';
    return (await buildEntry(join(repoRoot, 'bench/servers', `${name}.ts`), join(repoRoot, 'bench/servers', benchBuild, name), { dependencies })).entry;
  });

export interface PartOptions {
  /** Node flags such as `--cpu-prof --cpu-prof-dir=...`, after the production ones. */
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
    script: await builtPart('platform-service'),
    nodeFlags: [...productionNodeFlags, ...(options.nodeFlags ?? [])],
    env: {
      ...productionEnvironment,
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
    script: await builtPart('gateway'),
    nodeFlags: [...productionNodeFlags, ...(options.nodeFlags ?? [])],
    env: {
      ...productionEnvironment,
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

/** The bare Express 5 baseline on the same SQLite file, compiled (`builtServer`), default Node flags. */
export async function startBareExpress(dbPath: string): Promise<{ readonly process: ServerProcess; readonly url: string }> {
  const port = await freePort();
  const server = startNode({ name: 'bare-express', script: await builtServer('bare-express'), args: [String(port), dbPath] });
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
 * `suffix`, compiled like the parts) syncing from `platformGrpcUrl`; resolves once /readyz says the sync is done.
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
    script: await builtServer('commands-service'),
    args: [suffix],
    nodeFlags: [...productionNodeFlags, ...(options.nodeFlags ?? [])],
    env: {
      ...productionEnvironment,
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
