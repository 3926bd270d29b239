/**
 * SIGTERM under load (issue 13 item 7): 20 keep-alive clients keep creating platforms while
 * platform-service (`node src/main.ts`, its own process) is told to stop. Every request sent on a
 * connection the server accepted must get a complete answer; only new connections may be refused.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from './testing/broker.ts';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const clients = 20;

type Outcome = { readonly kind: 'answered'; readonly status: number; readonly afterSignal: boolean } | { readonly kind: 'refused' } | { readonly kind: 'lost'; readonly code: string };

/** One POST on the client's keep-alive agent: a complete answer, a refused connection, or a request lost on an accepted one. */
function create(restUrl: string, agent: Agent, name: string, signalled: () => boolean): Promise<Outcome> {
  const body = JSON.stringify({ name, publisher: 'Load', cost: 'Free' });
  return new Promise((resolve) => {
    const call = request(`${restUrl}/api/platforms`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
    call.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve({ kind: 'answered', status: response.statusCode ?? 0, afterSignal: signalled() }));
      response.on('error', (err: NodeJS.ErrnoException) => resolve({ kind: 'lost', code: `response ${err.code ?? err.message}` }));
    });
    call.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED' ? { kind: 'refused' } : { kind: 'lost', code: err.code ?? err.message }));
    call.end(body);
  });
}

describe('platform-service drained by SIGTERM under load', () => {
  let dataDir: string | undefined;
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('answers-every-request-sent-on-an-accepted-connection-and-stores-exactly-what-it-answered', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'drain-under-load-'));
    const database = join(dataDir, 'platforms.sqlite');
    const env = { HTTP_PORT: '0', GRPC_PORT: '0', HOST: '127.0.0.1', DB_URL: database, SEED_DATA: 'false', COMMANDS_SYNC_ENABLED: 'false', LOG_LEVEL: 'info' };
    const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await eventually(() => output.includes('"platform-service started"') || child.exitCode !== null);
    const restUrl = /"restUrl":"([^"]+)"/.exec(output)?.[1] ?? '';

    let signalled = false;
    const outcomes: Outcome[] = [];
    const run = async (client: number): Promise<void> => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        for (let n = 0; ; n++) {
          const outcome = await create(restUrl, agent, `client ${client} #${n}`, () => signalled);
          outcomes.push(outcome);
          if (outcome.kind !== 'answered') return;
        }
      } finally {
        agent.destroy();
      }
    };
    const running = Array.from({ length: clients }, (_, client) => run(client));
    await eventually(() => outcomes.length >= 200);
    signalled = true;
    child.kill('SIGTERM');
    await Promise.all(running);

    expect(await exited).toBe(0);
    const lost = outcomes.filter((outcome) => outcome.kind === 'lost');
    const answered = outcomes.filter((outcome) => outcome.kind === 'answered');
    expect(lost).toEqual([]);
    // Every client ends on a refused new connection, after the server closed its old one.
    expect(outcomes.filter((outcome) => outcome.kind === 'refused')).toHaveLength(clients);
    // Requests were in flight when the signal came, and were answered.
    expect(answered.some((outcome) => outcome.afterSignal)).toBe(true);
    expect(answered.filter((outcome) => outcome.status !== 201)).toEqual([]);
    const db = new DatabaseSync(database, { readOnly: true });
    try {
      expect(db.prepare('select count(*) as n from platforms').get()).toEqual({ n: answered.length });
    } finally {
      db.close();
    }
    console.info(`drain under load: ${answered.length} answered (${answered.filter((o) => o.afterSignal).length} after SIGTERM), 0 lost, ${clients} refused new connections`);
  });
});
