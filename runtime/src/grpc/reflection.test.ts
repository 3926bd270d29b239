import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, file_google_protobuf_api } from '@bufbuild/protobuf/wkt';
import { Code, createClient, createRouterTransport } from '@connectrpc/connect';
import { CatalogueService } from '../generated/fixtures/proto/catalogue/v1/catalogue_pb.ts';
import type { ServerReflectionRequest, ServerReflectionResponse } from '../generated/grpc/reflection/v1/reflection_pb.ts';
import type { ServerReflectionResponse as ServerReflectionResponseV1alpha } from '../generated/grpc/reflection/v1alpha/reflection_pb.ts';
import { describe, expect, it } from 'vitest';
import { createReflection, ServerReflectionV1, ServerReflectionV1alpha } from './reflection.ts';

const reflection = createReflection([CatalogueService], [file_google_protobuf_api]);
const transport = createRouterTransport((router) => {
  router.service(ServerReflectionV1, reflection.v1);
  router.service(ServerReflectionV1alpha, reflection.v1alpha);
});
const v1 = createClient(ServerReflectionV1, transport);
const v1alpha = createClient(ServerReflectionV1alpha, transport);

/** Sends the questions on one stream and collects the answers, in order. */
async function ask(questions: ServerReflectionRequest['messageRequest'][]) {
  async function* requests() {
    for (const messageRequest of questions) yield { host: 'test', messageRequest };
  }
  const answers = [];
  for await (const response of v1.serverReflectionInfo(requests())) answers.push(response);
  return answers;
}

async function* v1alphaRequests() {
  yield { messageRequest: { case: 'fileContainingSymbol' as const, value: 'catalogue.v1.GetAllPlatformsResponse' } };
}

function fileNames(answer: ServerReflectionResponse | ServerReflectionResponseV1alpha | undefined): string[] {
  if (answer?.messageResponse.case !== 'fileDescriptorResponse') throw new Error(`unexpected ${answer?.messageResponse.case}`);
  return answer.messageResponse.value.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name);
}

describe('reflection', () => {
  it('lists-the-given-services-and-itself', async () => {
    const [answer] = await ask([{ case: 'listServices', value: '' }]);
    expect(answer?.messageResponse.case).toBe('listServicesResponse');
    const names = answer?.messageResponse.case === 'listServicesResponse' ? answer.messageResponse.value.service.map((s) => s.name) : [];
    expect(names).toEqual(['catalogue.v1.CatalogueService', 'grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection']);
    expect(answer?.validHost).toBe('test');
  });

  it('finds-the-file-of-a-service-a-method-and-a-message', async () => {
    const answers = await ask([
      { case: 'fileContainingSymbol', value: 'catalogue.v1.CatalogueService' },
      { case: 'fileContainingSymbol', value: 'catalogue.v1.CatalogueService.StreamPlatforms' },
      { case: 'fileContainingSymbol', value: 'catalogue.v1.Platform' },
      { case: 'fileByFilename', value: 'catalogue/v1/catalogue.proto' },
    ]);
    expect(answers.map(fileNames)).toEqual(answers.map(() => ['catalogue/v1/catalogue.proto']));
    expect(answers).toHaveLength(4);
  });

  it('sends-transitive-dependencies-after-the-file', async () => {
    const [answer] = await ask([{ case: 'fileContainingSymbol', value: 'google.protobuf.Api' }]);
    const names = fileNames(answer);
    expect(names[0]).toBe('google/protobuf/api.proto');
    expect(names.toSorted()).toEqual(['google/protobuf/any.proto', 'google/protobuf/api.proto', 'google/protobuf/source_context.proto', 'google/protobuf/type.proto']);
  });

  it('answers-an-unknown-symbol-with-not-found-and-keeps-the-stream-open', async () => {
    const answers = await ask([
      { case: 'fileContainingSymbol', value: 'nope.v1.Nope' },
      { case: 'fileByFilename', value: 'nope.proto' },
      { case: 'fileContainingSymbol', value: 'catalogue.v1.Platform' },
    ]);
    expect(answers.map((a) => a.messageResponse.case)).toEqual(['errorResponse', 'errorResponse', 'fileDescriptorResponse']);
    const error = answers[0]?.messageResponse;
    expect(error?.case === 'errorResponse' && error.value.errorCode).toBe(Code.NotFound);
    expect(answers[0]?.originalRequest?.messageRequest).toEqual({ case: 'fileContainingSymbol', value: 'nope.v1.Nope' });
  });

  it('serves-the-same-answers-on-v1alpha', async () => {
    const answers = [];
    for await (const response of v1alpha.serverReflectionInfo(v1alphaRequests())) answers.push(response);
    expect(answers.map(fileNames)).toEqual([['catalogue/v1/catalogue.proto']]);
  });
});
