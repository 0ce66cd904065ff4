import { ConfigError, loadConfig, platformConfigSchema, type LoadConfigOptions } from '@cairn/config';
import { eventSchemas } from '@cairn/contracts';
import { dlqTopicName, topicFor } from '@cairn/events';
import { createLogger } from '@cairn/observability';
import { createEventBus } from './event-bus.factory.js';

/** Every topic a Cairn deployment uses: each event's topic and its `<topic>.dlq`. */
export function cairnTopicNames(): string[] {
  return eventSchemas.flatMap((schema) => {
    const name = topicFor(schema).name;
    return [name, dlqTopicName(name)];
  });
}

/**
 * Creates the missing Cairn topics on Kafka with `CAIRN_EVENTS_PARTITIONS` partitions and
 * `CAIRN_EVENTS_REPLICATION_FACTOR` replicas; topics that exist are left as they are. Run before the
 * services start (the Helm chart's pre-install/pre-upgrade Job). Resolves with the topic names.
 */
export async function ensureCairnTopics(source?: LoadConfigOptions): Promise<string[]> {
  const config = loadConfig(platformConfigSchema, source);
  if (config.events.backend !== 'kafka') {
    throw new ConfigError([
      { key: 'CAIRN_EVENTS_BACKEND', reason: 'ensure-topics creates Kafka topics: set it to kafka' },
    ]);
  }
  const logger = createLogger({ service: 'ensure-topics', level: config.log.level });
  const bus = createEventBus(config, logger, 'ensure-topics');
  await bus.start();
  try {
    const topics = eventSchemas.map((schema) => topicFor(schema));
    await bus.ensureTopics(topics, {
      partitions: config.events.partitions,
      replicationFactor: config.events.replicationFactor,
    });
  } finally {
    await bus.stop();
  }
  return cairnTopicNames();
}

/** Entry point of `cairn ensure-topics`: exit 0 when every topic exists, 78 on bad config, 1 otherwise. */
export async function runEnsureTopics(): Promise<void> {
  try {
    const topics = await ensureCairnTopics();
    process.stdout.write(`cairn ensure-topics: ${topics.length} topics present\n  ${topics.join('\n  ')}\n`);
  } catch (error) {
    process.stderr.write(`cairn ensure-topics: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof ConfigError ? 78 : 1);
  }
}
