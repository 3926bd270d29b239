/**
 * Runs the platform the way a person does: `node start.ts` (the `npm start` entry) as a child
 * process, on free ports and a data folder of the test's own, and stops it with SIGINT (Ctrl-C).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));

export interface RunningPlatform {
  readonly gatewayUrl: string;
  /** platform-service's gRPC listener (h2c). */
  readonly grpcUrl: string;
  /** platform-service's and commands-service's REST listeners, to call them directly. */
  readonly platformRestUrl: string;
  readonly commandsRestUrl: string;
  /** Every line the process printed so far (JSON log lines, as it is not on a terminal). */
  readonly output: readonly string[];
  /** Sends SIGINT, as Ctrl-C does; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * Starts the platform and resolves once it logged `platform ready` (all three parts listening).
 * `env` adds to the test process's environment (DATA_DIR, AMQP_URL, ...); the ports are chosen here.
 */
export async function startPlatform(env: Readonly<Record<string, string>>, options: { readonly readyTimeoutMs?: number } = {}): Promise<RunningPlatform> {
  const [gatewayPort, httpPort, grpcPort, commandsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const child = spawn(process.execPath, ['start.ts'], {
    cwd: repositoryRoot,
    env: {
      ...process.env,
      AMQP_URL: '',
      LOG_FORMAT: 'json',
      GATEWAY_PORT: String(gatewayPort),
      PLATFORM_SERVICE_HTTP_PORT: String(httpPort),
      PLATFORM_SERVICE_GRPC_PORT: String(grpcPort),
      COMMANDS_SERVICE_HTTP_PORT: String(commandsPort),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cannot start the platform: not ready within ${options.readyTimeoutMs ?? 60_000} ms:\n${output.join('\n')}`)), options.readyTimeoutMs ?? 60_000);
    let pending = '';
    const onData = (chunk: Buffer): void => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        output.push(line);
        if (line.includes('"msg":"platform ready"')) {
          clearTimeout(timer);
          resolve();
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`cannot start the platform: it exited with ${code}:\n${output.join('\n')}`));
    });
  });
  const stop = async (): Promise<number | null> => {
    const done = exited(child);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    return done;
  };
  try {
    await ready;
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    grpcUrl: `http://127.0.0.1:${grpcPort}`,
    platformRestUrl: `http://127.0.0.1:${httpPort}`,
    commandsRestUrl: `http://127.0.0.1:${commandsPort}`,
    output,
    stop,
  };
}
