/** The OpenTelemetry specification's defaults for batching spans (OTEL_BSP_*), apart from the SDK so that settings can name them without loading it. */
export const spanBatchDefaults = { scheduledDelayMillis: 5000, exportTimeoutMillis: 30_000, maxQueueSize: 2048, maxExportBatchSize: 512 } as const;

/** The longest delay a timer can hold (2^31 - 1 ms; a longer one fires at once): the most a schedule delay or an export timeout may be. */
export const spanBatchLimits = { maxTimerMillis: 2 ** 31 - 1 } as const;
