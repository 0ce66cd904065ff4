import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { create, createFileRegistry, fromBinary, type MessageInitShape } from '@bufbuild/protobuf';
import {
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
  type FileDescriptorProto,
} from '@bufbuild/protobuf/wkt';
import { allFiles } from '@cairn/contracts';
import {
  ServerReflection,
  type ServerReflectionRequestSchema,
  type ServerReflectionResponse,
} from '@cairn/contracts/grpc/reflection/v1/reflection';
import { ServerReflection as ServerReflectionV1Alpha } from '@cairn/contracts/grpc/reflection/v1alpha/reflection';
import { createGrpcClient } from '../client/grpc-client.js';
import type { GrpcClient } from '../client/grpc-client.types.js';
import { EchoService, file_cairn_grpctest_v1_echo } from '../testing/echo-service.fixture.js';
import { startTestServer, type TestServer } from '../testing/grpc-test-kit.js';
import { Status } from '../errors/grpc-error.js';

type Request = MessageInitShape<typeof ServerReflectionRequestSchema>;

describe('server reflection', { timeout: 30_000 }, () => {
  let t: TestServer;
  let reflection: GrpcClient<typeof ServerReflection>;

  before(async () => {
    t = await startTestServer(
      (server) =>
        server.addService(EchoService, {
          say: async () => ({}),
          count: async function* () {},
          collect: async () => ({}),
          chat: async function* () {},
          purge: async () => ({}),
        }),
      { reflectionFiles: allFiles },
    );
    reflection = createGrpcClient(ServerReflection, t.address);
  });
  after(async () => {
    reflection.close();
    await t.stop();
  });

  /** Sends the requests on one stream and collects the answers. */
  async function ask(...requests: Request[]): Promise<ServerReflectionResponse[]> {
    const responses: ServerReflectionResponse[] = [];
    async function* source() {
      yield* requests;
    }
    for await (const response of reflection.serverReflectionInfo(source())) responses.push(response);
    return responses;
  }

  function filesOf(response: ServerReflectionResponse | undefined): FileDescriptorProto[] {
    assert.equal(
      response?.messageResponse.case,
      'fileDescriptorResponse',
      JSON.stringify(response?.messageResponse),
    );
    return response.messageResponse.value.fileDescriptorProto.map((bytes) =>
      fromBinary(FileDescriptorProtoSchema, bytes),
    );
  }

  it('lists the services served, health and reflection included', async () => {
    const [response] = await ask({ messageRequest: { case: 'listServices', value: '' } });
    assert.equal(response?.messageResponse.case, 'listServicesResponse');
    const names = response.messageResponse.value.service.map((s) => s.name).sort();
    assert.deepEqual(names, [
      'cairn.grpctest.v1.EchoService',
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
    ]);
  });

  it('returns the file containing a service with its imports, parseable into a registry', async () => {
    const [response] = await ask({
      messageRequest: { case: 'fileContainingSymbol', value: 'cairn.grpctest.v1.EchoService' },
    });
    const files = filesOf(response);
    assert.deepEqual(
      files.map((f) => f.name),
      ['cairn/grpctest/v1/echo.proto', 'cairn/common/v1/options.proto', 'google/protobuf/descriptor.proto'],
    );
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: files.reverse() }));
    const service = registry.getService('cairn.grpctest.v1.EchoService');
    assert.deepEqual(
      service?.methods.map((m) => `${m.name}:${m.methodKind}`),
      [
        'Say:unary',
        'Count:server_streaming',
        'Collect:client_streaming',
        'Chat:bidi_streaming',
        'Purge:unary',
      ],
    );
    assert.equal(file_cairn_grpctest_v1_echo.proto.name, 'cairn/grpctest/v1/echo.proto');
  });

  it('finds methods, messages, nested enums and extensions, and sends imports once per stream', async () => {
    const responses = await ask(
      { messageRequest: { case: 'fileContainingSymbol', value: 'cairn.grpctest.v1.EchoService.Say' } },
      { messageRequest: { case: 'fileContainingSymbol', value: 'cairn.grpctest.v1.EchoRequest' } },
      {
        messageRequest: {
          case: 'fileContainingSymbol',
          value: 'grpc.health.v1.HealthCheckResponse.ServingStatus',
        },
      },
      { messageRequest: { case: 'fileByFilename', value: 'cairn/common/v1/options.proto' } },
      {
        messageRequest: {
          case: 'fileContainingExtension',
          value: { containingType: 'google.protobuf.MethodOptions', extensionNumber: 50001 },
        },
      },
    );
    assert.deepEqual(
      filesOf(responses[0]).map((f) => f.name),
      ['cairn/grpctest/v1/echo.proto', 'cairn/common/v1/options.proto', 'google/protobuf/descriptor.proto'],
    );
    assert.deepEqual(
      filesOf(responses[1]).map((f) => f.name),
      ['cairn/grpctest/v1/echo.proto'],
    );
    assert.deepEqual(
      filesOf(responses[2]).map((f) => f.name),
      ['grpc/health/v1/health.proto'],
    );
    assert.deepEqual(
      filesOf(responses[3]).map((f) => f.name),
      ['cairn/common/v1/options.proto'],
    );
    const [options] = filesOf(responses[4]);
    assert.equal(options?.name, 'cairn/common/v1/options.proto');
    assert.ok(options.extension.some((e) => e.name === 'required_role' && e.number === 50001));
  });

  it('lists extension numbers of a type and answers unknown symbols with NOT_FOUND', async () => {
    const [numbers, unknown, missingFile] = await ask(
      { messageRequest: { case: 'allExtensionNumbersOfType', value: 'google.protobuf.MethodOptions' } },
      { messageRequest: { case: 'fileContainingSymbol', value: 'nope.v1.Nope' } },
      { messageRequest: { case: 'fileByFilename', value: 'nope.proto' } },
    );
    assert.equal(numbers?.messageResponse.case, 'allExtensionNumbersResponse');
    assert.deepEqual(numbers.messageResponse.value.extensionNumber, [50001]);
    for (const response of [unknown, missingFile]) {
      assert.equal(response?.messageResponse.case, 'errorResponse');
      assert.equal(response.messageResponse.value.errorCode, Status.NOT_FOUND);
    }
    assert.equal(unknown?.originalRequest?.messageRequest.value, 'nope.v1.Nope');
  });

  it('answers v1alpha clients the same way', async () => {
    const alpha = createGrpcClient(ServerReflectionV1Alpha, t.address);
    try {
      async function* source() {
        yield { messageRequest: { case: 'fileContainingSymbol' as const, value: 'grpc.health.v1.Health' } };
      }
      const responses = [];
      for await (const response of alpha.serverReflectionInfo(source())) responses.push(response);
      assert.equal(responses[0]?.messageResponse.case, 'fileDescriptorResponse');
      const files = responses[0].messageResponse.value.fileDescriptorProto.map(
        (b) => fromBinary(FileDescriptorProtoSchema, b).name,
      );
      assert.deepEqual(files, ['grpc/health/v1/health.proto']);
    } finally {
      alpha.close();
    }
  });
});
