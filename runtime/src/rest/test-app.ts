/** Test helper: serves a small Express app on an ephemeral port. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Express } from 'express';
import { pino } from 'pino';
import { requestId } from './request-id.ts';

export interface TestApp {
  readonly base: string;
  readonly logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** Mounts the request-id middleware (every other piece needs it), then lets `mount` add the rest. */
export async function serveTestApp(mount: (app: Express) => void): Promise<TestApp> {
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const app = express();
  app.use(requestId(logger));
  mount(app);
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    logs,
    close: () => new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
