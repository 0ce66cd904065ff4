import type { Metadata } from '@grpc/grpc-js';
import type {
  DescMessage,
  DescMethod,
  DescMethodBiDiStreaming,
  DescMethodClientStreaming,
  DescMethodServerStreaming,
  DescMethodUnary,
  DescService,
  MessageInitShape,
  MessageShape,
} from '@bufbuild/protobuf';
import type { Role } from '@cairn/contracts/cairn/common/v1/options';

/**
 * What a handler knows about the call besides the request: who calls (from the API key), for which
 * tenant, the request metadata, the deadline and a signal that fires when the call is cancelled or
 * its deadline passes.
 */
export interface CallContext {
  /**
   * Id of the API key that authenticated the call (for a service key: the principal it acts for, when
   * named); undefined on public services (health, reflection).
   */
  readonly principal: string | undefined;
  /** Tenant of the API key (for a service key: the tenant its call names); '' on public services. */
  readonly tenant: string;
  /** Roles of the API key (empty on public services). */
  readonly roles: readonly Role[];
  /** Request metadata as received (the authorization value included: never log it). */
  readonly metadata: Metadata;
  /** Deadline the client set, if any. */
  readonly deadline: Date | undefined;
  /** Aborted when the client cancels, the deadline passes or the server stops; `reason` is a GrpcError. */
  readonly signal: AbortSignal;
  /** W3C `traceparent` of the call's server span (child of the caller's), or the caller's when not traced. */
  readonly traceparent: string | undefined;
  /** Remote address as grpc-js reports it (`ipv4:127.0.0.1:50123`). */
  readonly peer: string;
  /** Descriptor of the method being called (options such as `required_role` readable from it). */
  readonly method: DescMethod;
}

/** A response a handler may return: a message or an init object for one. */
export type ResponseInit<O extends DescMessage> = MessageShape<O> | MessageInitShape<O>;

/** Unary: one request, one response. */
export type UnaryImpl<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  context: CallContext,
) => Promise<ResponseInit<O>>;

/** Server streaming: one request, a stream of responses. */
export type ServerStreamingImpl<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  context: CallContext,
) => AsyncIterable<ResponseInit<O>>;

/** Client streaming: a stream of requests, one response. */
export type ClientStreamingImpl<I extends DescMessage, O extends DescMessage> = (
  requests: AsyncIterable<MessageShape<I>>,
  context: CallContext,
) => Promise<ResponseInit<O>>;

/** Bidirectional streaming: a stream each way. */
export type BiDiStreamingImpl<I extends DescMessage, O extends DescMessage> = (
  requests: AsyncIterable<MessageShape<I>>,
  context: CallContext,
) => AsyncIterable<ResponseInit<O>>;

/** The handler type for one method descriptor. */
export type MethodImpl<M> =
  M extends DescMethodUnary<infer I, infer O>
    ? UnaryImpl<I, O>
    : M extends DescMethodServerStreaming<infer I, infer O>
      ? ServerStreamingImpl<I, O>
      : M extends DescMethodClientStreaming<infer I, infer O>
        ? ClientStreamingImpl<I, O>
        : M extends DescMethodBiDiStreaming<infer I, infer O>
          ? BiDiStreamingImpl<I, O>
          : never;

/**
 * Implementation of a protobuf-es service, keyed by the methods' `localName` (like connect-es's
 * `ServiceImpl`): `class IngestionGrpcController implements GrpcServiceImpl<typeof IngestionService>`.
 */
export type GrpcServiceImpl<S extends DescService> = {
  [K in keyof S['method']]: MethodImpl<S['method'][K]>;
};
