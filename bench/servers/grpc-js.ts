/**
 * Baseline: a `@grpc/grpc-js` server for platforms.v1.PlatformService serving the same rows from
 * the same SQLite file through the same driver (`node:sqlite`), with the same protobuf code
 * (@bufbuild/protobuf, generated schemas) and the same paging rules (500 by default, at most 5000):
 * the platforms that exist (deleted ones skipped), with their versions, as ours answers them.
 * `node bench/servers/grpc-js.ts <port> <sqlite file>`
 */
import { DatabaseSync } from 'node:sqlite';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import {
  GetAllPlatformsRequestSchema,
  GetAllPlatformsResponseSchema,
  StreamPlatformsRequestSchema,
  StreamPlatformsResponseSchema,
} from '@platform/gen/proto/platforms/v1/platforms_pb.ts';
import type { GetAllPlatformsRequest, GetAllPlatformsResponse, StreamPlatformsRequest, StreamPlatformsResponse } from '@platform/gen/proto/platforms/v1/platforms_pb.ts';

const [port, path] = process.argv.slice(2);
if (port === undefined || path === undefined) throw new Error('cannot start grpc-js baseline: usage grpc-js.ts <port> <sqlite file>');

const db = new DatabaseSync(path);
db.exec('pragma journal_mode = WAL; pragma synchronous = NORMAL');
const all = db.prepare('select id, name, publisher, cost, version from platforms where deleted_at is null order by id');
const page = db.prepare('select id, name, publisher, cost, version from platforms where id > ? and deleted_at is null order by id limit ?');
type Row = { id: number; name: string; publisher: string; cost: string; version: number };

const service: grpc.ServiceDefinition = {
  getAllPlatforms: {
    path: '/platforms.v1.PlatformService/GetAllPlatforms',
    requestStream: false,
    responseStream: false,
    requestSerialize: (value: GetAllPlatformsRequest) => Buffer.from(toBinary(GetAllPlatformsRequestSchema, value)),
    requestDeserialize: (bytes: Buffer) => fromBinary(GetAllPlatformsRequestSchema, bytes),
    responseSerialize: (value: GetAllPlatformsResponse) => Buffer.from(toBinary(GetAllPlatformsResponseSchema, value)),
    responseDeserialize: (bytes: Buffer) => fromBinary(GetAllPlatformsResponseSchema, bytes),
  },
  streamPlatforms: {
    path: '/platforms.v1.PlatformService/StreamPlatforms',
    requestStream: false,
    responseStream: true,
    requestSerialize: (value: StreamPlatformsRequest) => Buffer.from(toBinary(StreamPlatformsRequestSchema, value)),
    requestDeserialize: (bytes: Buffer) => fromBinary(StreamPlatformsRequestSchema, bytes),
    responseSerialize: (value: StreamPlatformsResponse) => Buffer.from(toBinary(StreamPlatformsResponseSchema, value)),
    responseDeserialize: (bytes: Buffer) => fromBinary(StreamPlatformsResponseSchema, bytes),
  },
};

const handlers: grpc.UntypedServiceImplementation = {
  getAllPlatforms(_call: grpc.ServerUnaryCall<GetAllPlatformsRequest, GetAllPlatformsResponse>, callback: grpc.sendUnaryData<GetAllPlatformsResponse>) {
    callback(null, create(GetAllPlatformsResponseSchema, { platforms: all.all() as Row[] }));
  },
  async streamPlatforms(call: grpc.ServerWritableStream<StreamPlatformsRequest, StreamPlatformsResponse>) {
    const size = call.request.batchSize === 0 ? 500 : Math.min(call.request.batchSize, 5000);
    let afterId = call.request.afterId;
    while (!call.cancelled) {
      const rows = page.all(afterId, size) as Row[];
      if (rows.length === 0) break;
      // Respect flow control: wait for the stream to drain before reading the next page.
      if (!call.write(create(StreamPlatformsResponseSchema, { platforms: rows }))) await new Promise((resolve) => call.once('drain', resolve));
      if (rows.length < size) break;
      afterId = rows[rows.length - 1]!.id;
    }
    call.end();
  },
};

const server = new grpc.Server();
server.addService(service, handlers);
server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error) => {
  if (error) throw error;
});
process.once('SIGTERM', () => server.tryShutdown(() => db.close()));
