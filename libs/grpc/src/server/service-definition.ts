import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import {
  create,
  fromBinary,
  isMessage,
  toBinary,
  type DescMessage,
  type DescMethod,
  type DescService,
  type Message,
  type MessageInitShape,
} from '@bufbuild/protobuf';

/**
 * Stands in for a request the server could not decode. grpc-js answers a throwing deserializer with
 * INTERNAL; the server deserializer returns this instead so the handler can answer INVALID_ARGUMENT.
 */
export class DecodeFailure {
  constructor(
    readonly typeName: string,
    readonly cause: unknown,
  ) {}

  get message(): string {
    const reason = this.cause instanceof Error ? this.cause.message : String(this.cause);
    return `invalid ${this.typeName} message: ${reason}`;
  }
}

/** Full gRPC path of a method: `/cairn.ingestion.v1.IngestionService/IngestDocument`. */
export function methodPath(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

/** protobuf-es binary serializer for grpc-js; accepts a message or an init object. */
export function serializerFor(
  schema: DescMessage,
): (value: Message | MessageInitShape<DescMessage>) => Buffer {
  return (value) => {
    const message = isMessage(value, schema) ? value : create(schema, value);
    const bytes = toBinary(schema, message);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

/** Strict deserializer (client side): throws on bad bytes, which grpc-js turns into a failed call. */
export function deserializerFor(schema: DescMessage): (bytes: Buffer) => Message {
  return (bytes) => fromBinary(schema, bytes);
}

/** Lenient deserializer (server side): a {@link DecodeFailure} instead of a throw. */
export function lenientDeserializerFor(schema: DescMessage): (bytes: Buffer) => Message | DecodeFailure {
  return (bytes) => {
    try {
      return fromBinary(schema, bytes);
    } catch (error) {
      return new DecodeFailure(schema.typeName, error);
    }
  };
}

/** Options of {@link serviceDefinitionOf}. */
export interface ServiceDefinitionOptions {
  /** Server side: undecodable requests become a {@link DecodeFailure} instead of a throw. */
  readonly lenient: boolean;
  /**
   * Called when a response cannot be encoded (grpc-js then sends INTERNAL "Error serializing
   * response" on its own, so the handler never hears of it).
   */
  readonly onResponseSerializeError?: (method: DescMethod, error: unknown) => void;
}

function definitionOf(
  method: DescMethod,
  options: ServiceDefinitionOptions,
): MethodDefinition<unknown, unknown> {
  const serializeResponse = serializerFor(method.output) as (value: unknown) => Buffer;
  const report = options.onResponseSerializeError;
  return {
    path: methodPath(method),
    originalName: method.localName,
    requestStream: method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
    responseStream: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
    requestSerialize: serializerFor(method.input) as (value: unknown) => Buffer,
    requestDeserialize: options.lenient
      ? lenientDeserializerFor(method.input)
      : deserializerFor(method.input),
    responseSerialize: report
      ? (value) => {
          try {
            return serializeResponse(value);
          } catch (error) {
            report(method, error);
            throw error;
          }
        }
      : serializeResponse,
    responseDeserialize: deserializerFor(method.output),
  };
}

/**
 * grpc-js `ServiceDefinition` for a protobuf-es service, keyed by the proto method name
 * (`path: /${service.typeName}/${method.name}`), binary protobuf-es serializers.
 * See {@link ServiceDefinitionOptions} for the server-side options.
 */
export function serviceDefinitionOf(
  service: DescService,
  options: ServiceDefinitionOptions,
): ServiceDefinition {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    definition[method.name] = definitionOf(method, options);
  }
  return definition;
}
