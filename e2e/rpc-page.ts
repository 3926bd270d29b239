/**
 * The script of the page in the browser RPC test (bundled for the browser by rpc-browser.ts): a
 * web app served from the gateway's origin calling platform-service's RPCs through the gateway
 * with @connectrpc/connect-web, once over the Connect protocol and once over gRPC-Web. It shows
 * what it got on the page and leaves it in `globalThis.rpcResults` (or `rpcFailure`).
 */
import { ConnectError, createClient } from '@connectrpc/connect';
import type { Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcWebTransport } from '@connectrpc/connect-web';
import { PlatformService } from '@platform/gen/proto/platforms/v1/platforms_pb.ts';

// The browser's globals this page uses (the project compiles against Node's types, not the DOM's).
declare const document: { readonly body: { textContent: string | null } };
declare const location: { readonly origin: string };

export interface RpcPageResult {
  readonly protocol: string;
  /** Names from GetAllPlatforms. */
  readonly all: string[];
  /** Ids of each StreamPlatforms message (batchSize 2). */
  readonly batches: number[][];
  /** What StreamPlatforms with batchSize -1 failed with. */
  readonly invalid: { readonly code: string; readonly message: string };
}

export interface RpcPageGlobals {
  rpcResults?: RpcPageResult[];
  rpcFailure?: string;
}

async function callThrough(protocol: string, transport: Transport): Promise<RpcPageResult> {
  const client = createClient(PlatformService, transport);
  const all = (await client.getAllPlatforms({})).platforms.map((platform) => platform.name);
  const batches: number[][] = [];
  for await (const batch of client.streamPlatforms({ batchSize: 2 })) batches.push(batch.platforms.map((platform) => platform.id));
  let invalid = { code: 'none', message: 'StreamPlatforms accepted batchSize -1' };
  try {
    for await (const _ of client.streamPlatforms({ batchSize: -1 }));
  } catch (error) {
    const failure = ConnectError.from(error);
    invalid = { code: String(failure.code), message: failure.rawMessage };
  }
  return { protocol, all, batches, invalid };
}

const globals = globalThis as RpcPageGlobals;
try {
  globals.rpcResults = [
    await callThrough('connect', createConnectTransport({ baseUrl: location.origin })),
    await callThrough('grpc-web', createGrpcWebTransport({ baseUrl: location.origin })),
  ];
  document.body.textContent = JSON.stringify(globals.rpcResults, undefined, 2);
} catch (error) {
  globals.rpcFailure = String(error);
  document.body.textContent = globals.rpcFailure;
}
