import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logging/index.ts';
import { onShutdown } from './on-shutdown.ts';

const fixture = fileURLToPath(new URL('./shutdown-child.fixture.ts', import.meta.url));

/** Starts the fixture, sends `signal` once it is ready, resolves with exit code and the log lines. */
function runChild(mode: string, signal: NodeJS.Signals): Promise<{ code: number | null; lines: Record<string, unknown>[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const wasReady = output.includes('ready\n');
      output += chunk;
      if (!wasReady && output.includes('ready\n')) child.kill(signal);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
      resolve({ code, lines });
    });
  });
}

function silentLogger(): ReturnType<typeof createLogger> {
  return createLogger({ name: 'test', destination: new Writable({ write: (_chunk, _encoding, done) => done() }) });
}

describe('onShutdown in a child process', () => {
  it('runs-steps-in-order-on-sigterm-and-exits-0', async () => {
    const { code, lines } = await runChild('clean', 'SIGTERM');
    expect(code).toBe(0);
    expect(lines.filter((line) => line.msg === 'shutdown step done').map((line) => line.step)).toEqual(['stop-accepting', 'drain', 'close-database']);
    expect(lines.at(0)).toMatchObject({ msg: 'shutting down', reason: 'SIGTERM' });
  });

  it('handles-sigint-the-same-way', async () => {
    const { code } = await runChild('clean', 'SIGINT');
    expect(code).toBe(0);
  });

  it('runs-later-steps-after-a-failure-and-exits-1', async () => {
    const { code, lines } = await runChild('failing', 'SIGTERM');
    expect(code).toBe(1);
    expect(lines.find((line) => line.msg === 'shutdown step failed')).toMatchObject({ step: 'drain', err: { message: 'drain failed' } });
    expect(lines.some((line) => line.msg === 'shutdown step done' && line.step === 'close-database')).toBe(true);
  });

  it('exits-1-naming-the-step-that-did-not-finish-in-time', async () => {
    const { code, lines } = await runChild('hanging', 'SIGTERM');
    expect(code).toBe(1);
    expect(lines.find((line) => line.msg === 'shutdown timed out')).toMatchObject({ step: 'drain', timeout: 200 });
  });
});

describe('onShutdown in process', () => {
  it('runs-the-steps-only-once-however-often-triggered', async () => {
    const codes: number[] = [];
    let closed = 0;
    const shutdown = onShutdown(['SIGUSR2'], [{ name: 'count', close: async () => void closed++ }], { logger: silentLogger(), exit: (code) => void codes.push(code) });
    try {
      const [first, second] = await Promise.all([shutdown.run('fatal error'), shutdown.run('again')]);
      expect([first, second, closed, codes]).toEqual([0, 0, 1, [0]]);
    } finally {
      shutdown.dispose();
    }
  });

  it('removes-its-signal-listeners-on-dispose', () => {
    const before = process.listenerCount('SIGUSR2');
    const shutdown = onShutdown(['SIGUSR2'], [], { logger: silentLogger(), exit: () => {} });
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
    shutdown.dispose();
    expect(process.listenerCount('SIGUSR2')).toBe(before);
  });

  it('rejects-bad-options', () => {
    expect(() => onShutdown([], [], { logger: silentLogger() })).toThrow('cannot handle shutdown: no signals given');
    expect(() => onShutdown(['SIGTERM'], [], { logger: silentLogger(), timeout: -1 })).toThrow(/timeout must be a positive integer/);
    expect(() => onShutdown(['SIGTERM'], [{ name: '', close: async () => {} }], { logger: silentLogger() })).toThrow(/every step needs a name/);
  });
});
