import { randomUUID } from 'node:crypto';
import { waitFor } from '@cairn/testing';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';

/** A record as it sits in the log. */
export interface LoggedRecord {
  readonly topic: string;
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

function kafkaOf(brokers: string, clientId: string): Kafka {
  return new Kafka({ brokers: brokers.split(','), clientId, logLevel: logLevel.NOTHING });
}

/** Every record of `topics` up to their current end offsets, with headers as strings. */
export async function readTopics(brokers: string, topics: readonly string[]): Promise<LoggedRecord[]> {
  const kafka = kafkaOf(brokers, 'faults-log-reader');
  const admin = kafka.admin();
  await admin.connect();
  let expected = 0;
  try {
    for (const topic of topics)
      for (const p of await admin.fetchTopicOffsets(topic)) expected += Number(p.high) - Number(p.low);
  } finally {
    await admin.disconnect();
  }
  const records: LoggedRecord[] = [];
  if (expected === 0) return records;
  const consumer = kafka.consumer({ groupId: `faults-reader-${randomUUID()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          const last = Array.isArray(value) ? value[value.length - 1] : value;
          if (last !== undefined) headers[name] = last.toString();
        }
        records.push({ topic, key: message.key, value: message.value ?? Buffer.alloc(0), headers });
      },
    });
    await waitFor(() => records.length >= expected, {
      timeoutMs: 30_000,
      intervalMs: 50,
      description: () => `${expected} records of ${topics.length} topics (read ${records.length})`,
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** Appends records as given (same key, bytes and headers): a producer's retry, a bridge's replay. */
export async function appendRaw(brokers: string, records: readonly LoggedRecord[]): Promise<void> {
  const producer = kafkaOf(brokers, 'faults-raw-producer').producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (const record of records) {
      const headers: IHeaders = { ...record.headers };
      await producer.send({
        topic: record.topic,
        acks: -1,
        messages: [{ key: record.key, value: record.value, headers }],
      });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Forgets the committed offsets of a consumer group (it must have no live member): it reads its topic again from the start. */
export async function resetGroup(brokers: string, groupId: string): Promise<void> {
  const admin = kafkaOf(brokers, 'faults-admin').admin();
  await admin.connect();
  try {
    await admin.deleteGroups([groupId]);
  } finally {
    await admin.disconnect();
  }
}

/** True when the group has committed every record of its topic. */
export async function groupCaughtUp(brokers: string, groupId: string, topic: string): Promise<boolean> {
  const admin = kafkaOf(brokers, 'faults-admin').admin();
  await admin.connect();
  try {
    const [ends, [committed]] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return ends.every(
      (end) => Number(end.high) === Number(end.low) || at.get(end.partition) === Number(end.high),
    );
  } finally {
    await admin.disconnect();
  }
}
