export { createReadiness } from './readiness.ts';
export type { CheckResult, Readiness, ReadinessCheck, ReadinessOptions, ReadinessReport, ReadinessReporter } from './readiness.ts';
export { onShutdown } from './on-shutdown.ts';
export type { Shutdown, ShutdownOptions, ShutdownStep } from './on-shutdown.ts';
export { portInUse } from './port-in-use.ts';
export { createService, failedPiece } from './service.ts';
export type { Piece, Pieces, Service, ServiceOptions } from './service.ts';
export { runService } from './run-service.ts';
export type { RunServiceOptions, Runnable } from './run-service.ts';
