import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logging/index.ts';
import { createService, failedPiece } from './service.ts';

function recordingLogger(): { logger: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ name: 'test', destination }), lines };
}

describe('createService', () => {
  it('starts-pieces-in-order-and-stops-them-in-reverse', async () => {
    const events: string[] = [];
    const piece = (name: string) => ({ name, start: () => void events.push(`start ${name}`), stop: () => void events.push(`stop ${name}`) });
    const service = createService({
      name: 'part',
      logger: recordingLogger().logger,
      async start(pieces) {
        for (const name of ['database', 'events', 'rest']) await pieces.start(piece(name));
        return { url: 'http://x' };
      },
    });
    expect(await service.start()).toEqual({ url: 'http://x' });
    await service.stop();
    expect(events).toEqual(['start database', 'start events', 'start rest', 'stop rest', 'stop events', 'stop database']);
  });

  it('stops-a-stop-group-concurrently', async () => {
    const events: string[] = [];
    let releaseRest: (() => void) | undefined;
    const service = createService({
      name: 'part',
      logger: recordingLogger().logger,
      async start(pieces) {
        await pieces.start({ name: 'database', start: () => {}, stop: () => void events.push('stop database') });
        await pieces.start({ name: 'rest', stopGroup: 'listeners', start: () => {}, stop: () => new Promise<void>((resolve) => (releaseRest = () => resolve(void events.push('stop rest')))) });
        await pieces.start({ name: 'grpc', stopGroup: 'listeners', start: () => {}, stop: () => void events.push('stop grpc') });
      },
    });
    await service.start();
    const stopped = service.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['stop grpc']);
    releaseRest?.();
    await stopped;
    expect(events).toEqual(['stop grpc', 'stop rest', 'stop database']);
  });

  it('releases-started-pieces-when-one-fails-and-names-it', async () => {
    const events: string[] = [];
    const { logger, lines } = recordingLogger();
    const failure = new Error('connect ECONNREFUSED');
    const service = createService({
      name: 'part',
      logger,
      async start(pieces) {
        await pieces.start({ name: 'database', start: () => 'orm', stop: (orm) => void events.push(`close ${orm}`) });
        await pieces.start({ name: 'events', start: () => Promise.reject(failure) });
        await pieces.start({ name: 'rest', start: () => void events.push('never') });
      },
    });
    await expect(service.start()).rejects.toBe(failure);
    expect(failedPiece(failure)).toBe('events');
    expect(events).toEqual(['close orm']);
    expect(lines.map((line) => line.msg)).toEqual(['part stopping', 'part stopped']);
    await service.stop();
    await expect(service.start()).rejects.toThrow('cannot start part: it was stopped');
  });

  it('logs-every-failed-stop-step-runs-the-rest-and-rejects-once', async () => {
    const events: string[] = [];
    const { logger, lines } = recordingLogger();
    const service = createService({
      name: 'part',
      logger,
      async start(pieces) {
        await pieces.start({ name: 'database', start: () => {}, stop: () => void events.push('stop database') });
        await pieces.start({ name: 'rest', start: () => {}, stop: () => Promise.reject(new Error('busy')) });
      },
    });
    await service.start();
    await expect(Promise.all([service.stop(), service.stop()])).rejects.toThrow('cannot stop part cleanly');
    expect(events).toEqual(['stop database']);
    expect(lines.find((line) => line.msg === 'part stop step failed')).toMatchObject({ step: 'rest', err: { message: 'busy' } });
  });

  it('refuses-a-second-start-and-stops-before-start-quietly', async () => {
    const service = createService({ name: 'part', logger: recordingLogger().logger, start: async () => undefined });
    await service.start();
    await expect(service.start()).rejects.toThrow('cannot start part: start() was already called');
    await service.stop();
    await expect(createService({ name: 'other', logger: recordingLogger().logger, start: async () => undefined }).stop()).resolves.toBeUndefined();
  });

  it('is-ready-only-between-start-and-stop', async () => {
    const service = createService({
      name: 'part',
      logger: recordingLogger().logger,
      async start(pieces) {
        pieces.readiness.register('database', async () => ({ ok: true }));
      },
    });
    expect(await service.readiness()).toMatchObject({ ok: false, checks: { service: { ok: false, detail: 'not started' } } });
    await service.start();
    expect(await service.readiness()).toEqual({ ok: true, draining: false, checks: { database: { ok: true } } });
    await service.stop();
    expect(await service.readiness()).toMatchObject({ ok: false, draining: true });
  });

  it('waits-for-a-start-in-progress-when-stopped-and-releases-what-it-opened', async () => {
    const events: string[] = [];
    let openEvents: (() => void) | undefined;
    const service = createService({
      name: 'part',
      logger: recordingLogger().logger,
      async start(pieces) {
        await pieces.start({ name: 'database', start: () => {}, stop: () => void events.push('stop database') });
        await pieces.start({ name: 'events', start: () => new Promise<void>((resolve) => (openEvents = resolve)), stop: () => void events.push('stop events') });
        await pieces.start({ name: 'rest', start: () => void events.push('start rest') });
      },
    });
    const starting = service.start();
    await new Promise((resolve) => setImmediate(resolve));
    const stopping = service.stop();
    openEvents?.();
    await expect(starting).rejects.toThrow(/cannot start part: it is stopping/);
    await stopping;
    expect(events).toEqual(['stop events', 'stop database']);
  });
});
