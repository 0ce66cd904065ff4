import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { StringValueSchema } from '@bufbuild/protobuf/wkt';
import { silentLogger } from '@cairn/observability';
import { partitionFor } from '../partitioner.js';
import { runEventBusContract } from '../testing/event-bus.contract.js';
import { Collected } from '../testing/wait-for.js';
import { defineTopic } from '../topic-spec.js';
import { EmbeddedEventBus } from './embedded.event-bus.js';

const dir = mkdtempSync(join(tmpdir(), 'cairn-embedded-bus-'));
const path = join(dir, 'log.db');
after(() => rmSync(dir, { recursive: true, force: true }));

const makeBus = async (): Promise<EmbeddedEventBus> =>
  new EmbeddedEventBus({ path, logger: silentLogger(), synchronous: 'NORMAL' });

runEventBusContract('EventBus contract: embedded log (node:sqlite)', {
  makeBus,
  child: { adapter: 'embedded', path },
  rewindGroup: async (group, topic) => {
    const bus = await makeBus();
    await bus.start();
    try {
      await bus.resetGroupOffsets(group, topic);
    } finally {
      await bus.stop();
    }
  },
});

const text = (value: string) => create(StringValueSchema, { value });
let topics = 0;
const textTopic = () =>
  defineTopic({
    name: `embedded.t${++topics}`,
    schema: StringValueSchema,
    key: (m) => m.value.split(':')[0] ?? '',
  });

void describe('EmbeddedEventBus specifics', () => {
  void it('redelivers uncommitted events to a new bus on the same file, and only those', async () => {
    const topic = textTopic();
    const first = await makeBus();
    await first.start();
    await first.ensureTopics([topic], { partitions: 1 });
    const handledFirst = new Collected<string>();
    const failing = new Collected<number>();
    await first.subscribe(topic, {
      group: 'g',
      maxAttempts: 100,
      backoff: { initialMs: 60_000, maxMs: 60_000 },
      handler: async (e) => {
        if (e.payload.value === 'k:3') {
          failing.push(e.attempt);
          throw new Error('not yet');
        }
        handledFirst.push(e.payload.value);
      },
    });
    for (let i = 0; i < 5; i++) await first.publish(topic, text(`k:${i}`), { tenant: 't' });
    await failing.atLeast(1); // k:3 is now waiting 60 s for its retry
    await first.stop(); // aborts the retry wait: k:3 stays uncommitted

    const second = await makeBus();
    await second.start();
    const handledSecond = new Collected<string>();
    await second.subscribe(topic, { group: 'g', handler: async (e) => handledSecond.push(e.payload.value) });
    await handledSecond.atLeast(2);
    await second.stop();
    assert.deepEqual(handledFirst.items, ['k:0', 'k:1', 'k:2']);
    assert.deepEqual(handledSecond.items, ['k:3', 'k:4']);
  });

  void it('finishes in-flight work on a revoked partition before the new owner starts it', async () => {
    const bus = new EmbeddedEventBus({ path: ':memory:', logger: silentLogger() });
    await bus.start();
    const topic = textTopic();
    await bus.ensureTopics([topic], { partitions: 2 });
    let n = 0;
    while (partitionFor(`key${n}`, 2) !== 1) n++;
    const key = `key${n}`;
    const timeline = new Collected<string>();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const a = await bus.subscribe(topic, {
      group: 'g',
      handler: async (e) => {
        timeline.push(`A start ${e.payload.value}`);
        if (e.payload.value === `${key}:0`) await released;
        timeline.push(`A end ${e.payload.value}`);
      },
    });
    await bus.publish(topic, text(`${key}:0`), { tenant: 't' });
    await timeline.atLeast(1);
    const joining = bus.subscribe(topic, {
      group: 'g',
      handler: async (e) => timeline.push(`B got ${e.payload.value}`),
    });
    await bus.publish(topic, text(`${key}:1`), { tenant: 't' });
    assert.deepEqual(a.assignedPartitions(), [0, 1], 'B cannot take partition 1 while A handles it');
    release();
    const b = await joining;
    assert.deepEqual(a.assignedPartitions(), [0]);
    assert.deepEqual(b.assignedPartitions(), [1]);
    await timeline.until((items) => items.includes(`B got ${key}:1`), {
      description: `B to get ${key}:1 (timeline ${JSON.stringify(timeline.items)})`,
      timeoutMs: 3_000,
    });
    assert.deepEqual(timeline.items, [`A start ${key}:0`, `A end ${key}:0`, `B got ${key}:1`]);
    await bus.stop();
  });

  void it('refuses to restart a stopped instance and to publish before start', async () => {
    const bus = new EmbeddedEventBus({ path: ':memory:', logger: silentLogger() });
    await assert.rejects(bus.publish(textTopic(), text('k:1'), { tenant: 't' }), /not started/);
    await bus.start();
    await bus.stop();
    await assert.rejects(bus.start(), /was stopped/);
  });
});
