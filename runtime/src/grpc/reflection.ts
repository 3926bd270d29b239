/**
 * gRPC server reflection (grpc.reflection.v1 and v1alpha), so that `buf curl`, grpcurl and
 * Postman can list and call our RPCs without a copy of the schema. Answers come from the
 * descriptors embedded in the generated code; older clients still ask v1alpha, hence both.
 */
import { createRegistry, toBinary } from '@bufbuild/protobuf';
import type { DescFile, DescService } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { Code } from '@connectrpc/connect';
import type { ServiceImpl } from '@connectrpc/connect';
import { ServerReflection as ServerReflectionV1 } from '../generated/grpc/reflection/v1/reflection_pb.ts';
import type { ServerReflectionRequest as RequestV1 } from '../generated/grpc/reflection/v1/reflection_pb.ts';
import { ServerReflection as ServerReflectionV1alpha } from '../generated/grpc/reflection/v1alpha/reflection_pb.ts';
import type { ServerReflectionRequest as RequestV1alpha } from '../generated/grpc/reflection/v1alpha/reflection_pb.ts';

export { ServerReflectionV1, ServerReflectionV1alpha };

/** A reflection request's question; v1 and v1alpha ask the same questions. */
type Question = RequestV1['messageRequest'] | RequestV1alpha['messageRequest'];

/** The answer, as a plain object that both versions' response types accept. */
type Answer =
  | { case: 'fileDescriptorResponse'; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: 'allExtensionNumbersResponse'; value: { baseTypeName: string; extensionNumber: number[] } }
  | { case: 'listServicesResponse'; value: { service: { name: string }[] } }
  | { case: 'errorResponse'; value: { errorCode: number; errorMessage: string } };

/** The two reflection services, ready for `router.service(...)`. */
export interface Reflection {
  readonly v1: ServiceImpl<typeof ServerReflectionV1>;
  readonly v1alpha: ServiceImpl<typeof ServerReflectionV1alpha>;
}

/**
 * Creates reflection for the given services (listed by list_services; the reflection services
 * themselves are always added). `files` adds descriptors that no listed service reaches.
 * Everything, serialized descriptors included, is computed here once, not per request.
 */
export function createReflection(services: Iterable<DescService>, files: Iterable<DescFile> = []): Reflection {
  const listed = new Map<string, DescService>();
  for (const service of [...services, ServerReflectionV1, ServerReflectionV1alpha]) listed.set(service.typeName, service);

  // Every file by name, dependencies included: a client needs the whole import graph.
  const byName = new Map<string, DescFile>();
  const visit = (file: DescFile): void => {
    if (byName.has(file.proto.name)) return;
    byName.set(file.proto.name, file);
    file.dependencies.forEach(visit);
  };
  [...[...listed.values()].map((service) => service.file), ...files].forEach(visit);
  const registry = createRegistry(...byName.values());
  const serialized = new Map([...byName].map(([name, file]) => [name, toBinary(FileDescriptorProtoSchema, file.proto)]));

  /** The file and its transitive dependencies, the file itself first (as grpc-go sends them). */
  function withDependencies(file: DescFile): Answer {
    const closure = new Set<DescFile>();
    const add = (f: DescFile): void => {
      if (closure.has(f)) return;
      closure.add(f);
      f.dependencies.forEach(add);
    };
    add(file);
    return { case: 'fileDescriptorResponse', value: { fileDescriptorProto: [...closure].map((f) => serialized.get(f.proto.name)!) } };
  }

  /** Finds the file declaring a type, or a member of one (method, field, enum value). */
  function fileOfSymbol(symbol: string): DescFile | undefined {
    const found = registry.get(symbol);
    if (found) return found.file;
    const parent = registry.get(symbol.slice(0, symbol.lastIndexOf('.')));
    const member = symbol.slice(symbol.lastIndexOf('.') + 1);
    const members =
      parent?.kind === 'service' ? parent.methods : parent?.kind === 'message' ? parent.fields : parent?.kind === 'enum' ? parent.values : [];
    return members.some((m) => m.name === member) ? parent?.file : undefined;
  }

  function answer(question: Question): Answer {
    switch (question.case) {
      case 'listServices':
        return { case: 'listServicesResponse', value: { service: [...listed.keys()].map((name) => ({ name })) } };
      case 'fileByFilename': {
        const file = byName.get(question.value);
        return file ? withDependencies(file) : notFound(`file "${question.value}"`);
      }
      case 'fileContainingSymbol': {
        const file = fileOfSymbol(question.value);
        return file ? withDependencies(file) : notFound(`symbol "${question.value}"`);
      }
      case 'fileContainingExtension': {
        const { containingType, extensionNumber } = question.value;
        const message = registry.getMessage(containingType);
        const extension = message && registry.getExtensionFor(message, extensionNumber);
        return extension ? withDependencies(extension.file) : notFound(`extension ${extensionNumber} of "${containingType}"`);
      }
      case 'allExtensionNumbersOfType': {
        if (!registry.getMessage(question.value)) return notFound(`type "${question.value}"`);
        const numbers = [...registry].flatMap((d) => (d.kind === 'extension' && d.extendee.typeName === question.value ? [d.number] : []));
        return { case: 'allExtensionNumbersResponse', value: { baseTypeName: question.value, extensionNumber: numbers } };
      }
      default:
        return { case: 'errorResponse', value: { errorCode: Code.InvalidArgument, errorMessage: 'cannot reflect: empty request' } };
    }
  }

  return {
    v1: {
      async *serverReflectionInfo(requests) {
        for await (const request of requests) {
          yield { validHost: request.host, originalRequest: request, messageResponse: answer(request.messageRequest) };
        }
      },
    },
    v1alpha: {
      async *serverReflectionInfo(requests) {
        for await (const request of requests) {
          yield { validHost: request.host, originalRequest: request, messageResponse: answer(request.messageRequest) };
        }
      },
    },
  };
}

function notFound(what: string): Answer {
  return { case: 'errorResponse', value: { errorCode: Code.NotFound, errorMessage: `cannot reflect: ${what} not found` } };
}
