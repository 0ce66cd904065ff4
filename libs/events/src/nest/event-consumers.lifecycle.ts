import type { DescMessage } from '@bufbuild/protobuf';
import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { BatchBounds, EventBus, Subscription, TopicSpec } from '../event-bus.port.js';
import { topicFor } from '../topic-spec.js';
import {
  EventConsumerMarker,
  type BatchEventHandler,
  type ConsumedTopic,
  type EventConsumerMetadata,
  type EventHandler,
} from './event-consumer.decorator.js';
import type { EventsModuleOptions } from './events.module.js';
import { EVENT_BUS, EVENTS_MODULE_OPTIONS } from './events.tokens.js';

interface DiscoveredConsumer {
  readonly name: string;
  readonly topic: TopicSpec;
  readonly handler: EventHandler<DescMessage> | BatchEventHandler<DescMessage>;
  readonly metadata: EventConsumerMetadata;
}

/**
 * Runs the bus with the application: creates the declared topics on init, subscribes every
 * `@EventConsumer` provider at bootstrap, closes subscriptions and stops the bus on shutdown.
 */
@Injectable()
export class EventConsumersLifecycle
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly subscriptions: Subscription[] = [];

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(EVENTS_MODULE_OPTIONS) private readonly options: EventsModuleOptions,
    private readonly discovery: DiscoveryService,
  ) {}

  async onModuleInit(): Promise<void> {
    const topics = this.options.topics ?? [];
    if (topics.length > 0)
      await this.releaseOnFailure(() => this.bus.ensureTopics(topics, this.options.topicLayout));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.releaseOnFailure(() => this.subscribeConsumers());
  }

  private async subscribeConsumers(): Promise<void> {
    const consumers = this.discover();
    if (consumers.length === 0) return;
    await this.bus.ensureTopics(
      consumers.map((c) => c.topic),
      this.options.topicLayout,
    );
    for (const consumer of consumers) {
      const { options } = consumer.metadata;
      const { handler } = consumer;
      const common = {
        group: `${this.options.groupPrefix ?? ''}${options.group}`,
        ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
        ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
        ...(options.backoff ? { backoff: options.backoff } : {}),
      };
      const subscription =
        'handleBatch' in handler
          ? await this.bus.subscribeBatch(consumer.topic, {
              ...common,
              batch: typeof options.batch === 'function' ? options.batch(handler) : requireBatch(consumer),
              handleBatch: (events) => handler.handleBatch(events),
            })
          : await this.bus.subscribe(consumer.topic, {
              ...common,
              handler: (event) => handler.handle(event),
            });
      this.subscriptions.push(subscription);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    const subscriptions = this.subscriptions.splice(0);
    await Promise.all(subscriptions.map((subscription) => subscription.close()));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.bus.stop();
  }

  // Nest runs no shutdown hook after a failed init or bootstrap: release the bus here, then fail.
  private async releaseOnFailure(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      await this.beforeApplicationShutdown();
      await this.bus.stop();
      throw error;
    }
  }

  private discover(): DiscoveredConsumer[] {
    return this.discovery.getProviders({ metadataKey: EventConsumerMarker.KEY }).flatMap((wrapper) => {
      const name = String(wrapper.name);
      const metadata: EventConsumerMetadata | undefined = this.discovery.getMetadataByDecorator<
        typeof EventConsumerMarker
      >(EventConsumerMarker, wrapper);
      const instance: unknown = wrapper.instance;
      if (!metadata) throw new Error(`@EventConsumer metadata missing on ${name}`);
      if (!wrapper.isDependencyTreeStatic() || !isHandler(instance)) {
        throw new Error(
          `@EventConsumer ${name} must be a singleton provider with a handle(event) or a handleBatch(events) method`,
        );
      }
      const topics = isTopicList(metadata.topic) ? metadata.topic : [metadata.topic];
      return topics.map((topic) => ({ name, topic: resolveTopic(name, topic), handler: instance, metadata }));
    });
  }
}

function isTopicList(topic: EventConsumerMetadata['topic']): topic is readonly ConsumedTopic[] {
  return Array.isArray(topic);
}

function resolveTopic(consumer: string, topic: ConsumedTopic): TopicSpec {
  try {
    return 'schema' in topic ? topic : topicFor(topic);
  } catch (error) {
    throw new Error(`@EventConsumer ${consumer}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

function isHandler(value: unknown): value is EventHandler<DescMessage> | BatchEventHandler<DescMessage> {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { handle?: unknown; handleBatch?: unknown };
  return typeof candidate.handle === 'function' || typeof candidate.handleBatch === 'function';
}

function requireBatch(consumer: DiscoveredConsumer): BatchBounds {
  const { batch } = consumer.metadata.options;
  if (batch === undefined || typeof batch === 'function') {
    throw new Error(
      `@EventConsumer ${consumer.name} has handleBatch(events) but no batch bounds in its options`,
    );
  }
  return batch;
}
