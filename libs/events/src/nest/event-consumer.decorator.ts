import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { DiscoveryService } from '@nestjs/core';
import type { BackoffOptions, BatchBounds, EventEnvelope, TopicSpec } from '../event-bus.port.js';

/** A provider that handles the events of one topic; it does not know which adapter delivers them. */
export interface EventHandler<S extends DescMessage> {
  /** Resolves when the event is handled; a rejection is retried, then dead-lettered. */
  handle(event: EventEnvelope<MessageShape<S>>): Promise<void>;
}

/** A provider that handles the events of one topic in batches (see `BatchSubscribeOptions`). */
export interface BatchEventHandler<S extends DescMessage> {
  /** Resolves when every event is handled; a rejection retries the batch, then its events one by one. */
  handleBatch(events: readonly EventEnvelope<MessageShape<S>>[]): Promise<void>;
}

/** Options of `@EventConsumer`. */
export interface EventConsumerOptions<S extends DescMessage> {
  /** Consumer group (instances of the service share its partitions). */
  readonly group: string;
  /** Applies each key at most once per group (e.g. `e => e.id`). */
  readonly idempotencyKey?: (event: EventEnvelope<MessageShape<S>>) => string | undefined;
  readonly maxAttempts?: number;
  readonly backoff?: Partial<BackoffOptions>;
  /**
   * Delivers events in batches to `handleBatch` (the class implements `BatchEventHandler`);
   * a function is resolved at bootstrap with the provider instance (for bounds from config).
   */
  readonly batch?: BatchBounds | ((instance: object) => BatchBounds);
}

/** A topic given to `@EventConsumer`: a payload schema (topic from its event option) or an explicit topic. */
export type ConsumedTopic<S extends DescMessage = DescMessage> = S | TopicSpec<S>;

/** What `@EventConsumer` records on the class. */
export interface EventConsumerMetadata {
  /** The topic, or the topics (one subscription each, same group and handler). */
  readonly topic: ConsumedTopic | readonly ConsumedTopic[];
  readonly options: EventConsumerOptions<DescMessage>;
}

/** Discoverable marker read by the events module at bootstrap. */
export const EventConsumerMarker = DiscoveryService.createDecorator<EventConsumerMetadata>();

/**
 * Marks a provider implementing `EventHandler<S>` as the consumer of a topic: given by its payload
 * schema (topic read from its `(cairn.common.v1.event)` option at bootstrap) or by a `TopicSpec`.
 * Given a list of topics, the provider handles all of them (one subscription per topic, in the same
 * group); its handler then receives any of their payloads and tells them apart by `event.type`.
 * `EventsModule` subscribes it when the application bootstraps.
 */
export function EventConsumer<S extends DescMessage>(
  topic: ConsumedTopic<S> | readonly ConsumedTopic<S>[],
  options: EventConsumerOptions<S>,
): <C extends new (...args: never[]) => EventHandler<S> | BatchEventHandler<S>>(target: C) => void {
  return (target) => {
    EventConsumerMarker({ topic, options })(target);
  };
}

/**
 * What `@EventConsumer` recorded on a provider class, or undefined when it is not a consumer. For tools
 * that describe a service without starting it (the event catalogue); `EventsModule` discovers consumers itself.
 */
export function eventConsumerMetadataOf(
  target: abstract new (...args: never[]) => unknown,
): EventConsumerMetadata | undefined {
  return Reflect.getMetadata(EventConsumerMarker.KEY, target) as EventConsumerMetadata | undefined;
}
