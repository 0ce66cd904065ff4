import { context, ROOT_CONTEXT, trace, type Context, type Span } from '@opentelemetry/api';
import {
  contextFromTraceparent,
  recordFailure,
  SpanKind,
  traceparentOf,
  tracer,
  withSpan,
  withTenantContext,
} from '@cairn/observability';
import type { EventEnvelope, PublishedEvent, PublishOptions } from '../event-bus.port.js';

const MESSAGING_SYSTEM = 'kafka';

/**
 * Publishes inside a PRODUCER span: a child of `options.traceparent` when given (handlers pass the
 * event they handle), else of the active span; the event carries the producer span's context.
 */
export function tracedPublish(
  topic: string,
  options: PublishOptions,
  send: (options: PublishOptions) => Promise<PublishedEvent>,
): Promise<PublishedEvent> {
  const parent = options.traceparent
    ? contextFromTraceparent(options.traceparent, ROOT_CONTEXT)
    : context.active();
  return withSpan(
    `${topic} publish`,
    {
      kind: SpanKind.PRODUCER,
      parent,
      attributes: {
        'messaging.system': MESSAGING_SYSTEM,
        'messaging.operation.type': 'send',
        'messaging.destination.name': topic,
        'cairn.tenant': options.tenant,
      },
    },
    async (span, ctx) => {
      const traceparent = traceparentOf(ctx) ?? options.traceparent;
      const published = await send(traceparent ? { ...options, traceparent } : options);
      span.setAttributes({
        'messaging.message.id': published.eventId,
        'messaging.destination.partition.id': String(published.partition),
        'messaging.kafka.offset': Number(published.offset),
      });
      return published;
    },
  );
}

/**
 * CONSUMER spans of events handled together: one per event, a child of the span that published it
 * (so one ingest stays one trace across every hop), each event re-pointed at its own span. The
 * handler runs in the first event's span, which links the spans that published the others.
 */
export class ConsumerSpans<T> {
  readonly events: Array<EventEnvelope<T>>;
  private readonly spans: Span[];
  private readonly active: Context;

  constructor(topic: string, group: string, events: ReadonlyArray<EventEnvelope<T>>) {
    // The handler runs in the first event's span: it links the spans that published the others.
    const links = events
      .slice(1, 129)
      .map((other) => trace.getSpanContext(contextFromTraceparent(other.traceparent, ROOT_CONTEXT)))
      .filter((spanContext) => spanContext !== undefined && trace.isSpanContextValid(spanContext))
      .map((spanContext) => ({ context: spanContext! }));
    this.spans = events.map((event, index) =>
      tracer().startSpan(
        `${topic} process`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            'messaging.system': MESSAGING_SYSTEM,
            'messaging.operation.type': 'process',
            'messaging.destination.name': topic,
            'messaging.consumer.group.name': group,
            'messaging.message.id': event.id,
            'messaging.destination.partition.id': String(event.partition),
            'messaging.kafka.offset': Number(event.offset),
            'messaging.batch.message_count': events.length,
            'cairn.tenant': event.tenant,
          },
          ...(index === 0 && links.length > 0 ? { links } : {}),
        },
        contextFromTraceparent(event.traceparent, ROOT_CONTEXT),
      ),
    );
    this.events = events.map((event, index) => {
      const traceparent = traceparentOf(trace.setSpan(ROOT_CONTEXT, this.spans[index] as Span));
      return traceparent ? { ...event, traceparent } : event;
    });
    this.active = withTenantContext(
      events[0]?.tenant ?? '',
      trace.setSpan(ROOT_CONTEXT, this.spans[0] as Span),
    );
  }

  /** Runs `work` with the first event's span active. */
  run<R>(work: () => Promise<R>): Promise<R> {
    return context.with(this.active, work);
  }

  /** Ends every span, failed when `error` is given. */
  end(error?: unknown): void {
    for (const span of this.spans) {
      if (error !== undefined) recordFailure(span, error);
      span.end();
    }
  }
}
