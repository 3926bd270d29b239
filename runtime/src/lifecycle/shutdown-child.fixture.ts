/**
 * Child process for on-shutdown.test.ts: installs onShutdown for SIGTERM and SIGINT, prints
 * "ready", then waits for a signal. Mode (argv[2]): "clean" (steps finish), "failing" (one step
 * rejects), "hanging" (one step never finishes; timeout 200 ms).
 */
import { createLogger } from '../logging/index.ts';
import { onShutdown } from './on-shutdown.ts';

const mode = process.argv[2] ?? 'clean';
const keepAlive = setInterval(() => {}, 1 << 30);
const logger = createLogger({ name: 'shutdown-child' });

onShutdown(
  ['SIGTERM', 'SIGINT'],
  [
    { name: 'stop-accepting', close: async () => clearInterval(keepAlive) },
    {
      name: 'drain',
      close: () => {
        if (mode === 'failing') return Promise.reject(new Error('drain failed'));
        if (mode === 'hanging') return new Promise<void>(() => {});
        return new Promise<void>((resolve) => setTimeout(resolve, 10));
      },
    },
    { name: 'close-database', close: async () => {} },
  ],
  { logger, timeout: 200 },
);
process.stdout.write('ready\n');
