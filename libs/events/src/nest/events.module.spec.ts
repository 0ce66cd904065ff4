import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { StringValueSchema } from '@bufbuild/protobuf/wkt';
import { Inject, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { silentLogger } from '@cairn/observability';
import { EmbeddedEventBus } from '../embedded/embedded.event-bus.js';
import type { EventBus, EventEnvelope } from '../event-bus.port.js';
import { Collected } from '../testing/wait-for.js';
import { defineTopic } from '../topic-spec.js';
import { EventConsumer, eventConsumerMetadataOf, type EventHandler } from './event-consumer.decorator.js';
import { EventsModule } from './events.module.js';
import { EVENT_BUS } from './events.tokens.js';

const greetings = defineTopic({
  name: 'nest.greeting-sent.v1',
  schema: StringValueSchema,
  key: (m) => m.value,
});
const RECEIVED = Symbol('received');
type Greeting = EventEnvelope<{ value: string }>;

@Injectable()
@EventConsumer(greetings, { group: 'nest-spec', idempotencyKey: (e) => e.id })
class GreetingSentConsumer implements EventHandler<typeof StringValueSchema> {
  constructor(@Inject(RECEIVED) private readonly received: Collected<Greeting>) {}

  async handle(event: Greeting): Promise<void> {
    this.received.push(event);
  }
}

const farewells = defineTopic({
  name: 'nest.farewell-sent.v1',
  schema: StringValueSchema,
  key: (m) => m.value,
});

@Injectable()
@EventConsumer([greetings, farewells], { group: 'nest-spec-many' })
class EveryMessageConsumer implements EventHandler<typeof StringValueSchema> {
  constructor(@Inject(RECEIVED) private readonly received: Collected<Greeting>) {}

  async handle(event: Greeting): Promise<void> {
    this.received.push(event);
  }
}

@Injectable()
@EventConsumer(StringValueSchema, { group: 'nest-spec-bad' })
class NotAnEventConsumer implements EventHandler<typeof StringValueSchema> {
  async handle(): Promise<void> {
    // never subscribed: StringValue declares no event option
  }
}

function appModule(
  received: Collected<Greeting>,
  consumers: (new (...args: never[]) => unknown)[],
): new () => unknown {
  @Module({
    imports: [
      EventsModule.forRoot({
        bus: () => new EmbeddedEventBus({ path: ':memory:', logger: silentLogger() }),
        topics: [greetings],
      }),
    ],
    providers: [{ provide: RECEIVED, useValue: received }, ...consumers],
  })
  class AppModule {}
  return AppModule;
}

void describe('EventsModule', () => {
  void it('subscribes @EventConsumer providers at bootstrap and stops the bus on close', async () => {
    const received = new Collected<Greeting>();
    const app = await NestFactory.createApplicationContext(appModule(received, [GreetingSentConsumer]), {
      logger: false,
    });
    const bus = app.get<EventBus>(EVENT_BUS);
    try {
      await bus.publish(greetings, create(StringValueSchema, { value: 'hello' }), { tenant: 'acme' });
      await received.atLeast(1);
      assert.equal(received.items[0]!.payload.value, 'hello');
      assert.equal(received.items[0]!.tenant, 'acme');
    } finally {
      await app.close();
    }
    await assert.rejects(
      bus.publish(greetings, create(StringValueSchema, { value: 'late' }), { tenant: 'acme' }),
      /stopped/,
    );
  });

  void it('subscribes a consumer of several topics to each of them', async () => {
    const received = new Collected<Greeting>();
    const app = await NestFactory.createApplicationContext(appModule(received, [EveryMessageConsumer]), {
      logger: false,
    });
    const bus = app.get<EventBus>(EVENT_BUS);
    try {
      await bus.publish(greetings, create(StringValueSchema, { value: 'hello' }), { tenant: 'acme' });
      await bus.publish(farewells, create(StringValueSchema, { value: 'bye' }), { tenant: 'acme' });
      await received.atLeast(2);
      assert.deepEqual(received.items.map((event) => `${event.topic}:${event.payload.value}`).sort(), [
        'nest.farewell-sent.v1:bye',
        'nest.greeting-sent.v1:hello',
      ]);
    } finally {
      await app.close();
    }
  });

  void it('fails bootstrap with a clear error when a consumer names a message without an event option', async () => {
    await assert.rejects(
      NestFactory.createApplicationContext(appModule(new Collected(), [NotAnEventConsumer]), {
        logger: false,
        abortOnError: false,
      }),
      /@EventConsumer NotAnEventConsumer: google\.protobuf\.StringValue is not an event payload/,
    );
  });

  void it('exposes what @EventConsumer recorded, for tools that describe a service without starting it', () => {
    const metadata = eventConsumerMetadataOf(EveryMessageConsumer);
    assert.deepEqual(metadata?.topic, [greetings, farewells]);
    assert.equal(metadata?.options.group, 'nest-spec-many');
    assert.equal(eventConsumerMetadataOf(class NotDecorated {}), undefined);
  });
});
