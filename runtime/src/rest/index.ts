export { accessLog } from './access-log.ts';
export { createRestServer } from './create-rest-server.ts';
export { exchangeRecording, recordExchange } from './exchange-recording.ts';
export { exchangeObserver } from './exchange-observer.ts';
export type { ExchangeRecordingOptions } from './exchange-recording.ts';
export type { RestServer, RestServerOptions } from './create-rest-server.ts';
export { healthPaths, healthRoutes } from './health.ts';
export { mediaTypes } from './media-types.ts';
export { series } from './pipeline.ts';
export { problem, sendProblem } from './problem.ts';
export { requestId } from './request-id.ts';
export { requestPath, requestState } from './request-state.ts';
export { hasBody } from './request-body.ts';
export type { RequestState } from './request-state.ts';
export type { FieldError, Problem } from './problem.ts';
export type {
  Exact,
  ExactHandlers,
  HandlerContext,
  HandlerSet,
  HttpMethod,
  NoParams,
  OpenApiDocument,
  RequestHeaders,
  RestHandler,
  RestRequest,
  RestResult,
  RestRoute,
  RestSurface,
  SecurityRequirement,
} from './surface.ts';
