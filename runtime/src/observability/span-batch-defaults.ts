/** The OpenTelemetry specification's defaults for batching spans (OTEL_BSP_*), apart from the SDK so that settings can name them without loading it. */
export const spanBatchDefaults = { scheduledDelayMillis: 5000, maxQueueSize: 2048, maxExportBatchSize: 512 } as const;
