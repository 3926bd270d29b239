import { describe, expect, it } from 'vitest';
import { createPartMetrics } from './metrics.ts';

describe('createPartMetrics', () => {
  it('counts-requests-per-operation-method-and-status-with-the-part-label', async () => {
    const metrics = createPartMetrics('metrics-test-a');
    metrics.httpRequest('createPlatform', 'POST', 201, 0.004);
    metrics.httpRequest('createPlatform', 'POST', 201, 0.2);
    metrics.httpRequest('createPlatform', 'POST', 400, 0.001);
    const text = await metrics.registry.metrics();
    expect(text).toContain('http_server_request_duration_seconds_count{part="metrics-test-a",operation="createPlatform",method="POST",status="201"} 2');
    expect(text).toContain('http_server_request_duration_seconds_count{part="metrics-test-a",operation="createPlatform",method="POST",status="400"} 1');
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).not.toContain('nodejs_active_handles_total');
  });

  it('clamps-message-types-to-a-bounded-set', async () => {
    const metrics = createPartMetrics('metrics-test-b');
    for (let index = 0; index < 40; index++) metrics.delivery(`type.${index}`, false);
    metrics.delivery('not a type!', true);
    const text = await metrics.registry.metrics();
    expect(text).toContain('events_deliveries_total{type="type.31",part="metrics-test-b"} 1');
    expect(text).not.toContain('type="type.32"');
    expect(text).toContain('events_deliveries_total{type="other",part="metrics-test-b"} 9');
    expect(text).toContain('events_redeliveries_total{type="other",part="metrics-test-b"} 1');
  });

  it('reads-the-outbox-and-readiness-at-scrape-time', async () => {
    const metrics = createPartMetrics('metrics-test-c');
    metrics.observeOutbox(async () => ({ pending: 3, oldestAgeSeconds: 12.5 }));
    metrics.observeReadiness(async () => ({ checks: { database: { ok: true }, 'startup-sync': { ok: false } } }));
    const text = await metrics.registry.metrics();
    expect(text).toContain('outbox_pending_events{part="metrics-test-c"} 3');
    expect(text).toContain('outbox_oldest_pending_age_seconds{part="metrics-test-c"} 12.5');
    expect(text).toContain('readiness_check_ok{check="startup-sync",part="metrics-test-c"} 0');
    expect(text).toContain('readiness_check_ok{check="database",part="metrics-test-c"} 1');
  });
});
