/** platforms.v1 with connect-node and the descriptors package, over gRPC and over the Connect protocol. */
import { createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { PlatformService } from '@contract-first/platforms-v1';
import type { Platform } from '@contract-first/platforms-v1';
import { report, setting } from './env.js';

const baseUrl = setting('GRPC_URL');
const grpc = createClient(PlatformService, createGrpcTransport({ baseUrl }));
const all: Platform[] = (await grpc.getAllPlatforms({})).platforms;
const batches: number[] = [];
for await (const batch of grpc.streamPlatforms({ batchSize: 2 })) batches.push(batch.platforms.length);
const connect = createClient(PlatformService, createConnectTransport({ baseUrl, httpVersion: '2' }));
const viaConnect = await connect.getAllPlatforms({});

report({ names: all.map((platform) => platform.name), batches, viaConnect: viaConnect.platforms.map((platform) => platform.name) });
