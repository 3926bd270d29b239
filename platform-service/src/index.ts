/** `@platform/platform-service`: the part, for a launcher (`start.ts`) or a test that runs it in-process. */
export { createPlatformService } from './service.ts';
export type { PlatformService, PlatformServiceAddresses, PlatformServiceOptions } from './service.ts';
export { loadConfig, platformServiceSettings } from './config.ts';
export type { PlatformServiceConfig } from './config.ts';
