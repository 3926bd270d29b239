/**
 * The REST operations of contracts/openapi/platform-service.yaml. Requests arrive validated
 * against the contract (ids are integers >= 1, bodies have exactly name, publisher, cost).
 * Reads and writes answer the platform's version as its ETag; PUT and DELETE honour If-Match.
 */
import type { PlatformServiceHandlers } from '@platform/gen/openapi/platform-service/server.ts';
import type { Orm } from '@platform/runtime/db';
import { headerNames, parseIfMatch, strongEtag, traceparentFrom } from '@platform/runtime/http';
import { problem } from '@platform/runtime/rest';
import type { VersionedPlatform } from './platform-entity.ts';
import { toPlatformView } from './platform-entity.ts';
import { findPlatform, listPlatformViews } from './read-platforms.ts';
import type { EventContext, PlatformWriter, WriteOutcome } from './write-platforms.ts';

export interface PlatformRestHandlerOptions {
  readonly orm: Orm;
  readonly writer: PlatformWriter;
  /** Told about every created platform after it is committed (the commands-service call); must not throw. */
  readonly onCreated?: (platform: VersionedPlatform, requestId: string) => void;
}

/** Path of a platform, as the Location header of a create gives it. */
export function platformPath(id: number): string {
  return `/api/platforms/${id}`;
}

const notFound = (id: number) => ({ status: 404, body: problem(404, `cannot find platform ${id}: no such id`) }) as const;

const badIfMatch = (reason: string) =>
  ({ status: 400, body: problem(400, `If-Match ${reason}`, { errors: [{ field: 'If-Match', in: 'header', message: reason }] }) }) as const;

function preconditionFailed(what: string, id: number, outcome: Extract<WriteOutcome, { kind: 'precondition-failed' }>) {
  return { status: 412, body: problem(412, `cannot ${what} platform ${id}: If-Match does not match its current version ${strongEtag(outcome.version)}`) } as const;
}

export function createPlatformRestHandlers(options: PlatformRestHandlerOptions) {
  const { orm, writer, onCreated = () => {} } = options;
  const eventContext = (headers: Parameters<typeof traceparentFrom>[0], requestId: string): EventContext => {
    const traceparent = traceparentFrom(headers);
    return { correlationId: requestId, ...(traceparent ? { traceparent } : {}) };
  };
  return {
    async listPlatforms() {
      return { status: 200, body: await listPlatformViews(orm) };
    },
    async getPlatformById({ params }) {
      const platform = await findPlatform(orm, params.id);
      if (platform === undefined) return notFound(params.id);
      return { status: 200, body: toPlatformView(platform), headers: { etag: strongEtag(platform.version) } };
    },
    async createPlatform({ body, headers }, context) {
      const platform = await writer.create(body, eventContext(headers, context.requestId));
      onCreated(platform, context.requestId);
      return { status: 201, body: toPlatformView(platform), headers: { location: platformPath(platform.id), etag: strongEtag(platform.version) } };
    },
    async updatePlatform({ params, body, headers }, context) {
      const condition = parseIfMatch(headers[headerNames.ifMatch]);
      if (condition.kind === 'invalid') return badIfMatch(condition.reason);
      const outcome = await writer.update(params.id, body, condition, eventContext(headers, context.requestId));
      if (outcome.kind === 'not-found') return notFound(params.id);
      if (outcome.kind === 'precondition-failed') return preconditionFailed('update', params.id, outcome);
      return { status: 200, body: toPlatformView(outcome.platform), headers: { etag: strongEtag(outcome.platform.version) } };
    },
    async deletePlatform({ params, headers }, context) {
      const condition = parseIfMatch(headers[headerNames.ifMatch]);
      if (condition.kind === 'invalid') return badIfMatch(condition.reason);
      const outcome = await writer.remove(params.id, condition, eventContext(headers, context.requestId));
      if (outcome.kind === 'not-found') return notFound(params.id);
      if (outcome.kind === 'precondition-failed') return preconditionFailed('delete', params.id, outcome);
      context.log.info({ platformId: params.id, version: outcome.platform.version }, 'platform deleted');
      return { status: 204 };
    },
  } satisfies PlatformServiceHandlers;
}
