/**
 * End-to-end observability: the platform as `npm start` runs it (events over the local RabbitMQ),
 * scraped by a real Prometheus (Debian's `prometheus` package: the binary run here with a config,
 * a port and a storage folder of the test's own) and traced into an OTLP receiver in the test.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteBrokerObjects, localBrokerUrl, uniqueBrokerNames } from './broker.ts';
import { freePort, startPlatform } from './platform-process.ts';
import type { RunningPlatform } from './platform-process.ts';

const broker = uniqueBrokerNames();
const brokerEnv = { AMQP_URL: localBrokerUrl, AMQP_EXCHANGE: broker.exchange, AMQP_QUEUE: broker.queue };

/** Polls `probe` until it returns a value (not undefined) or `deadlineMs` passes; then fails with `what`. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, deadlineMs = 30_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function createPlatform(gatewayUrl: string, name: string, headers: Record<string, string> = {}): Promise<{ id: number }> {
  const answer = await fetch(`${gatewayUrl}/api/platforms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ name, publisher: 'Observers Inc.', cost: 'Free' }),
  });
  expect(answer.status).toBe(201);
  return (await answer.json()) as { id: number };
}

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'e2e-observability-'));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
  await deleteBrokerObjects(broker);
});

describe('metrics, as Prometheus scrapes them', () => {
  let platform: RunningPlatform;
  let prometheus: ChildProcess | undefined;
  let prometheusUrl: string;
  const parts = () => ({ gateway: platform.gatewayUrl, 'platform-service': platform.platformRestUrl, 'commands-service': platform.commandsRestUrl });

  beforeAll(async () => {
    for (const tool of ['prometheus', 'promtool']) {
      if (spawnSync(tool, ['--version']).error !== undefined) throw new Error(`cannot run ${tool}: install Debian's package (apt-get install -y prometheus)`);
    }
    platform = await startPlatform({ ...brokerEnv, DATA_DIR: join(dataDir, 'metrics') });
    const folder = join(dataDir, 'prometheus');
    const port = await freePort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    const targets = Object.entries(parts()).map(([part, url]) => `  - job_name: ${part}\n    static_configs:\n      - targets: ['${new URL(url).host}']`);
    await writeFile(join(dataDir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n${targets.join('\n')}\n`);
    prometheus = spawn('prometheus', [`--config.file=${join(dataDir, 'prometheus.yml')}`, `--storage.tsdb.path=${folder}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: 'ignore' });
  }, 90_000);

  afterAll(async () => {
    prometheus?.kill('SIGTERM');
    await platform?.stop();
  }, 60_000);

  it('every part answers /metrics in a text format promtool accepts', async () => {
    for (const [part, url] of Object.entries(parts())) {
      const answer = await fetch(`${url}/metrics`);
      expect(`${part} ${answer.status}`).toBe(`${part} 200`);
      expect(answer.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await answer.text();
      expect(text).toContain(`part="${part}"`);
      expect(text).toContain('process_cpu_seconds_total');
      expect(text).toContain('nodejs_eventloop_lag_seconds');
      const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(`${part}: exit ${check.status} ${check.stdout}${check.stderr}`).toBe(`${part}: exit 0 `);
    }
  }, 30_000);

  it('a PromQL query sees a create counted in platform-service and its event counted in commands-service', async () => {
    const query = async (promql: string): Promise<number | undefined> => {
      const answer = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await answer.json()) as { data?: { result?: { value: [number, string] }[] } };
      const sample = body.data?.result?.[0];
      return sample === undefined ? undefined : Number(sample.value[1]);
    };
    const creates = 'sum(http_server_request_duration_seconds_count{job="platform-service",operation="createPlatform",status="201"}) or vector(0)';
    const published = 'sum(events_published_total{job="platform-service",type="platform.published"}) or vector(0)';
    const delivered = 'sum(events_deliveries_total{job="commands-service",type="platform.published"}) or vector(0)';
    // Every target scraped, and the seeds' three events out of the outbox (published before
    // commands-service bound its new queue, they may reach no queue), before the create.
    await eventually('all three targets up', async () => ((await query('sum(up)')) === 3 ? true : undefined));
    await eventually('the seeds published', async () =>
      ((await query(published)) ?? 0) >= 3 && (await query('sum(outbox_pending_events{job="platform-service"})')) === 0 ? true : undefined,
    );
    const publishedBefore = (await query(published)) ?? 0;
    const deliveredBefore = (await query(delivered)) ?? 0;
    const createsBefore = (await query(creates)) ?? 0;
    await createPlatform(platform.gatewayUrl, 'Prometheus');
    await eventually('the create counted', async () => ((await query(creates)) === createsBefore + 1 ? true : undefined));
    await eventually('its event published with a confirm', async () => ((await query(published)) === publishedBefore + 1 ? true : undefined));
    await eventually('its event delivered to commands-service', async () => ((await query(delivered)) === deliveredBefore + 1 ? true : undefined));
    // A scrape may fall between the broker's confirm and the row marked sent: the next one sees it.
    await eventually('the outbox empty', async () => ((await query('sum(outbox_pending_events{job="platform-service"})')) === 0 ? true : undefined));
    expect(await query('readiness_check_ok{job="commands-service",check="startup-sync"}')).toBe(1);
    expect(await query('sum(rpc_server_duration_seconds_count{job="platform-service",rpc_method="StreamPlatforms",rpc_code="ok"})')).toBeGreaterThanOrEqual(1);
  }, 90_000);
});

interface ExportedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
}

/** An export request as both OTLP/HTTP encodings carry it (ids as hex in JSON, as bytes in protobuf). */
interface ExportRequest {
  readonly resourceSpans: readonly {
    readonly resource: { readonly attributes: readonly { readonly key: string; readonly value: { readonly stringValue?: string } }[] };
    readonly scopeSpans: readonly { readonly spans: readonly { traceId: string | Uint8Array; spanId: string | Uint8Array; parentSpanId?: string | Uint8Array | null; name: string; kind: number }[] }[];
  }[];
}

