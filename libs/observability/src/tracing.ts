import {
  context,
  createContextKey,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';

export { SpanKind, SpanStatusCode, type Attributes, type Context, type Span };

const TRACER_NAME = 'cairn';
const TENANT_KEY = createContextKey('cairn.tenant');

let running: { sdk: NodeSDK; users: number } | undefined;

/** Options of {@link startTracing}. */
export interface TracingOptions {
  /** `service.name` of the spans (OTEL_SERVICE_NAME overrides it). */
  readonly service: string;
  /** Explicit span processors (tests); without them the exporter comes from the standard OTEL_* variables. */
  readonly spanProcessors?: SpanProcessor[];
  /** False: spans are created (trace context flows, ids reach logs) but never exported. */
  readonly exportSpans?: boolean;
  /** Where a failed flush at shutdown is reported (telemetry never fails a shutdown). */
  readonly onError?: (error: unknown) => void;
}

/**
 * Starts the OpenTelemetry SDK once per process (services composed in one process share it):
 * W3C trace context propagation, async-context tracking, and the span exporter chosen by the
 * standard variables (OTEL_TRACES_EXPORTER = otlp | console | none, OTEL_EXPORTER_OTLP_ENDPOINT,
 * OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_TRACES_SAMPLER, OTEL_RESOURCE_ATTRIBUTES …).
 * Resolves a shutdown that flushes pending spans when the last user stops.
 */
export function startTracing(options: TracingOptions): () => Promise<void> {
  if (!running) {
    const processors = options.spanProcessors ?? (options.exportSpans === false ? [] : undefined);
    const sdk = new NodeSDK({
      serviceName: options.service,
      instrumentations: [],
      ...(processors ? { spanProcessors: processors } : {}),
    });
    sdk.start();
    running = { sdk, users: 0 };
  }
  const current = running;
  current.users++;
  let stopped = false;
  return async () => {
    if (stopped) return;
    stopped = true;
    current.users--;
    if (current.users === 0 && running === current) {
      running = undefined;
      await current.sdk.shutdown().catch((error: unknown) => options.onError?.(error));
    }
  };
}

/** The platform's tracer (a no-op until `startTracing`). */
export function tracer() {
  return trace.getTracer(TRACER_NAME);
}

/** The context a W3C `traceparent` continues (the active context when absent or malformed). */
export function contextFromTraceparent(
  traceparent: string | undefined,
  base: Context = context.active(),
): Context {
  if (!traceparent) return base;
  return propagation.extract(base, { traceparent }, carrierGetter);
}

/** The W3C `traceparent` of a context's span, if it has a valid one. */
export function traceparentOf(ctx: Context = context.active()): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier['traceparent'];
}

/** `ctx` carrying the tenant an operation acts for (log lines written under it name the tenant). */
export function withTenantContext(tenant: string, ctx: Context = context.active()): Context {
  return tenant ? ctx.setValue(TENANT_KEY, tenant) : ctx;
}

/** The tenant of the active operation, if one was set. */
export function activeTenant(): string | undefined {
  const tenant = context.active().getValue(TENANT_KEY);
  return typeof tenant === 'string' ? tenant : undefined;
}

/** Trace and span ids of the active span, for log lines. */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const { traceId, spanId } = span.spanContext();
  if (!trace.isSpanContextValid(span.spanContext())) return undefined;
  return { trace_id: traceId, span_id: spanId };
}

/** How a span is started by {@link withSpan}. */
export interface SpanOptions {
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  /** Parent context (default: the active one). */
  readonly parent?: Context;
  readonly links?: Link[];
}

/**
 * Runs `work` in a new active span, records an exception and an error status when it throws, and
 * ends the span. `work` may set attributes and status on the span it gets.
 */
export async function withSpan<T>(
  name: string,
  options: SpanOptions,
  work: (span: Span, ctx: Context) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes ? { attributes: options.attributes } : {}),
      ...(options.links ? { links: options.links } : {}),
    },
    parent,
  );
  const ctx = trace.setSpan(parent, span);
  try {
    return await context.with(ctx, () => work(span, ctx));
  } catch (error) {
    recordFailure(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Marks a span failed with the error. */
export function recordFailure(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

/** A link to the span a `traceparent` names (batch consumers link every event they handle). */
export function linkTo(traceparent: string | undefined): Link | undefined {
  if (!traceparent) return undefined;
  const spanContext = trace.getSpanContext(contextFromTraceparent(traceparent, ROOT_CONTEXT));
  return spanContext && trace.isSpanContextValid(spanContext) ? { context: spanContext } : undefined;
}

const carrierGetter = {
  get: (carrier: Record<string, string>, key: string) => carrier[key],
  keys: (carrier: Record<string, string>) => Object.keys(carrier),
};
