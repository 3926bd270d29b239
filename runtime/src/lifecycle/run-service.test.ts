import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runEntry } from './testing.ts';

const fixture = fileURLToPath(new URL('./run-service.fixture.ts', import.meta.url));

/** Runs the fixture in `mode` until it exits; resolves with its code and JSON lines. */
async function run(mode: string): Promise<{ code: number | null; lines: Record<string, unknown>[] }> {
  const child = runEntry(fixture, { cwd: process.cwd(), env: process.env, args: [mode] });
  const code = await child.exited;
  return { code, lines: child.lines() };
}

describe('runService', () => {
  it.each([
    { mode: 'fatal', what: 'uncaught exception', message: 'boom' },
    { mode: 'rejection', what: 'unhandled rejection', message: 'forgotten' },
  ])('logs-an-$what-in-one-line-stops-in-order-and-exits-1', async ({ mode, what, message }) => {
    const { code, lines } = await run(mode);
    expect(code).toBe(1);
    expect(lines.filter((line) => line.level === 'fatal')).toEqual([expect.objectContaining({ msg: what, err: expect.objectContaining({ message }) })]);
    const messages = lines.map((line) => line.msg);
    expect(messages.slice(messages.indexOf('shutting down'))).toEqual(['shutting down', 'fixture stopping', 'database closed', 'fixture stopped', 'shutdown step done', 'shutdown complete']);
  });

  it('logs-a-failed-start-in-one-line-naming-the-piece-releases-what-started-and-exits-1', async () => {
    const { code, lines } = await run('start-fails');
    expect(code).toBe(1);
    expect(lines.filter((line) => line.level === 'fatal')).toEqual([expect.objectContaining({ msg: 'cannot start fixture', piece: 'timer', reason: 'no timer left' })]);
    expect(lines.some((line) => line.msg === 'database closed')).toBe(true);
  });

  it('stops-in-order-and-exits-0-on-a-signal-during-the-start', async () => {
    const child = runEntry(fixture, { cwd: process.cwd(), env: process.env, args: ['slow-start'] });
    await child.line('timer starting');
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    expect(child.lines().filter((line) => line.level === 'fatal')).toEqual([]);
    expect(child.lines().some((line) => line.msg === 'database closed')).toBe(true);
  });

  it('refuses-a-bad-configuration-in-one-line-and-exits-1', async () => {
    const { code, lines } = await run('bad-config');
    expect(code).toBe(1);
    expect(lines).toEqual([expect.objectContaining({ level: 'fatal', service: 'fixture', msg: 'cannot start: invalid configuration: PORT must be a port' })]);
  });
});
