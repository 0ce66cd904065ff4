export * from './event-bus.port.js';
export { defineTopic, schemaVersionOf, topicFor, type TopicDefinition } from './topic-spec.js';
export { ContentTypes, DlqHeaders, EventHeaders, isTraceparent } from './event-headers.js';
export {
  decodeEvent,
  derivedEventId,
  stableEventId,
  encodeEvent,
  EventDecodeError,
  type ConsumedRecord,
  type DecodeResult,
  type EncodedEvent,
} from './event-codec.js';
export { murmur2, partitionFor } from './partitioner.js';
export { DEFAULT_RETRY_POLICY, backoffDelay, type RetryPolicy } from './delivery/retry-policy.js';
export type { IdempotencyStore } from './idempotency/idempotency-store.port.js';
export { InMemoryIdempotencyStore } from './idempotency/in-memory.idempotency-store.js';
export {
  SqliteIdempotencyStore,
  type SqliteIdempotencyStoreOptions,
} from './idempotency/sqlite.idempotency-store.js';
export { EmbeddedEventBus, type EmbeddedEventBusOptions } from './embedded/embedded.event-bus.js';
export { KafkaEventBus } from './kafka/kafka.event-bus.js';
export { kafkaGroupId, type KafkaConsumerTuning, type KafkaEventBusOptions } from './kafka/kafka.options.js';
export { EventsModule, type EventsModuleOptions } from './nest/events.module.js';
export {
  EventConsumer,
  eventConsumerMetadataOf,
  type BatchEventHandler,
  type ConsumedTopic,
  type EventConsumerMetadata,
  type EventConsumerOptions,
  type EventHandler,
} from './nest/event-consumer.decorator.js';
export { EVENT_BUS } from './nest/events.tokens.js';
