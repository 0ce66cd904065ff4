import type { DescFile } from '@bufbuild/protobuf';
import type { ServerReflection } from '@cairn/contracts/grpc/reflection/v1/reflection';
import type { ServerReflection as ServerReflectionV1Alpha } from '@cairn/contracts/grpc/reflection/v1alpha/reflection';
import { Status } from '../errors/grpc-error.js';
import type { GrpcServiceImpl } from '../server/service-impl.types.js';
import type { DescriptorIndex } from './descriptor-index.js';

/** The request shape v1 and v1alpha share. */
interface ReflectionRequest {
  readonly host: string;
  readonly messageRequest:
    | {
        case: 'fileByFilename' | 'fileContainingSymbol' | 'allExtensionNumbersOfType' | 'listServices';
        value: string;
      }
    | { case: 'fileContainingExtension'; value: { containingType: string; extensionNumber: number } }
    | { case: undefined; value?: undefined };
}

/** The response oneof v1 and v1alpha share. */
type ReflectionAnswer =
  | { case: 'fileDescriptorResponse'; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: 'allExtensionNumbersResponse'; value: { baseTypeName: string; extensionNumber: number[] } }
  | { case: 'listServicesResponse'; value: { service: { name: string }[] } }
  | { case: 'errorResponse'; value: { errorCode: number; errorMessage: string } };

/** Where reflection reads from: the descriptor index and the names of the services served. */
export interface ReflectionSource {
  readonly index: DescriptorIndex;
  readonly serviceNames: () => readonly string[];
}

/** grpc.reflection.v1.ServerReflection. */
export function createReflectionImpl(source: ReflectionSource): GrpcServiceImpl<typeof ServerReflection> {
  return { serverReflectionInfo: (requests) => answerAll(requests, source) };
}

/** grpc.reflection.v1alpha.ServerReflection (older clients, grpcurl before 1.9). */
export function createReflectionV1AlphaImpl(
  source: ReflectionSource,
): GrpcServiceImpl<typeof ServerReflectionV1Alpha> {
  return { serverReflectionInfo: (requests) => answerAll(requests, source) };
}

async function* answerAll<R extends ReflectionRequest>(
  requests: AsyncIterable<R>,
  source: ReflectionSource,
): AsyncGenerator<{ validHost: string; originalRequest: R; messageResponse: ReflectionAnswer }> {
  const sent = new Set<string>();
  for await (const request of requests) {
    yield {
      validHost: request.host,
      originalRequest: request,
      messageResponse: answer(request, source, sent),
    };
  }
}

function answer(
  request: ReflectionRequest,
  { index, serviceNames }: ReflectionSource,
  sent: Set<string>,
): ReflectionAnswer {
  const files = (file: DescFile | undefined, what: string): ReflectionAnswer => {
    if (!file) return error(Status.NOT_FOUND, `${what} not found`);
    // The requested file always; its imports only once per stream (clients cache them).
    const protos = index
      .withDependencies(file)
      .filter((f, i) => i === 0 || !sent.has(f.proto.name))
      .map((f) => {
        sent.add(f.proto.name);
        return index.encode(f);
      });
    return { case: 'fileDescriptorResponse', value: { fileDescriptorProto: protos } };
  };
  const { messageRequest: req } = request;
  switch (req.case) {
    case 'listServices':
      return { case: 'listServicesResponse', value: { service: serviceNames().map((name) => ({ name })) } };
    case 'fileByFilename':
      return files(index.fileByName(req.value), `file '${req.value}'`);
    case 'fileContainingSymbol':
      return files(index.fileContainingSymbol(req.value), `symbol '${req.value}'`);
    case 'fileContainingExtension': {
      const { containingType, extensionNumber } = req.value;
      return files(
        index.fileContainingExtension(containingType, extensionNumber),
        `extension ${extensionNumber} of '${containingType}'`,
      );
    }
    case 'allExtensionNumbersOfType': {
      const numbers = index.extensionNumbersOf(req.value);
      if (!numbers) return error(Status.NOT_FOUND, `type '${req.value}' not found`);
      return {
        case: 'allExtensionNumbersResponse',
        value: { baseTypeName: req.value, extensionNumber: numbers },
      };
    }
    case undefined:
      return error(Status.INVALID_ARGUMENT, 'empty reflection request: set one of message_request');
  }
}

function error(code: Status, message: string): ReflectionAnswer {
  return { case: 'errorResponse', value: { errorCode: code, errorMessage: message } };
}
