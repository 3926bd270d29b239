/** `@platform/runtime/grpc`: the h2c gRPC/Connect listener with health and reflection built in. */
export { createGrpcServer, defaultReadMaxBytes } from './grpc-server.ts';
export type { GrpcServer, GrpcServerAddress, GrpcServerOptions } from './grpc-server.ts';
export { createHealth, overallHealth, ServingStatus } from './health.ts';
export type { HealthRegistry } from './health.ts';
export { createReflection, ServerReflectionV1, ServerReflectionV1alpha } from './reflection.ts';
export type { Reflection } from './reflection.ts';
export { encodeGrpcMessage } from './grpc-message.ts';
export { rpcErrorResponse, rpcProtocol } from './rpc-error-response.ts';
export type { RpcErrorResponse, RpcProtocol } from './rpc-error-response.ts';
