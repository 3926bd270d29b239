/** `@platform/gateway`: the part, for a launcher (`start.ts`) or a test that runs it in-process. */
export { createGateway } from './gateway.ts';
export type { Gateway, GatewayOptions } from './gateway.ts';
export { gatewaySettings, loadConfig } from './config.ts';
export type { GatewayConfig } from './config.ts';
export { readApiRoutes } from './api-routes.ts';
export type { ApiRoute } from './api-routes.ts';
