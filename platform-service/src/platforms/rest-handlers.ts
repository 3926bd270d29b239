/**
 * The REST operations of contracts/openapi/platform-service.yaml. Requests arrive validated
 * against the contract (ids are integers >= 1, bodies have exactly name, publisher, cost).
 */
import type { PlatformServiceHandlers } from '@platform/gen/openapi/platform-service/server.ts';
import type { Orm } from '@platform/runtime/db';
import { traceparentFrom } from '@platform/runtime/http';
import { problem } from '@platform/runtime/rest';
import type { PlatformCreator } from './create-platform.ts';
import type { PlatformView } from './platform-entity.ts';
import { findPlatform, listPlatforms } from './read-platforms.ts';

export interface PlatformRestHandlerOptions {
  readonly orm: Orm;
  readonly creator: PlatformCreator;
  /** Told about every created platform after it is committed (the commands-service call); must not throw. */
  readonly onCreated?: (platform: PlatformView, requestId: string) => void;
}

/** Path of a platform, as the Location header of a create gives it. */
export function platformPath(id: number): string {
  return `/api/platforms/${id}`;
}

export function createPlatformRestHandlers(options: PlatformRestHandlerOptions) {
  const { orm, creator, onCreated = () => {} } = options;
  return {
    async listPlatforms() {
      return { status: 200, body: await listPlatforms(orm) };
    },

    async getPlatformById({ params }) {
      const platform = await findPlatform(orm, params.id);
      if (platform === undefined) return { status: 404, body: problem(404, `cannot find platform ${params.id}: no such id`) };
      return { status: 200, body: platform };
    },

    async createPlatform({ body, headers }, context) {
      const traceparent = traceparentFrom(headers);
      const platform = await creator.create(body, { correlationId: context.requestId, ...(traceparent ? { traceparent } : {}) });
      onCreated(platform, context.requestId);
      return { status: 201, body: platform, headers: { location: platformPath(platform.id) } };
    },
  } satisfies PlatformServiceHandlers;
}
