/**
 * platforms.v1.PlatformService over Connect (gRPC, gRPC-Web, Connect on the h2c port).
 * StreamPlatforms reads the catalogue page by page (keyset on id) and sends each page as one
 * message, so neither side holds more than a batch, whatever the size of the catalogue.
 */
import { Code, ConnectError } from '@connectrpc/connect';
import type { ServiceImpl } from '@connectrpc/connect';
import { GetAllPlatformsResponseSchema, PlatformSchema, StreamPlatformsResponseSchema } from '@platform/gen/proto/platforms/v1/platforms_pb.ts';
import type { GetAllPlatformsResponse, Platform, PlatformService, StreamPlatformsResponse } from '@platform/gen/proto/platforms/v1/platforms_pb.ts';
import type { Orm } from '@platform/runtime/db';
import type { Logger } from '@platform/runtime/logging';
import { listPlatformsAs, platformPagesAs } from './read-platforms.ts';
import type { PlatformColumns } from './read-platforms.ts';

/** Batch size when the request asks for 0 (proto: "0 means the server default (500)"). */
export const defaultStreamBatchSize = 500;
/** Largest batch the server sends (proto: "The server caps it at 5000"). */
export const maxStreamBatchSize = 5000;

/**
 * A stored platform's columns as its protobuf message, built in one step: connect-es would
 * otherwise run protobuf-es's generic `create` on each row of a page. Messages are typed as the
 * generated types, so a field added to the contract is a compile error here until it is filled.
 */
export function platformMessage([id, name, publisher, cost, version]: PlatformColumns): Platform {
  return { $typeName: PlatformSchema.typeName, id: Number(id), name, publisher, cost, version: Number(version) };
}

const getAllResponse = (platforms: Platform[]): GetAllPlatformsResponse => ({ $typeName: GetAllPlatformsResponseSchema.typeName, platforms });
const streamResponse = (platforms: Platform[]): StreamPlatformsResponse => ({ $typeName: StreamPlatformsResponseSchema.typeName, platforms });

export interface PlatformGrpcHandlerOptions {
  readonly orm: Orm;
  readonly logger: Logger;
}

export function createPlatformGrpcHandlers(options: PlatformGrpcHandlerOptions): ServiceImpl<typeof PlatformService> {
  const { orm, logger } = options;

  // Database failures reach the client as UNAVAILABLE without internals; the cause is logged.
  const unavailable = (rpc: string, error: unknown): ConnectError => {
    if (error instanceof ConnectError) return error;
    logger.error({ err: error, rpc }, 'gRPC call failed');
    return new ConnectError(`cannot read the catalogue: ${rpc} failed, try again`, Code.Unavailable);
  };

  return {
    async getAllPlatforms() {
      try {
        return getAllResponse(await listPlatformsAs(orm, platformMessage));
      } catch (error) {
        throw unavailable('GetAllPlatforms', error);
      }
    },

    async *streamPlatforms(request, context) {
      if (request.batchSize < 0) throw new ConnectError(`batch_size must be >= 0 (got ${request.batchSize})`, Code.InvalidArgument);
      if (request.afterId < 0) throw new ConnectError(`after_id must be >= 0 (got ${request.afterId})`, Code.InvalidArgument);
      const pageSize = request.batchSize === 0 ? defaultStreamBatchSize : Math.min(request.batchSize, maxStreamBatchSize);
      try {
        for await (const platforms of platformPagesAs(orm, { afterId: request.afterId, pageSize, signal: context.signal }, platformMessage)) {
          yield streamResponse(platforms);
        }
      } catch (error) {
        throw unavailable('StreamPlatforms', error);
      }
    },
  };
}
