/**
 * platforms.v1 with @grpc/grpc-js, as the descriptors package's README says: the .proto file it
 * ships, loaded with @grpc/proto-loader; the answer then re-encoded with the package's schemas.
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { GetAllPlatformsResponseSchema } from '@contract-first/platforms-v1';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import { report, setting } from './env.js';

const address = new URL(setting('GRPC_URL')).host;
const file = fileURLToPath(import.meta.resolve('@contract-first/platforms-v1/proto/platforms/v1/platforms.proto'));
const loaded = grpc.loadPackageDefinition(protoLoader.loadSync(file, { defaults: true }));
const Client = ((loaded.platforms as grpc.GrpcObject).v1 as grpc.GrpcObject).PlatformService as grpc.ServiceClientConstructor;
const client = new Client(address, grpc.credentials.createInsecure());

interface LoadedPlatform {
  id: number;
  name: string;
  publisher: string;
  cost: string;
}
const response = await new Promise<{ platforms: LoadedPlatform[] }>((resolve, reject) =>
  client.GetAllPlatforms!({}, (error: grpc.ServiceError | null, answer: { platforms: LoadedPlatform[] }) => (error ? reject(error) : resolve(answer))),
);
client.close();

const bytes = toBinary(GetAllPlatformsResponseSchema, create(GetAllPlatformsResponseSchema, { platforms: response.platforms }));
const decoded = fromBinary(GetAllPlatformsResponseSchema, bytes);
report({ names: response.platforms.map((platform) => platform.name), reencoded: decoded.platforms.map((platform) => platform.name) });
