import { describe, expect, it } from 'vitest';
import { createReadiness } from './readiness.ts';

describe('createReadiness', () => {
  it('is-ready-with-no-checks', async () => {
    expect(await createReadiness().report()).toEqual({ ok: true, draining: false, checks: {} });
  });

  it('reports-each-check-and-is-ready-only-when-all-are-ok', async () => {
    const readiness = createReadiness();
    readiness.register('database', async () => ({ ok: true }));
    readiness.register('rabbitmq', async () => ({ ok: false, detail: 'connection refused' }));
    expect(await readiness.report()).toEqual({
      ok: false,
      draining: false,
      checks: { database: { ok: true }, rabbitmq: { ok: false, detail: 'connection refused' } },
    });
  });

  it('counts-a-rejected-check-as-not-ready-with-its-message', async () => {
    const readiness = createReadiness();
    readiness.register('database', async () => {
      throw new Error('ECONNREFUSED 127.0.0.1:5432');
    });
    const report = await readiness.report();
    expect(report.ok).toBe(false);
    expect(report.checks.database).toEqual({ ok: false, detail: 'ECONNREFUSED 127.0.0.1:5432' });
  });

  it('counts-a-check-that-never-answers-as-not-ready', async () => {
    const readiness = createReadiness({ checkTimeout: 20 });
    readiness.register('stuck', () => new Promise(() => {}));
    const report = await readiness.report();
    expect(report.checks.stuck).toEqual({ ok: false, detail: 'no answer within 20 ms' });
  });

  it('follows-a-flag-such-as-startup-sync', async () => {
    const readiness = createReadiness();
    let synced = false;
    readiness.register('startup-sync', async () => (synced ? { ok: true } : { ok: false, detail: 'waiting for platform-service' }));
    expect((await readiness.report()).ok).toBe(false);
    synced = true;
    expect((await readiness.report()).ok).toBe(true);
  });

  it('is-not-ready-once-draining', async () => {
    const readiness = createReadiness();
    readiness.register('database', async () => ({ ok: true }));
    readiness.drain();
    expect(await readiness.report()).toEqual({ ok: false, draining: true, checks: { database: { ok: true } } });
  });

  it('removes-a-check-and-refuses-duplicate-names', async () => {
    const readiness = createReadiness();
    const remove = readiness.register('database', async () => ({ ok: false }));
    expect(() => readiness.register('database', async () => ({ ok: true }))).toThrow('cannot register readiness check "database": a check of that name exists');
    remove();
    expect(await readiness.report()).toEqual({ ok: true, draining: false, checks: {} });
  });

  it('rejects-a-bad-timeout', () => {
    expect(() => createReadiness({ checkTimeout: 0 })).toThrow(/checkTimeout must be a positive integer/);
  });
});
