import type { ChannelCredentials, ChannelOptions, Client, Metadata } from '@grpc/grpc-js';
import type {
  DescMessage,
  DescMethodBiDiStreaming,
  DescMethodClientStreaming,
  DescMethodServerStreaming,
  DescMethodUnary,
  DescService,
  MessageInitShape,
  MessageShape,
} from '@bufbuild/protobuf';

/** Options of {@link createGrpcClient}. */
export interface GrpcClientOptions {
  /** Sent on every call as `authorization: Bearer <apiKey>`. */
  readonly apiKey?: string;
  /** Default: insecure (plaintext). */
  readonly credentials?: ChannelCredentials;
  /** grpc-js channel options (`grpc.max_receive_message_length`, keepalive, …). */
  readonly channelOptions?: ChannelOptions;
}

/** Per-call options. */
export interface GrpcCallOptions {
  /** Deadline, in milliseconds from now. */
  readonly deadlineMs?: number;
  /** Extra request metadata (e.g. `traceparent`). */
  readonly metadata?: Metadata | Readonly<Record<string, string>>;
  /** Cancels the call when aborted (the call then fails with CANCELLED). */
  readonly signal?: AbortSignal;
}

type Req<I extends DescMessage> = MessageShape<I> | MessageInitShape<I>;

/** A unary method: resolves with the response, rejects with a GrpcError. */
export type UnaryClientMethod<I extends DescMessage, O extends DescMessage> = (
  request: Req<I>,
  options?: GrpcCallOptions,
) => Promise<MessageShape<O>>;

/** A server-streaming method; the call starts when iteration starts, and breaking out cancels it. */
export type ServerStreamingClientMethod<I extends DescMessage, O extends DescMessage> = (
  request: Req<I>,
  options?: GrpcCallOptions,
) => AsyncIterable<MessageShape<O>>;

/** A client-streaming method: sends every request of the iterable, then resolves with the response. */
export type ClientStreamingClientMethod<I extends DescMessage, O extends DescMessage> = (
  requests: AsyncIterable<Req<I>>,
  options?: GrpcCallOptions,
) => Promise<MessageShape<O>>;

/** A bidi method: requests are sent as the iterable yields them while responses are read. */
export type BiDiStreamingClientMethod<I extends DescMessage, O extends DescMessage> = (
  requests: AsyncIterable<Req<I>>,
  options?: GrpcCallOptions,
) => AsyncIterable<MessageShape<O>>;

/** The client method type for one method descriptor. */
export type ClientMethod<M> =
  M extends DescMethodUnary<infer I, infer O>
    ? UnaryClientMethod<I, O>
    : M extends DescMethodServerStreaming<infer I, infer O>
      ? ServerStreamingClientMethod<I, O>
      : M extends DescMethodClientStreaming<infer I, infer O>
        ? ClientStreamingClientMethod<I, O>
        : M extends DescMethodBiDiStreaming<infer I, infer O>
          ? BiDiStreamingClientMethod<I, O>
          : never;

/** Typed promise client of a protobuf-es service, methods keyed by `localName`. */
export type GrpcClient<S extends DescService> = {
  readonly [K in keyof S['method']]: ClientMethod<S['method'][K]>;
} & {
  /** Closes the channel; calls in flight fail with CANCELLED/UNAVAILABLE. */
  close(): void;
  /** The underlying grpc-js client (for `waitForReady`, channel state). */
  readonly grpcClient: Client;
};
