import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import {
  Metadata,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedHandleCall,
  type sendUnaryData,
} from '@grpc/grpc-js';
import type { DescMethod, Message } from '@bufbuild/protobuf';
import {
  contextFromTraceparent,
  recordFailure,
  SpanKind,
  traceparentOf,
  tracer,
  withTenantContext,
  type Logger,
  type RpcServerMetrics,
} from '@cairn/observability';
import { context, trace, type Span } from '@opentelemetry/api';
import type { ApiKeyAuthenticator } from '../auth/api-key.authenticator.js';
import { bindTenant } from '../auth/tenant.guard.js';
import { GrpcError, Status } from '../errors/grpc-error.js';
import type { TenantRateLimiter } from '../limits/tenant-rate-limiter.js';
import { openCall, type OpenedCall, type ServerSurfaceCall } from './call-context.js';
import { DecodeFailure, methodPath } from './service-definition.js';
import type { CallContext } from './service-impl.types.js';

/** One method of a registered implementation. */
export interface MethodBinding {
  readonly method: DescMethod;
  /** The implementation object; its method `method.localName` is called with `this` bound to it. */
  readonly target: object;
  /** Public methods (health, reflection) skip API key checks and tenant binding. */
  readonly isPublic: boolean;
}

/** What every handler needs from the server. */
export interface HandlerEnvironment {
  readonly authenticator: ApiKeyAuthenticator;
  readonly logger: Logger;
  readonly metrics?: RpcServerMetrics;
  /** Per-tenant rate limit of authenticated calls; none when absent. */
  readonly rateLimiter?: TenantRateLimiter;
}

type ImplFn = (input: unknown, context: CallContext) => unknown;
type WireStatus = { code: Status; details: string; metadata: Metadata };

/** The grpc-js handler for one method: auth, rate limit, tenant binding, decoding checks, error mapping. */
export function grpcHandlerFor(binding: MethodBinding, env: HandlerEnvironment): UntypedHandleCall {
  const impl = (binding.target as Record<string, ImplFn>)[binding.method.localName];
  if (typeof impl !== 'function') {
    throw new Error(
      `${binding.method.parent.typeName}: implementation has no method '${binding.method.localName}'`,
    );
  }
  const run = new CallRunner(binding, env, impl.bind(binding.target));
  switch (binding.method.methodKind) {
    case 'unary':
      return (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) =>
        run.guard(
          call,
          async (ctx) => {
            const response = await run.invoke(run.accept(call.request, ctx), ctx);
            callback(null, response);
          },
          (status) => callback(status),
        );
    case 'server_streaming':
      return (call: ServerWritableStream<unknown, unknown>) =>
        run.guard(
          call,
          async (ctx) => {
            await writeAll(call, run.invoke(run.accept(call.request, ctx), ctx), ctx.signal);
            call.end();
          },
          (status) => call.emit('error', status),
        );
    case 'client_streaming':
      return (call: ServerReadableStream<unknown, unknown>, callback: sendUnaryData<unknown>) =>
        run.guard(
          call,
          async (ctx) => {
            const response = await run.invoke(run.requests(call, ctx), ctx);
            callback(null, response);
          },
          (status) => callback(status),
        );
    case 'bidi_streaming':
      return (call: ServerDuplexStream<unknown, unknown>) =>
        run.guard(
          call,
          async (ctx) => {
            await writeAll(call, run.invoke(run.requests(call, ctx), ctx), ctx.signal);
            call.end();
          },
          (status) => call.emit('error', status),
        );
  }
}

class CallRunner {
  private readonly path: string;

  constructor(
    private readonly binding: MethodBinding,
    private readonly env: HandlerEnvironment,
    private readonly impl: ImplFn,
  ) {
    this.path = methodPath(binding.method);
  }