/** OTLP's protobuf messages, as the exporter's own package defines them (a collector's view of the bytes). */
const otlpProto = (createRequire(import.meta.url)('@opentelemetry/otlp-transformer/build/src/generated/root.js') as {
  opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: { decode(bytes: Uint8Array): ExportRequest } } } } } };
}).opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/** An id as hex; an absent id (undefined in JSON, null or empty bytes in protobuf) as ''. */
const hexOf = (id: string | Uint8Array | null | undefined): string => (id === undefined || id === null ? '' : typeof id === 'string' ? id : Buffer.from(id).toString('hex'));

/** An OTLP/HTTP trace receiver, protobuf or JSON by the request's content type: what the exporter would send a collector. */
async function startReceiver(): Promise<{ url: string; spans: ExportedSpan[]; contentTypes: Set<string>; server: Server }> {
  const spans: ExportedSpan[] = [];
  const contentTypes = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const contentType = req.headers['content-type'] ?? '';
        contentTypes.add(contentType);
        const bytes = Buffer.concat(chunks);
        const body = contentType === 'application/x-protobuf' ? otlpProto.decode(bytes) : (JSON.parse(bytes.toString('utf8')) as ExportRequest);
        for (const resource of body.resourceSpans) {
          const service = resource.resource.attributes.find((attribute) => attribute.key === 'service.name')?.value.stringValue ?? '';
          for (const scope of resource.scopeSpans) {
            for (const span of scope.spans) spans.push({ service, traceId: hexOf(span.traceId), spanId: hexOf(span.spanId), parentSpanId: hexOf(span.parentSpanId), name: span.name, kind: span.kind });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, contentTypes, server };
}

describe('traces, as an OTLP collector receives them', () => {
  let platform: RunningPlatform;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    platform = await startPlatform({ ...brokerEnv, DATA_DIR: join(dataDir, 'traces'), OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '200' });
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
    await new Promise((resolve) => receiver?.server.close(resolve));
  }, 60_000);

  it('one create is one trace: gateway, platform-service and its database write, the relay publish, commands-service handling and its database write', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    await createPlatform(platform.gatewayUrl, 'Jaeger', { traceparent: `00-${traceId}-${callerSpanId}-01` });
    const trace = () => receiver.spans.filter((span) => span.traceId === traceId);
    const find = (service: string, name: RegExp) => trace().find((span) => span.service === service && name.test(span.name));
    const byId = () => new Map(trace().map((span) => [span.spanId, span]));
    /** The span's ancestors up to the caller's span, as `service name` strings. */
    const ancestry = (span: ExportedSpan): string[] => {
      const chain: string[] = [];
      for (let current: ExportedSpan | undefined = span; current !== undefined; current = byId().get(current.parentSpanId)) {
        chain.push(`${current.service} ${current.name}`);
        if (current.parentSpanId === callerSpanId) return chain;
      }
      return [...chain, 'BROKEN'];
    };
    const consumerWrite = await eventually('the consumer database write exported', async () => {
      const consumer = find('commands-service', /process$/);
      return consumer === undefined ? undefined : trace().find((span) => span.service === 'commands-service' && span.parentSpanId === consumer.spanId && /^db (insert|update)/.test(span.name));
    });
    // Spans arrive in batches per part: wait until every link up to the caller's span is in.
    const chain = await eventually('the whole chain exported', async () => {
      const links = ancestry(consumerWrite);
      return links.at(-1) === 'BROKEN' ? undefined : links;
    });
    expect(chain.map((link) => link.replace(/ .*/, ''))).toEqual(['commands-service', 'commands-service', 'platform-service', 'platform-service', 'gateway']);
    expect(chain).toEqual([
      expect.stringMatching(/^commands-service db (insert|update)/),
      expect.stringMatching(/ process$/),
      expect.stringMatching(/^platform-service platform\.published publish$/),
      'platform-service POST createPlatform',
      'gateway POST platform-service',
    ]);
    const serverSpan = find('platform-service', /^POST createPlatform$/) as ExportedSpan;
    const platformWrite = trace().find((span) => span.service === 'platform-service' && span.parentSpanId === serverSpan.spanId && span.name.startsWith('db insert'));
    expect(platformWrite).toBeDefined();
    // Every span of the trace hangs off the caller's span, in one tree.
    await eventually('every span linked', async () => (trace().every((span) => ancestry(span).at(-1) !== 'BROKEN') ? true : undefined));
    // OTLP/HTTP protobuf unless OTEL_EXPORTER_OTLP_PROTOCOL says otherwise, as the specification's default.
    expect([...receiver.contentTypes]).toEqual(['application/x-protobuf']);
  }, 60_000);

  it("commands-service's start-up sync is a client span, and platform-service's StreamPlatforms server span is its child in the same trace", async () => {
    const rpc = 'platforms.v1.PlatformService/StreamPlatforms';
    // An attempt made before platform-service listened has a client span and no server span: find the one that got through.
    const [client, server] = await eventually('the sync client span and its server span exported', async () => {
      for (const call of receiver.spans.filter((span) => span.service === 'commands-service' && span.name === rpc)) {
        const served = receiver.spans.find((span) => span.service === 'platform-service' && span.name === rpc && span.parentSpanId === call.spanId);
        if (served !== undefined) return [call, served] as const;
      }
      return undefined;
    });
    expect(client.kind).toBe(3); // SPAN_KIND_CLIENT
    expect(server.kind).toBe(2); // SPAN_KIND_SERVER
    expect(server.traceId).toBe(client.traceId);
  }, 60_000);

  it('an RPC is a server span, and its access log line carries the request id and trace id', async () => {
    const traceId = randomBytes(16).toString('hex');
    // Connect over HTTP/1.1 through the gateway (Node's fetch speaks no HTTP/2), then gRPC-style on platform-service's listener.
    const answer = await fetch(`${platform.gatewayUrl}/platforms.v1.PlatformService/GetAllPlatforms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'rpc-observed-1', traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      body: '{}',
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-request-id')).toBe('rpc-observed-1');
    await eventually('the RPC span exported', async () => receiver.spans.find((span) => span.traceId === traceId && span.service === 'platform-service' && span.name === 'platforms.v1.PlatformService/GetAllPlatforms'));
    const line = await eventually('the RPC access log line', async () =>
      platform.output.map((text) => (text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {})).find((entry) => entry.msg === 'rpc completed' && entry.requestId === 'rpc-observed-1'),
    );
    expect(line).toMatchObject({ service: 'platform-service', traceId, rpc: 'platforms.v1.PlatformService/GetAllPlatforms', code: 'ok' });
  }, 60_000);
});
