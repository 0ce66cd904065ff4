import { waitFor } from '@cairn/testing';
import { Kafka, logLevel } from 'kafkajs';

/**
 * Commits each group's offsets at the current end of its topic (pairs by position), so a consumer group a
 * benchmark starts afresh skips records earlier runs left on a shared broker (subscriptions start from the
 * beginning). The topics must exist.
 */
export async function skipBacklog(
  brokers: string,
  groups: readonly string[],
  topics: readonly string[],
): Promise<void> {
  const admin = new Kafka({
    brokers: brokers.split(','),
    clientId: 'bench-admin',
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    for (const [i, group] of groups.entries()) {
      const topic = topics[i]!;
      // Leaders of just-created topics may still be moving: retry until the broker answers.
      await waitFor(
        async () => {
          const ends = await admin.fetchTopicOffsets(topic);
          await admin.setOffsets({
            groupId: group,
            topic,
            partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })),
          });
          return true;
        },
        { timeoutMs: 30_000, intervalMs: 500, description: `offsets of ${group} at the end of ${topic}` },
      );
    }
  } finally {
    await admin.disconnect();
  }
}
