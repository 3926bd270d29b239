/**
 * What a traced GET's two spans cost the SDK in isolation, in-process: the server span (started,
 * renamed, given its status attribute, ended) and a statement span under it, batched and exported
 * over OTLP/HTTP to a sink in the same process (its CPU included). `server-only` leaves the
 * statement span out. Compare with thread-cpu.ts, which measures the same on the running service.
 * `node bench/prototypes/span-micro.ts [full|server-only] [iterations=200000]`
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, context } from '@opentelemetry/api';
import { createTracerProvider } from '../../runtime/src/observability/tracing-sdk.ts';
import { startSpan } from '../../runtime/src/observability/tracing.ts';

const sink = createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}')); });
await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/v1/traces`;
const { tracer, flush } = createTracerProvider('micro', url, 'http/protobuf');
const mode = process.argv[2] ?? 'full';
const n = Number(process.argv[3] ?? 200_000);

function one(): void {
  const active = startSpan(tracer, 'GET', SpanKind.SERVER, undefined, { 'http.request.method': 'GET', 'url.path': '/api/platforms/42' });
  if (mode !== 'server-only') context.with(active.context, () => {
    const end = performance.timeOrigin + performance.now();
    const s = tracer.startSpan('db select', { kind: SpanKind.CLIENT, startTime: end - 0.05, attributes: { 'db.operation.name': 'select', 'db.query.summary': 'select platform' } });
    s.end(end);
  });
  active.span.updateName('GET getPlatformById');
  active.span.setAttribute('http.response.status_code', 200);
  active.span.end();
}
// warm
for (let i = 0; i < 20_000; i++) one();
await flush();
const c0 = process.cpuUsage();
let done = 0;
while (done < n) {
  for (let i = 0; i < 1000; i++) one();
  done += 1000;
  await new Promise((r) => setImmediate(r)); // let exports go
}
await flush();
const c = process.cpuUsage(c0);
console.log(`${mode}: ${((c.user + c.system) / n).toFixed(2)} µs CPU per request (incl. sink)`);
sink.close();
process.exit(0);
