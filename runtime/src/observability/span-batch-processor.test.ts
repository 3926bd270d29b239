import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { ExportResultCode, setGlobalErrorHandler } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { BasicTracerProvider, SamplingDecision } from '@opentelemetry/sdk-trace-base';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { createSpanBatchProcessor } from './span-batch-processor.ts';
import type { SpanBatchOptions, SpanRequestExporter } from './span-batch-processor.ts';

const requestType = (createRequire(import.meta.url)('@opentelemetry/otlp-transformer/build/src/generated/root.js') as {
  opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: { decode(bytes: Uint8Array): { resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[] } } } } } } };
}).opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/** The span names of an export request, in order. */
const namesIn = (request: Uint8Array): string[] => requestType.decode(request).resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans.map((span) => span.name)));

/** An exporter that keeps each request and answers it at once, or (`hold`) when told. */
function holdingExporter(mode: 'answer' | 'hold' = 'answer') {
  const requests: string[][] = [];
  const answers: ((result: ExportResult) => void)[] = [];
  let shutdowns = 0;
  const exporter: SpanRequestExporter = {
    export(request, done) {
      requests.push(namesIn(request));
      if (mode === 'hold') answers.push(done);
      else done({ code: ExportResultCode.SUCCESS });
    },
    async shutdown() {
      shutdowns += 1;
    },
  };
  return { exporter, requests, answer: (result: ExportResult = { code: ExportResultCode.SUCCESS }) => answers.shift()?.(result), shutdowns: () => shutdowns };
}

const providers: BasicTracerProvider[] = [];
afterEach(async () => {
  await Promise.all(providers.splice(0).map((provider) => provider.shutdown()));
  setGlobalErrorHandler(() => undefined);
  diag.disable();
});

function tracerWith(processor: SpanProcessor, recordOnly = false) {
  const sampler = { shouldSample: () => ({ decision: recordOnly ? SamplingDecision.RECORD : SamplingDecision.RECORD_AND_SAMPLED }), toString: () => 'test' };
  const provider = new BasicTracerProvider({ spanProcessors: [processor], sampler });
  providers.push(provider);
  const tracer = provider.getTracer('test');
  return { end: (...names: string[]) => names.forEach((name) => tracer.startSpan(name).end()) };
}

const processorWith = (exporter: SpanRequestExporter, options: SpanBatchOptions) => createSpanBatchProcessor(exporter, options);