  /**
   * Authenticates, opens the context, runs `body` in a server span continuing the caller's
   * `traceparent`, turns any failure into a status, and records the RPC's metrics.
   */
  guard(
    call: ServerSurfaceCall,
    body: (ctx: CallContext) => Promise<void>,
    fail: (status: WireStatus) => void,
  ): void {
    const started = performance.now();
    const { method } = this.binding;
    const sent = call.metadata.get('traceparent')[0];
    const parent = contextFromTraceparent(typeof sent === 'string' ? sent : undefined);
    const span = tracer().startSpan(
      this.path.slice(1),
      {
        kind: SpanKind.SERVER,
        attributes: {
          'rpc.system': 'grpc',
          'rpc.service': method.parent.typeName,
          'rpc.method': method.name,
        },
      },
      parent,
    );
    const spanContext = trace.setSpan(parent, span);
    let opened: OpenedCall | undefined;
    const execute = async (): Promise<void> => {
      const principal = this.binding.isPublic
        ? undefined
        : await this.env.authenticator.authenticate(call.metadata);
      if (principal) {
        this.env.authenticator.authorize(principal, method);
        this.env.rateLimiter?.admit(principal.tenant, method);
      }
      opened = openCall(call, method, principal, traceparentOf(spanContext));
      if (principal) span.setAttribute('cairn.tenant', principal.tenant);
      const callContext = opened.context;
      await context.with(withTenantContext(callContext.tenant), () => body(callContext));
      this.finish(span, 'OK', started);
      this.env.logger.debug({ method: this.path, code: 'OK', ms: elapsed(started) }, 'gRPC call');
    };
    void context
      .with(spanContext, execute)
      .catch((error: unknown) => {
        const status = this.statusOf(error, opened?.context, started);
        if (status.code === Status.INTERNAL || status.code === Status.UNKNOWN) recordFailure(span, error);
        this.finish(span, Status[status.code] ?? String(status.code), started, status.code);
        fail(status);
      })
      .catch((error: unknown) =>
        this.env.logger.error({ err: error, method: this.path }, 'gRPC: could not send the error status'),
      )
      .finally(() => {
        span.end();
        opened?.close();
      });
  }

  private finish(span: Span, code: string, started: number, numeric: number = Status.OK): void {
    span.setAttribute('rpc.grpc.status_code', numeric);
    this.env.metrics?.observe(this.path, code, (performance.now() - started) / 1000);
  }

  invoke<T>(input: unknown, ctx: CallContext): T {
    return this.impl(input, ctx) as T;
  }

  /** Checks one decoded request and binds it to the caller's tenant. */
  accept(raw: unknown, ctx: CallContext): Message {
    if (raw instanceof DecodeFailure) {
      throw new GrpcError(Status.INVALID_ARGUMENT, raw.message, { reason: 'MALFORMED_REQUEST' });
    }
    const request = raw as Message;
    if (!this.binding.isPublic) bindTenant(this.binding.method.input, request, ctx.tenant);
    return request;
  }

  /** The request stream as the implementation sees it: checked, tenant-bound messages. */
  async *requests(call: ServerReadableStream<unknown, unknown>, ctx: CallContext): AsyncGenerator<Message> {
    const source = call.iterator({ destroyOnReturn: false }) as AsyncIterator<unknown>;
    for (;;) {
      const next = await source.next();
      if (next.done) return;
      yield this.accept(next.value, ctx);
    }
  }

  private statusOf(error: unknown, ctx: CallContext | undefined, started: number): WireStatus {
    const ms = elapsed(started);
    if (error instanceof GrpcError) {
      this.env.logger.debug(
        { method: this.path, code: error.codeName, reason: error.details?.reason, ms },
        'gRPC call failed',
      );
      return error.toStatus();
    }
    if (ctx?.signal.aborted && ctx.signal.reason instanceof GrpcError) {
      this.env.logger.debug(
        { method: this.path, code: ctx.signal.reason.codeName, ms, err: error },
        'gRPC call ended after cancellation',
      );
      return ctx.signal.reason.toStatus();
    }
    const errorId = randomUUID().slice(0, 8);
    this.env.logger.error(
      { err: error, method: this.path, principal: ctx?.principal, errorId, ms },
      'gRPC handler failed',
    );
    return { code: Status.INTERNAL, details: `internal error (id ${errorId})`, metadata: new Metadata() };
  }
}

/** Writes every response, honouring backpressure; stops (throwing the reason) when the signal fires. */
async function writeAll(
  call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>,
  responses: AsyncIterable<unknown>,
  signal: AbortSignal,
): Promise<void> {
  for await (const response of responses) {
    signal.throwIfAborted();
    if (!call.write(response)) await once(call, 'drain', { signal });
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
