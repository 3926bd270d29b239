/**
 * The span processor of the OTLP/protobuf exporter: the SDK's `BatchSpanProcessor` contract
 * (batches of at most `maxExportBatchSize` spans, sent when full or `scheduledDelayMillis` after the
 * first span of a batch; at most `maxQueueSize` spans waiting, the rest dropped and counted; one
 * export at a time, given up after `exportTimeoutMillis`; `forceFlush` and `shutdown` send everything
 * waiting), with each span encoded into
 * its batch's protobuf bytes as it ends (otlp-span-batch.ts) instead of kept until the batch goes.
 * A span then dies young, and the batch is one buffer, not hundreds of objects for the garbage
 * collector to promote and mark (issue 18: tracing's GET line).
 *
 * The bytes go through the stock OTLP/HTTP export delegate (tracing-sdk.ts): its transport, retries,
 * timeout, headers and compression stay the library's.
 */
import { TraceFlags, context, diag } from '@opentelemetry/api';
import { ExportResultCode, globalErrorHandler, suppressTracing } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AppError, errorCodes } from '../errors/index.ts';
import { SpanBatch } from './otlp-span-batch.ts';
import { spanBatchDefaults, spanBatchLimits } from './span-batch-defaults.ts';

/** Where a sealed batch's `ExportTraceServiceRequest` goes: an `OTLPExporterBase<Uint8Array>`. */
export interface SpanRequestExporter {
  export(request: Uint8Array, done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

/** The batching policy: OTEL_BSP_* (the OpenTelemetry specification's names; defaults in span-batch-defaults.ts). */
export interface SpanBatchOptions {
  /** Longest a finished span waits for its batch to fill before the batch is sent, in ms, at most 2^31 - 1 (OTEL_BSP_SCHEDULE_DELAY). Default 5000. */
  readonly scheduledDelayMillis?: number;
  /**
   * Longest one export may take, the exporter's retries included, in ms, at most 2^31 - 1
   * (OTEL_BSP_EXPORT_TIMEOUT). Past it the batch counts as failed (reported, its spans no longer
   * waiting) and the next batch goes; a late answer is ignored. Default 30000.
   */
  readonly exportTimeoutMillis?: number;
  /** Most spans waiting to be sent; spans past it are dropped (OTEL_BSP_MAX_QUEUE_SIZE). Default 2048. */
  readonly maxQueueSize?: number;
  /** Most spans in one export request (OTEL_BSP_MAX_EXPORT_BATCH_SIZE), at most `maxQueueSize`. Default 512. */
  readonly maxExportBatchSize?: number;
}

/** A span processor encoding spans into OTLP protobuf batches as they end, sending each batch to `exporter`. */
export function createSpanBatchProcessor(exporter: SpanRequestExporter, options: SpanBatchOptions = {}): SpanProcessor {
  const delay = options.scheduledDelayMillis ?? spanBatchDefaults.scheduledDelayMillis;
  const exportTimeout = options.exportTimeoutMillis ?? spanBatchDefaults.exportTimeoutMillis;
  const maxQueueSize = options.maxQueueSize ?? spanBatchDefaults.maxQueueSize;
  const maxBatch = Math.min(options.maxExportBatchSize ?? spanBatchDefaults.maxExportBatchSize, maxQueueSize);
  const smallest = [['scheduledDelayMillis', delay, 0], ['exportTimeoutMillis', exportTimeout, 1], ['maxQueueSize', maxQueueSize, 1], ['maxExportBatchSize', maxBatch, 1]] as const;
  for (const [name, value, min] of smallest) {
    if (!Number.isSafeInteger(value) || value < min) {
      throw new AppError(errorCodes.invalidArgument, `cannot batch spans: ${name} must be a whole number${min > 0 ? ' above 0' : ''}, got ${value}`);
    }
  }
  // A longer timer would fire at once.
  for (const [name, value] of [['scheduledDelayMillis', delay], ['exportTimeoutMillis', exportTimeout]] as const) {
    if (value > spanBatchLimits.maxTimerMillis) {
      throw new AppError(errorCodes.invalidArgument, `cannot batch spans: ${name} must be at most ${spanBatchLimits.maxTimerMillis}, got ${value}`);
    }
  }

  let open = new SpanBatch();
  const sealed: SpanBatch[] = [];
  /** Spans in `open` and `sealed` and in the export under way. */
  let waiting = 0;
  let dropped = 0;
  let exporting: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const seal = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (open.count === 0) return;
    sealed.push(open);
    open = new SpanBatch();
  };

  const send = (batch: SpanBatch): Promise<void> =>
    new Promise<void>((resolve) => {
      let answered = false;
      const done = (result: ExportResult): void => {
        // Once: the deadline's verdict or the exporter's, whichever comes first.
        if (answered) return;
        answered = true;
        clearTimeout(deadline);
        waiting -= batch.count;
        if (result.code !== ExportResultCode.SUCCESS) globalErrorHandler(result.error ?? new Error(`cannot export ${batch.count} spans`));
        resolve();
      };
      const deadline = setTimeout(() => {
        done({ code: ExportResultCode.FAILED, error: new Error(`cannot export ${batch.count} spans: no answer within ${exportTimeout} ms (OTEL_BSP_EXPORT_TIMEOUT)`) });
      }, exportTimeout);
      // The exporter's own HTTP request is not traced.
      context.with(suppressTracing(context.active()), () => {
        try {
          exporter.export(batch.encode(), done);
        } catch (error) {
          done({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
        }
      });
    });

  /** Starts exporting the oldest sealed batch unless an export is under way; each export starts the next. */
  const next = (): void => {
    if (exporting !== undefined) return;
    const batch = sealed.shift();
    if (batch === undefined) return;
    const pending = batch.resources.filter((resource) => resource.asyncAttributesPending === true && resource.waitForAsyncAttributes !== undefined);
    const sent = pending.length === 0 ? send(batch) : Promise.all(pending.map((resource) => resource.waitForAsyncAttributes?.())).then(() => send(batch));
    exporting = sent.then(
      () => {
        exporting = undefined;
        next();
      },
      (error: unknown) => {
        waiting -= batch.count;
        exporting = undefined;
        globalErrorHandler(error instanceof Error ? error : new Error(String(error)));
        next();
      },
    );
  };

  const onTimer = (): void => {
    timer = undefined;
    seal();
    next();
  };

  /** Seals the open batch and resolves once every sealed batch has been exported (each export starts the next). */
  const flush = async (): Promise<void> => {
    seal();
    next();
    for (let current = exporting; current !== undefined; current = exporting) await current;
  };

  return {
    onStart() {},
    onEnd(span: ReadableSpan) {
      if (closed || (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
      if (waiting >= maxQueueSize) {
        dropped += 1;
        return;
      }
      if (dropped > 0) {
        diag.warn(`dropped ${dropped} spans: ${maxQueueSize} were waiting to be exported (OTEL_BSP_MAX_QUEUE_SIZE)`);
        dropped = 0;
      }
      try {
        open.add(span);
      } catch (error) {
        // Never on the caller's path: ending a span must not fail the request or message it belongs to.
        globalErrorHandler(new Error(`cannot export span ${JSON.stringify(span.name)}: ${error instanceof Error ? error.message : String(error)}`));
        return;
      }
      waiting += 1;
      if (open.count >= maxBatch) {
        seal();
        next();
      } else if (timer === undefined) {
        timer = setTimeout(onTimer, delay);
        timer.unref();
      }
    },
    forceFlush: flush,
    async shutdown() {
      if (closed) return;
      closed = true;
      await flush();
      await exporter.shutdown();
    },
  };
}
