import { once } from 'node:events';
import {
  credentials as channelCredentials,
  makeGenericClientConstructor,
  Metadata,
  type CallOptions,
  type Client,
  type ClientWritableStream,
} from '@grpc/grpc-js';
import type { DescMethod, DescService, Message } from '@bufbuild/protobuf';
import { GrpcError, isServiceError } from '../errors/grpc-error.js';
import {
  deserializerFor,
  methodPath,
  serializerFor,
  serviceDefinitionOf,
} from '../server/service-definition.js';
import type { GrpcCallOptions, GrpcClient, GrpcClientOptions } from './grpc-client.types.js';
import { traceparentOf } from '@cairn/observability';

/**
 * Creates a typed client of `service` at `address` (`host:port`), on grpc-js with the protobuf-es
 * binary serializers. Failed calls reject (or throw from iteration) with {@link GrpcError}, its
 * detail parsed from the `cairn-error-bin` trailer.
 */
export function createGrpcClient<S extends DescService>(
  service: S,
  address: string,
  options: GrpcClientOptions = {},
): GrpcClient<S> {
  const Ctor = makeGenericClientConstructor(
    serviceDefinitionOf(service, { lenient: false }),
    service.typeName,
  );
  const client: Client = new Ctor(
    address,
    options.credentials ?? channelCredentials.createInsecure(),
    options.channelOptions,
  );
  const methods: Record<string, unknown> = {};
  for (const method of service.methods)
    methods[method.localName] = clientMethod(client, method, options.apiKey);
  return Object.assign(methods, {
    close: () => client.close(),
    grpcClient: client,
  }) as unknown as GrpcClient<S>;
}

function clientMethod(client: Client, method: DescMethod, apiKey: string | undefined): unknown {
  const path = methodPath(method);
  const serialize = serializerFor(method.input) as (value: unknown) => Buffer;
  const deserialize = deserializerFor(method.output);
  const prepare = (options: GrpcCallOptions = {}) => ({
    metadata: metadataOf(apiKey, options.metadata),
    callOptions: (options.deadlineMs !== undefined
      ? { deadline: Date.now() + options.deadlineMs }
      : {}) as CallOptions,
    signal: options.signal,
  });
  switch (method.methodKind) {
    case 'unary':
      return (request: unknown, options?: GrpcCallOptions) => {
        const { metadata, callOptions, signal } = prepare(options);
        return new Promise<Message>((resolve, reject) => {
          let unbind = noop;
          const call = client.makeUnaryRequest(
            path,
            serialize,
            deserialize,
            request,
            metadata,
            callOptions,
            (error, value) => {
              unbind();
              if (error) reject(toGrpcError(error));
              else resolve(value as Message);
            },
          );
          unbind = cancelOnAbort(signal, () => call.cancel());
        });
      };
    case 'server_streaming':
      return (request: unknown, options?: GrpcCallOptions) => {
        const { metadata, callOptions, signal } = prepare(options);
        return (async function* () {
          const call = client.makeServerStreamRequest(
            path,
            serialize,
            deserialize,
            request,
            metadata,
            callOptions,
          );
          const unbind = cancelOnAbort(signal, () => call.cancel());
          try {
            for await (const response of call) yield response as Message;
          } catch (error) {
            throw toGrpcError(error);
          } finally {
            unbind();
            call.cancel();
          }
        })();
      };
    case 'client_streaming':
      return (requests: AsyncIterable<unknown>, options?: GrpcCallOptions) => {
        const { metadata, callOptions, signal } = prepare(options);
        return new Promise<Message>((resolve, reject) => {
          const finished = new AbortController();
          let unbind = noop;
          const call = client.makeClientStreamRequest(
            path,
            serialize,
            deserialize,
            metadata,
            callOptions,
            (error, value) => {
              finished.abort();
              unbind();
              if (error) reject(toGrpcError(error));
              else resolve(value as Message);
            },
          );
          unbind = cancelOnAbort(signal, () => call.cancel());
          void pump(requests, call, finished.signal).then(
            () => call.end(),
            (error: unknown) => {
              // The request source failed: that error is the caller's, not the CANCELLED the call reports.
              reject(toGrpcError(error));
              call.cancel();
            },
          );
        });
      };
    case 'bidi_streaming':
      return (requests: AsyncIterable<unknown>, options?: GrpcCallOptions) => {
        const { metadata, callOptions, signal } = prepare(options);
        return (async function* () {
          const call = client.makeBidiStreamRequest(path, serialize, deserialize, metadata, callOptions);
          const unbind = cancelOnAbort(signal, () => call.cancel());
          const finished = new AbortController();
          let sourceError: { error: unknown } | undefined;
          void pump(requests, call, finished.signal).then(
            () => call.end(),
            (error: unknown) => {
              sourceError = { error };
              call.cancel();
            },
          );
          try {
            for await (const response of call) yield response as Message;
            if (sourceError) throw sourceError.error;
          } catch (error) {
            throw sourceError ? sourceError.error : toGrpcError(error);
          } finally {
            finished.abort();
            unbind();
            call.cancel();
          }
        })();
      };
  }
}

/** Writes every request with backpressure; stops quietly once `finished` fires (the call ended). */
async function pump(
  requests: AsyncIterable<unknown>,
  call: ClientWritableStream<unknown>,
  finished: AbortSignal,
): Promise<void> {
  for await (const request of requests) {
    if (finished.aborted) return;
    if (!call.write(request)) {
      try {
        await once(call, 'drain', { signal: finished });
      } catch (error) {
        if (finished.aborted) return;
        throw error;
      }
    }
  }
}

function metadataOf(apiKey: string | undefined, extra: GrpcCallOptions['metadata']): Metadata {
  const metadata = extra instanceof Metadata ? extra.clone() : new Metadata();
  if (extra && !(extra instanceof Metadata))
    for (const [key, value] of Object.entries(extra)) metadata.set(key, value);
  if (apiKey !== undefined && metadata.get('authorization').length === 0)
    metadata.set('authorization', `Bearer ${apiKey}`);
  // Calls made inside a span continue its trace on the server.
  const traceparent = metadata.get('traceparent').length === 0 ? traceparentOf() : undefined;
  if (traceparent) metadata.set('traceparent', traceparent);
  return metadata;
}

function noop(): void {}

function cancelOnAbort(signal: AbortSignal | undefined, cancel: () => void): () => void {
  if (!signal) return noop;
  if (signal.aborted) {
    cancel();
    return noop;
  }
  signal.addEventListener('abort', cancel, { once: true });
  return () => signal.removeEventListener('abort', cancel);
}

function toGrpcError(error: unknown): Error {
  if (isServiceError(error)) return GrpcError.fromServiceError(error);
  return error instanceof Error ? error : new Error(String(error));
}