describe('span batch processor', () => {
  it('sends a batch as soon as it holds maxExportBatchSize spans', () => {
    const { exporter, requests } = holdingExporter();
    const spans = tracerWith(processorWith(exporter, { maxExportBatchSize: 3, scheduledDelayMillis: 60_000 }));
    spans.end('a', 'b');
    expect(requests).toEqual([]);
    spans.end('c', 'd');
    expect(requests).toEqual([['a', 'b', 'c']]);
  });

  it('sends a batch that did not fill scheduledDelayMillis after its first span', async () => {
    const { exporter, requests } = holdingExporter();
    const spans = tracerWith(processorWith(exporter, { scheduledDelayMillis: 30 }));
    spans.end('a', 'b');
    expect(requests).toEqual([]);
    await sleep(120);
    expect(requests).toEqual([['a', 'b']]);
    spans.end('c');
    await sleep(120);
    expect(requests).toEqual([['a', 'b'], ['c']]);
  });

  it('exports one batch at a time, in order, and drops spans past maxQueueSize', async () => {
    const warnings: string[] = [];
    diag.setLogger({ error: () => undefined, warn: (message) => warnings.push(message), info: () => undefined, debug: () => undefined, verbose: () => undefined }, DiagLogLevel.WARN);
    const { exporter, requests, answer } = holdingExporter('hold');
    const processor = processorWith(exporter, { maxExportBatchSize: 2, maxQueueSize: 5, scheduledDelayMillis: 60_000 });
    const spans = tracerWith(processor);
    spans.end('a', 'b', 'c', 'd', 'e', 'f', 'g');
    // a+b are being sent; c+d wait sealed; e waits open; f and g are past the 5 waiting.
    expect(requests).toEqual([['a', 'b']]);
    answer();
    await sleep(0);
    expect(requests).toEqual([['a', 'b'], ['c', 'd']]);
    spans.end('h');
    answer();
    const flushed = processor.forceFlush();
    await sleep(0);
    answer();
    await flushed;
    expect(requests).toEqual([['a', 'b'], ['c', 'd'], ['e', 'h']]);
    // Said when the queue takes spans again.
    expect(warnings).toEqual(['dropped 2 spans: 5 were waiting to be exported (OTEL_BSP_MAX_QUEUE_SIZE)']);
  });

  it('reports a failed export and goes on with the next batch', async () => {
    const errors: unknown[] = [];
    setGlobalErrorHandler((error) => errors.push(error));
    const { exporter, requests, answer } = holdingExporter('hold');
    const processor = processorWith(exporter, { maxExportBatchSize: 1, scheduledDelayMillis: 60_000 });
    tracerWith(processor).end('a', 'b');
    answer({ code: ExportResultCode.FAILED, error: new Error('collector said 400') });
    await sleep(0);
    expect(errors).toEqual([new Error('collector said 400')]);
    expect(requests).toEqual([['a'], ['b']]);
    answer();
    await processor.forceFlush();
  });

  it('gives up an export that does not answer within exportTimeoutMillis, reports it, and sends the next batch', async () => {
    const errors: unknown[] = [];
    setGlobalErrorHandler((error) => errors.push(error));
    const { exporter, requests, answer } = holdingExporter('hold');
    const processor = processorWith(exporter, { maxExportBatchSize: 2, maxQueueSize: 2, exportTimeoutMillis: 40, scheduledDelayMillis: 60_000 });
    const spans = tracerWith(processor);
    spans.end('a', 'b', 'dropped: a and b wait');
    await sleep(120);
    expect(errors.map(String)).toEqual(['Error: cannot export 2 spans: no answer within 40 ms (OTEL_BSP_EXPORT_TIMEOUT)']);
    // a and b no longer wait: the queue takes two more, which go at once.
    spans.end('c', 'd');
    expect(requests).toEqual([['a', 'b'], ['c', 'd']]);
    // The late answer for a+b counts nothing twice: c+d still fill the queue until their own answer.
    answer();
    spans.end('dropped: c and d wait');
    answer();
    spans.end('e');
    const flushed = processor.forceFlush();
    await sleep(0);
    answer();
    await flushed;
    expect(requests).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(errors).toHaveLength(1);
  });

  it('counts a span as waiting until its export answers, failed or not', async () => {
    const { exporter, requests, answer } = holdingExporter('hold');
    const processor = processorWith(exporter, { maxExportBatchSize: 1, maxQueueSize: 1, scheduledDelayMillis: 60_000 });
    const spans = tracerWith(processor);
    spans.end('a', 'dropped while a is under way');
    answer({ code: ExportResultCode.FAILED });
    await sleep(0);
    spans.end('b');
    answer();
    await processor.forceFlush();
    expect(requests).toEqual([['a'], ['b']]);
  });

  it('reports a span it cannot encode instead of failing the code that ends it, and exports the others', async () => {
    const errors: unknown[] = [];
    setGlobalErrorHandler((error) => errors.push(error));
    const { exporter, requests } = holdingExporter();
    const processor = processorWith(exporter, { scheduledDelayMillis: 60_000 });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    providers.push(provider);
    const tracer = provider.getTracer('test');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad = tracer.startSpan('cyclic link');
    bad.addLink({ context: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 }, attributes: cyclic as never });
    expect(() => bad.end()).not.toThrow();
    tracer.startSpan('fine').end();
    await processor.forceFlush();
    expect(requests).toEqual([['fine']]);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/cannot export span "cyclic link": Maximum call stack size exceeded/);
  });

  it('leaves out spans recorded but not sampled', async () => {
    const { exporter, requests } = holdingExporter();
    const processor = processorWith(exporter, {});
    tracerWith(processor, true).end('recorded only');
    await processor.forceFlush();
    expect(requests).toEqual([]);
  });

  it('flushes what waits on shutdown, shuts the exporter down once, then takes no more spans', async () => {
    const { exporter, requests, shutdowns } = holdingExporter();
    const processor = processorWith(exporter, { scheduledDelayMillis: 60_000 });
    const spans = tracerWith(processor);
    spans.end('a');
    await processor.shutdown();
    await processor.shutdown();
    spans.end('after');
    await processor.forceFlush();
    expect(requests).toEqual([['a']]);
    expect(shutdowns()).toBe(1);
  });

  it('refuses a policy it cannot follow, naming the setting', () => {
    const { exporter } = holdingExporter();
    expect(() => processorWith(exporter, { maxQueueSize: 0 })).toThrow(/cannot batch spans: maxQueueSize must be a whole number above 0, got 0/);
    expect(() => processorWith(exporter, { scheduledDelayMillis: -1 })).toThrow(/cannot batch spans: scheduledDelayMillis must be a whole number, got -1/);
    expect(() => processorWith(exporter, { maxExportBatchSize: 1.5 })).toThrow(/maxExportBatchSize/);
    expect(() => processorWith(exporter, { scheduledDelayMillis: 2 ** 31 })).toThrow(/cannot batch spans: scheduledDelayMillis must be at most 2147483647, got 2147483648/);
    expect(() => processorWith(exporter, { exportTimeoutMillis: 0 })).toThrow(/cannot batch spans: exportTimeoutMillis must be a whole number above 0, got 0/);
    expect(() => processorWith(exporter, { exportTimeoutMillis: 2 ** 31 })).toThrow(/cannot batch spans: exportTimeoutMillis must be at most 2147483647, got 2147483648/);
  });
});
