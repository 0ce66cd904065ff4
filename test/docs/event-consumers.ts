import 'reflect-metadata';
import { eventConsumerMetadataOf, topicFor, type ConsumedTopic } from '@cairn/events';
import { isModuleClass, type ModuleClass } from './service-packages.js';

/** One subscription a service makes at bootstrap: what `EventsModule` subscribes for an `@EventConsumer`. */
export interface DeclaredConsumer {
  readonly topic: string;
  /** Consumer group as declared (the process prepends `CAIRN_EVENTS_GROUP_PREFIX`). */
  readonly group: string;
  /** The provider class that handles the events. */
  readonly className: string;
  /** True when it receives batches (`handleBatch`), false for one event at a time. */
  readonly batch: boolean;
  /** True when it drops events whose idempotency key it has applied before. */
  readonly idempotent: boolean;
  /** Handler attempts before the DLQ, when the consumer sets its own (else `CAIRN_EVENTS_MAX_ATTEMPTS`). */
  readonly maxAttempts: number | undefined;
}

/**
 * The event consumers of a service: the `@EventConsumer` providers of its modules and of the modules they
 * import, read from the decorator's metadata, the same metadata `EventsModule` subscribes from.
 */
export function declaredConsumers(modules: readonly ModuleClass[]): DeclaredConsumer[] {
  const consumers: DeclaredConsumer[] = [];
  for (const provider of providerClasses(modules)) {
    const metadata = eventConsumerMetadataOf(provider);
    if (!metadata) continue;
    const topics: readonly ConsumedTopic[] = Array.isArray(metadata.topic)
      ? metadata.topic
      : [metadata.topic];
    const batch = typeof (provider.prototype as { handleBatch?: unknown }).handleBatch === 'function';
    for (const topic of topics) {
      consumers.push({
        topic: 'schema' in topic ? topic.name : topicFor(topic).name,
        group: metadata.options.group,
        className: provider.name,
        batch,
        idempotent: metadata.options.idempotencyKey !== undefined,
        maxAttempts: metadata.options.maxAttempts,
      });
    }
  }
  return consumers;
}

type ProviderClass = ModuleClass & { readonly name: string; readonly prototype: object };

/** Every class provider of the modules (`Foo` or `{ provide, useClass: Foo }`), imports followed. */
function providerClasses(modules: readonly ModuleClass[]): ProviderClass[] {
  const seen = new Set<unknown>();
  const classes = new Set<ProviderClass>();
  const visit = (module: unknown): void => {
    const resolved = resolveForwardRef(module);
    if (seen.has(resolved) || resolved === undefined || resolved === null) return;
    seen.add(resolved);
    if (isModuleClass(resolved)) {
      addProviders(Reflect.getMetadata('providers', resolved) as unknown);
      for (const imported of (Reflect.getMetadata('imports', resolved) as unknown[] | undefined) ?? [])
        visit(imported);
    } else if (typeof resolved === 'object' && 'module' in resolved) {
      // A dynamic module: its own providers and imports, then its class's.
      const dynamic = resolved as { module: unknown; providers?: unknown; imports?: unknown[] };
      addProviders(dynamic.providers);
      for (const imported of dynamic.imports ?? []) visit(imported);
      visit(dynamic.module);
    } else if (resolved instanceof Promise) {
      throw new Error(
        'a service module imports an asynchronous dynamic module: the event catalogue cannot read it',
      );
    }
  };
  const addProviders = (providers: unknown): void => {
    for (const provider of (providers as unknown[] | undefined) ?? []) {
      if (typeof provider === 'function') classes.add(provider as ProviderClass);
      else if (typeof provider === 'object' && provider !== null && 'useClass' in provider)
        classes.add((provider as { useClass: ProviderClass }).useClass);
    }
  };
  for (const module of modules) visit(module);
  return [...classes];
}

function resolveForwardRef(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && 'forwardRef' in value) {
    return (value as { forwardRef: () => unknown }).forwardRef();
  }
  return value;
}
