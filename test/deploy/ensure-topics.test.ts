import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { cairnTopicNames } from '@cairn/platform';
import { kafkaBrokers, REPO_ROOT, skipKafka } from '../support/repo.js';

const ENTRY = join(REPO_ROOT, 'deploy', 'docker', 'cairn.mjs');

/** Runs `cairn <args>` as the image does, with only the given environment. */
function cairn(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [ENTRY, ...args], {
    // eslint-disable-next-line no-restricted-properties -- the child needs PATH and HOME, nothing else.
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

describe("cairn ensure-topics (the chart's pre-install Job)", { timeout: 120_000 }, () => {
  it('creates every Cairn topic and its DLQ on Kafka, and is idempotent', { skip: skipKafka() }, async () => {
    const env = {
      CAIRN_EVENTS_BACKEND: 'kafka',
      CAIRN_KAFKA_BROKERS: kafkaBrokers().join(','),
      CAIRN_EVENTS_PARTITIONS: '2',
      CAIRN_EVENTS_REPLICATION_FACTOR: '1',
      CAIRN_LOG_LEVEL: 'warn',
      CAIRN_DATA_DIR: '/tmp/cairn-ensure-topics',
    };
    const first = await cairn(['ensure-topics'], env);
    assert.equal(first.code, 0, first.output);
    const second = await cairn(['ensure-topics'], env);
    assert.equal(second.code, 0, second.output);
    assert.match(second.output, new RegExp(`${cairnTopicNames().length} topics present`));

    const admin = new Kafka({
      brokers: kafkaBrokers(),
      clientId: 'ensure-topics-test',
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = cairnTopicNames().filter((topic) => !existing.has(topic));
      assert.deepEqual(missing, []);
      assert.ok(cairnTopicNames().some((topic) => topic.endsWith('.dlq')));
    } finally {
      await admin.disconnect();
    }
  });

  it('refuses to run without the Kafka backend, naming the key (exit 78)', async () => {
    const result = await cairn(['ensure-topics'], { CAIRN_EVENTS_BACKEND: 'embedded' });
    assert.equal(result.code, 78, result.output);
    assert.match(result.output, /CAIRN_EVENTS_BACKEND: ensure-topics creates Kafka topics/);
  });

  it('rejects an unknown key like every Cairn process', async () => {
    const result = await cairn(['ensure-topics'], {
      CAIRN_EVENTS_BACKEND: 'kafka',
      CAIRN_KAFKA_BROKRES: 'x:1',
    });
    assert.equal(result.code, 78, result.output);
    assert.match(result.output, /CAIRN_KAFKA_BROKRES: unknown/);
  });
});
