import { randomUUID } from 'node:crypto';
import { eventSchemas } from '@cairn/contracts';
import { DlqHeaders, EventHeaders, topicFor } from '@cairn/events';
import { waitFor } from '@cairn/testing';
import { Kafka, logLevel } from 'kafkajs';

/** A dead-lettered record: where it came from, who gave up on it and why. */
export interface DeadLetter {
  readonly dlqTopic: string;
  readonly originalTopic: string;
  /** Where the record was in its topic: `<partition>/<offset>`. */
  readonly originalPosition: string;
  /** Consumer group that gave up (with the topology's prefix). */
  readonly group: string;
  /** The `cairn-dlq-error` header. */
  readonly cause: string;
  readonly eventId: string | undefined;
  readonly tenant: string | undefined;
  readonly attempts: number;
  readonly value: Buffer;
}

/** Every platform topic (from the contracts' event schemas) and its `<topic>.dlq`. */
export function platformTopics(): string[] {
  return eventSchemas.map((schema) => topicFor(schema).name);
}

/**
 * Reads every `<topic>.dlq` of the platform from the beginning, up to the end offsets it finds at
 * the start of the read, and returns the records with their DLQ headers.
 */
export async function readDeadLetters(brokers: string): Promise<DeadLetter[]> {
  const kafka = new Kafka({
    brokers: brokers.split(','),
    clientId: 'faults-dlq-reader',
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const topics = platformTopics().map((topic) => `${topic}.dlq`);
  let expected = 0;
  try {
    const existing = new Set(await admin.listTopics());
    for (const topic of topics.filter((name) => existing.has(name))) {
      for (const partition of await admin.fetchTopicOffsets(topic))
        expected += Number(partition.high) - Number(partition.low);
    }
  } finally {
    await admin.disconnect();
  }
  if (expected === 0) return [];
  const letters: DeadLetter[] = [];
  const consumer = kafka.consumer({ groupId: `faults-dlq-${randomUUID()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        const header = (name: string): string | undefined => {
          const value = message.headers?.[name];
          const last = Array.isArray(value) ? value[value.length - 1] : value;
          return last?.toString();
        };
        letters.push({
          dlqTopic: topic,
          originalTopic: header(DlqHeaders.originalTopic) ?? '',
          originalPosition: `${header(DlqHeaders.originalPartition)}/${header(DlqHeaders.originalOffset)}`,
          group: header(DlqHeaders.group) ?? '',
          cause: header(DlqHeaders.error) ?? '',
          eventId: header(EventHeaders.eventId),
          tenant: header(EventHeaders.tenant),
          attempts: Number(header(DlqHeaders.attempts) ?? 'NaN'),
          value: message.value ?? Buffer.alloc(0),
        });
      },
    });
    await waitFor(() => letters.length >= expected, {
      timeoutMs: 30_000,
      intervalMs: 50,
      description: () => `${expected} dead letters (read ${letters.length})`,
    });
  } finally {
    await consumer.disconnect();
  }
  return letters;
}

/**
 * One dead letter per record and group. Dead-lettering is at least once, like every delivery: a
 * consumer that lost its group membership after writing the dead letter and before committing the
 * record's offset hands the record on, and its next owner dead-letters it again.
 */
export function distinctDeadLetters(letters: readonly DeadLetter[]): DeadLetter[] {
  const byRecord = new Map<string, DeadLetter>();
  for (const letter of letters)
    byRecord.set(`${letter.group} ${letter.originalTopic} ${letter.originalPosition}`, letter);
  return [...byRecord.values()];
}

/** Kafka consumer groups of a topology (prefix `<prefix>-`), as `group → topics` (our groups are `<group>:<topic>`). */
export async function consumersByTopic(brokers: string, groupPrefix: string): Promise<Map<string, string[]>> {
  const kafka = new Kafka({
    brokers: brokers.split(','),
    clientId: 'faults-groups',
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.listGroups();
    const byTopic = new Map<string, string[]>();
    for (const { groupId } of groups) {
      if (!groupId.startsWith(`${groupPrefix}-`)) continue;
      const split = groupId.lastIndexOf(':');
      const group = groupId.slice(0, split);
      const topic = groupId.slice(split + 1);
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), group].sort());
    }
    return byTopic;
  } finally {
    await admin.disconnect();
  }
}
