import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { EnsureTopicsOptions, EventBus, TopicRef } from '../event-bus.port.js';
import { EventConsumersLifecycle } from './event-consumers.lifecycle.js';
import { EVENT_BUS, EVENTS_MODULE_OPTIONS } from './events.tokens.js';

/** Options of `EventsModule.forRoot`. */
export interface EventsModuleOptions {
  /** The bus, or a factory building it (the adapter is chosen there, from config). Started when provided. */
  readonly bus: EventBus | (() => EventBus | Promise<EventBus>);
  /** Topics (and their DLQs) created on init. Topics of `@EventConsumer`s are created at bootstrap. */
  readonly topics?: readonly TopicRef[];
  /**
   * Prefix of every consumer group (e.g. `staging-`): deployments that share a broker, or test
   * topologies that run side by side, then never take each other's partitions.
   */
  readonly groupPrefix?: string;
  /** Layout of created topics (adapter defaults otherwise). */
  readonly topicLayout?: Partial<EnsureTopicsOptions>;
}

/**
 * Global module providing the `EVENT_BUS`. Creates topics on init, subscribes every
 * `@EventConsumer` provider at application bootstrap, stops the bus on shutdown.
 */
@Module({})
export class EventsModule {
  static forRoot(options: EventsModuleOptions): DynamicModule {
    return {
      module: EventsModule,
      global: true,
      imports: [DiscoveryModule],
      providers: [
        { provide: EVENTS_MODULE_OPTIONS, useValue: options },
        {
          provide: EVENT_BUS,
          useFactory: async (): Promise<EventBus> => {
            const bus = typeof options.bus === 'function' ? await options.bus() : options.bus;
            await bus.start();
            return bus;
          },
        },
        EventConsumersLifecycle,
      ],
      exports: [EVENT_BUS],
    };
  }
}
