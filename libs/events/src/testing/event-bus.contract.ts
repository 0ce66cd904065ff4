import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { create } from '@bufbuild/protobuf';
import { StringValueSchema, StructSchema } from '@bufbuild/protobuf/wkt';
import { derivedEventId } from '../event-codec.js';
import {
  dlqTopicName,
  type EventBus,
  type EventEnvelope,
  type RawEnvelope,
  type TopicSpec,
} from '../event-bus.port.js';
import { ContentTypes, DlqHeaders, EventHeaders } from '../event-headers.js';
import { partitionFor } from '../partitioner.js';
import { defineTopic } from '../topic-spec.js';
import type { BusSpec } from './child-bus.js';
import { runConsumerChild } from './consumer-child.runner.js';
import { ReceivedLog } from './received-log.js';
import { Collected, waitFor } from './wait-for.js';

/** An adapter under test. */
export interface EventBusContractTarget {
  /** A new, not yet started bus on the shared log or broker (every call: another instance). */
  makeBus(): Promise<EventBus>;
  /** How a child process opens the same adapter (crash test); without it that test is skipped. */
  readonly child?: BusSpec;
  /** Rewinds a group's committed offsets on a topic to the start (forces redelivery); the group is idle. */
  rewindGroup?(group: string, topic: string): Promise<void>;
  /** Deadline of each wait (default 15 s). */
  readonly timeoutMs?: number;
  /** Skips the whole suite, with this reason. */
  readonly skip?: string;
}

type StringValueTopic = TopicSpec<typeof StringValueSchema>;
type Text = EventEnvelope<{ value: string }>;

/** Registers the event bus contract (node:test) against one adapter. */
export function runEventBusContract(
  name: string,
  target: EventBusContractTarget | (() => Promise<EventBus>),
): void {
  const t: EventBusContractTarget = typeof target === 'function' ? { makeBus: target } : target;
  const timeoutMs = t.timeoutMs ?? 15_000;
  const wait = { timeoutMs };
  const testTimeout = { timeout: timeoutMs * 4 };

  const open = async (): Promise<EventBus> => {
    const bus = await t.makeBus();
    await bus.start();
    return bus;
  };
  const withBus = async (work: (bus: EventBus) => Promise<void>): Promise<void> => {
    const bus = await open();
    try {
      await work(bus);
    } finally {
      await bus.stop();
    }
  };
  const text = (value: string) => create(StringValueSchema, { value });
  const textTopic = (kind: string, options: { ingress?: boolean } = {}): StringValueTopic =>
    defineTopic({
      name: `contract.${kind}.${randomUUID().slice(0, 8)}`,
      schema: StringValueSchema,
      key: (m) => m.value.split(':')[0] ?? '',
      ...options,
    });
  const group = (kind: string): string => `contract-${kind}-${randomUUID().slice(0, 8)}`;

  void describe(name, t.skip === undefined ? {} : { skip: t.skip }, () => {
    void it('delivers a typed envelope carrying the Cairn headers', testTimeout, async () => {
      await withBus(async (bus) => {
        const topic = textTopic('envelope');
        await bus.ensureTopics([topic], { partitions: 3, replicationFactor: 1 });
        const got = new Collected<Text>();
        await bus.subscribe(topic, { group: group('envelope'), handler: async (e) => got.push(e) });
        const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
        const published = await bus.publish(topic, text('order-7:created'), {
          tenant: 'acme',
          eventId: 'evt-1',
          traceparent,
          headers: { 'x-origin': 'contract', [EventHeaders.tenant]: 'spoofed' },
        });
        await got.atLeast(1, wait);
        const e = got.items[0]!;
        assert.equal(e.id, 'evt-1');
        assert.equal(e.type, 'google.protobuf.StringValue');
        assert.equal(e.topic, topic.name);
        assert.equal(e.key, 'order-7');
        assert.equal(e.partition, partitionFor('order-7', 3));
        assert.equal(e.partition, published.partition);
        assert.equal(e.offset, published.offset);
        assert.equal(e.tenant, 'acme');
        assert.equal(e.schemaVersion, 'unversioned');
        assert.equal(e.contentType, ContentTypes.protobuf);
        assert.equal(e.traceparent, traceparent);
        assert.equal(e.headers['x-origin'], 'contract');
        assert.equal(e.payload.value, 'order-7:created');
        assert.equal(e.attempt, 1);
        assert.ok(e.timestamp instanceof Date && !Number.isNaN(e.timestamp.getTime()));
      });
    });

    void it('keeps the order of each key across interleaved keys', testTimeout, async () => {
      await withBus(async (bus) => {
        const topic = textTopic('order');
        await bus.ensureTopics([topic], { partitions: 3, replicationFactor: 1 });
        const keys = ['a', 'b', 'c', 'd', 'e'];
        const perKey = 20;
        const got = new Collected<Text>();
        await bus.subscribe(topic, { group: group('order'), handler: async (e) => got.push(e) });
        await Promise.all(
          keys.map(async (key) => {
            for (let seq = 0; seq < perKey; seq++)
              await bus.publish(topic, text(`${key}:${seq}`), { tenant: 't' });
          }),
        );
        await got.atLeast(keys.length * perKey, { ...wait, description: 'every event' });
        assert.equal(
          new Set(got.items.map((e) => e.partition)).size > 1,
          true,
          'keys spread over partitions',
        );
        for (const key of keys) {
          const seqs = got.items
            .filter((e) => e.key === key)
            .map((e) => Number(e.payload.value.split(':')[1]));
          assert.deepEqual(
            seqs,
            Array.from({ length: perKey }, (_, i) => i),
            `order of key ${key}`,
          );
        }
      });
    });

    void it(
      'loses nothing when a consumer process is killed mid-batch and another one takes over',
      { ...testTimeout, skip: t.child ? false : 'no child BusSpec' },
      async () => {
        const dir = mkdtempSync(join(tmpdir(), 'cairn-events-kill-'));
        const received = new ReceivedLog(join(dir, 'received.db'));
        try {
          await withBus(async (bus) => {
            const topic = textTopic('kill');
            await bus.ensureTopics([topic], { partitions: 2, replicationFactor: 1 });
            const total = 30;
            const expected = new Set<string>();
            for (let i = 0; i < total; i++) {
              const payload = `k${i % 6}:${i}`;
              expected.add(payload);
              await bus.publish(topic, text(payload), { tenant: 't' });
            }
            const config = {
              bus: t.child!,
              topic: topic.name,
              group: group('kill'),
              recordPath: join(dir, 'received.db'),
              ackDelayMs: 60,
            };
            const first = runConsumerChild(config);
            let killed: Awaited<ReturnType<typeof first.kill>>;
            try {
              await waitFor(() => (first.assertAlive(), received.count() >= 5), {
                ...wait,
                description: 'the first consumer to handle 5 events',
              });
            } finally {
              killed = await first.kill('SIGKILL');
            }
            assert.equal(killed.signal, 'SIGKILL');
            assert.ok(received.payloads().size < total, 'killed before it handled everything');
            const second = runConsumerChild(config);
            let stopped: Awaited<ReturnType<typeof second.kill>>;
            try {
              await waitFor(() => (second.assertAlive(), received.payloads().size === total), {
                timeoutMs: timeoutMs * 2,
                description: () => `every event to be recorded (${received.payloads().size} of ${total})`,
              });
            } finally {
              stopped = await second.kill('SIGTERM');
            }
            assert.equal(stopped.code, 0, 'the second consumer stops cleanly on SIGTERM');
            assert.deepEqual(received.payloads(), expected);
            assert.ok(received.count() >= total);
          });
        } finally {
          received.close();
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );

    void it(
      'applies a redelivered event once when the handler declares an idempotency key',
      testTimeout,
      async () => {
        await withBus(async (bus) => {
          const topic = textTopic('dedup');
          await bus.ensureTopics([topic], { partitions: 2, replicationFactor: 1 });
          const applied = new Collected<string>();
          await bus.subscribe(topic, {
            group: group('dedup'),
            idempotencyKey: (e) => e.id,
            handler: async (e) => applied.push(e.payload.value),
          });
          await bus.publish(topic, text('k:1'), { tenant: 't', eventId: 'dup-1' });
          await bus.publish(topic, text('k:1'), { tenant: 't', eventId: 'dup-1' }); // a producer retry / replay
          await bus.publish(topic, text('k:2'), { tenant: 't', eventId: 'dup-2' });
          await bus.publish(topic, text('k:end'), { tenant: 't', eventId: 'dup-end' });
          await applied.until((items) => items.includes('k:end'), wait);
          assert.deepEqual(applied.items, ['k:1', 'k:2', 'k:end']);
        });
      },
    );

    void it(
      'skips events redelivered after a restart whose keys were applied',
      { ...testTimeout, skip: t.rewindGroup ? false : 'no rewindGroup' },
      async () => {
        const topic = textTopic('redeliver');
        const idempotent = group('redeliver-idem');
        const control = group('redeliver-ctl');
        const byIdempotent = new Collected<string>();
        const byControl = new Collected<string>();
        const subscribeBoth = async (bus: EventBus): Promise<void> => {
          await bus.subscribe(topic, {
            group: idempotent,
            idempotencyKey: (e) => e.id,
            handler: async (e) => byIdempotent.push(e.payload.value),
          });
          await bus.subscribe(topic, {
            group: control,
            handler: async (e) => byControl.push(e.payload.value),
          });
        };
        await withBus(async (bus) => {
          await bus.ensureTopics([topic], { partitions: 1, replicationFactor: 1 });
          await subscribeBoth(bus);
          for (let i = 0; i < 4; i++) await bus.publish(topic, text(`k:${i}`), { tenant: 't' });
          await byIdempotent.atLeast(4, wait);
          await byControl.atLeast(4, wait);
        });
        await t.rewindGroup!(idempotent, topic.name);
        await t.rewindGroup!(control, topic.name);
        await withBus(async (bus) => {
          await subscribeBoth(bus);
          await bus.publish(topic, text('k:end'), { tenant: 't' });
          await byIdempotent.until((items) => items.includes('k:end'), wait);
          await byControl.until((items) => items.includes('k:end'), wait);
        });
        const count = (items: readonly string[], v: string): number => items.filter((i) => i === v).length;
        for (let i = 0; i < 4; i++) {
          assert.equal(count(byControl.items, `k:${i}`), 2, 'the control group got the rewound event again');
          assert.equal(count(byIdempotent.items, `k:${i}`), 1, 'the idempotent group applied it once');
        }
      },
    );

    void it(
      'commits the events it handled when a member closes mid-stream: the next one starts after them',
      testTimeout,
      async () => {
        await withBus(async (bus) => {
          const topic = textTopic('commit-close');
          await bus.ensureTopics([topic], { partitions: 1, replicationFactor: 1 });
          const values = Array.from({ length: 12 }, (_, i) => `k:${i}`);
          for (const value of values) await bus.publish(topic, text(value), { tenant: 't' });
          const g = group('commit-close');
          const byFirst = new Collected<string>();
          let release!: () => void;
          const released = new Promise<void>((resolve) => (release = resolve));
          const first = await bus.subscribe(topic, {
            group: g,
            handler: async (e) => {
              byFirst.push(e.payload.value);
              if (e.payload.value === 'k:4') await released;
            },
          });
          await byFirst.until((items) => items.includes('k:4'), wait);
          // Close while a record is in flight, well before any count or interval commit would run.
          const closing = first.close();
          release();
          await closing;
          const bySecond = new Collected<string>();
          await bus.subscribe(topic, { group: g, handler: async (e) => bySecond.push(e.payload.value) });
          await bus.publish(topic, text('k:end'), { tenant: 't' });
          await bySecond.until((items) => items.includes('k:end'), wait);
          assert.ok(byFirst.items.length >= 5 && byFirst.items.length <= values.length);
          assert.deepEqual(
            [...byFirst.items, ...bySecond.items],
            [...values, 'k:end'],
            'every event handled once: what the closed member handled was committed',
          );
        });
      },
    );

    void it(
      'commits the events it handled before a partition moves to a new member of the group',
      testTimeout,
      async () => {
        await withBus(async (bus) => {
          const topic = textTopic('commit-rebalance');
          const partitions = 2;
          await bus.ensureTopics([topic], { partitions, replicationFactor: 1 });
          const keyOf = keysPerPartition(partitions);
          const g = group('commit-rebalance');
          const handled = new Collected<string>();
          const sent: string[] = [];
          for (let seq = 0; seq < 20; seq++) {
            for (const key of keyOf) {
              sent.push(`${key}:${seq}`);
              await bus.publish(topic, text(`${key}:${seq}`), { tenant: 't' });
            }
          }
          const slow = keyOf[0]!;
          const a = await bus.subscribe(topic, {
            group: g,
            handler: async (e) => {
              handled.push(e.payload.value);
              // The work on one partition takes a while, so the rebalance finds the member mid-partition.
              const [key, seq] = e.payload.value.split(':');
              if (key === slow && Number(seq) >= 5) await delay(100);
            },
          });
          await handled.until((items) => items.includes(`${slow}:5`), wait);
          const joining = bus.subscribe(topic, {
            group: g,
            handler: async (e) => handled.push(e.payload.value),
          });
          const b = await joining;
          await waitFor(() => a.assignedPartitions().length === 1 && b.assignedPartitions().length === 1, {
            ...wait,
            description: 'the partitions to be split between both members',
          });
          for (const key of keyOf) {
            sent.push(`${key}:end`);
            await bus.publish(topic, text(`${key}:end`), { tenant: 't' });
          }
          await handled.until((items) => keyOf.every((key) => items.includes(`${key}:end`)), wait);
          assert.deepEqual(
            [...handled.items].sort(),
            [...sent].sort(),
            'every event handled once: nothing a member handled went to the other one again',
          );
        });
      },
    );

    void it(
      'moves poison events to the DLQ with cause and coordinates, and the partition moves on',
      testTimeout,
      async () => {
        await withBus(async (bus) => {
          const topic = textTopic('poison');
          await bus.ensureTopics([topic], { partitions: 1, replicationFactor: 1 });
          const handled = new Collected<Text>();
          const dead = new Collected<RawEnvelope>();
          await bus.subscribeRaw(dlqTopicName(topic.name), {
            group: group('poison-dlq'),
            handler: async (r) => dead.push(r),
          });
          await bus.subscribe(topic, {
            group: group('poison'),
            maxAttempts: 3,
            backoff: { initialMs: 5, maxMs: 20 },
            handler: async (e) => {
              handled.push(e);
              if (e.payload.value === 'k:boom') throw new Error('handler always fails on boom');
            },
          });
          const garbage = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff]);
          await bus.publishRaw(topic.name, {
            key: 'k',
            value: garbage,
            headers: { [EventHeaders.tenant]: 't', [EventHeaders.contentType]: ContentTypes.protobuf },
          });
          await bus.publish(topic, text('k:boom'), { tenant: 't' });
          await bus.publish(topic, text('k:after'), { tenant: 't' });
          await handled.until((items) => items.some((e) => e.payload.value === 'k:after'), wait);
          await dead.atLeast(2, wait);
          const [undecodable, failing] = dead.items;
          assert.deepEqual(Buffer.from(undecodable!.value), Buffer.from(garbage));
          assert.match(undecodable!.headers[DlqHeaders.error]!, /EventDecodeError/);
          assert.equal(undecodable!.headers[DlqHeaders.originalTopic], topic.name);
          assert.equal(undecodable!.headers[DlqHeaders.originalPartition], '0');
          assert.equal(undecodable!.headers[DlqHeaders.originalOffset], '0');
          assert.equal(undecodable!.headers[EventHeaders.tenant], 't', 'original headers kept');
          assert.equal(undecodable!.key, 'k');
          assert.match(failing!.headers[DlqHeaders.error]!, /handler always fails on boom/);
          assert.equal(failing!.headers[DlqHeaders.originalOffset], '1');
          assert.equal(failing!.headers[DlqHeaders.attempts], '3');
          assert.equal(failing!.headers[EventHeaders.eventType], 'google.protobuf.StringValue');
          assert.deepEqual(
            handled.items.filter((e) => e.payload.value === 'k:boom').map((e) => e.attempt),
            [1, 2, 3],
          );
        });
      },
    );

    void it('delivers batches bounded in size, in order, each event once', testTimeout, async () => {
      await withBus(async (bus) => {
        const topic = textTopic('batch');
        await bus.ensureTopics([topic], { partitions: 1, replicationFactor: 1 });
        const backlog = Array.from({ length: 25 }, (_, i) => `k:${i}`);
        for (const value of backlog) await bus.publish(topic, text(value), { tenant: 't' });
        const batches = new Collected<string[]>();
        await bus.subscribeBatch(topic, {
          group: group('batch'),
          batch: { maxSize: 10, maxWaitMs: 50 },
          handleBatch: async (events) => batches.push(events.map((e) => e.payload.value)),
        });
        await batches.until((items) => items.flat().length === backlog.length, {
          ...wait,
          description: 'the backlog in batches',
        });
        assert.ok(
          batches.items.every((batch) => batch.length >= 1 && batch.length <= 10),
          `batch sizes ${batches.items.map((b) => b.length).join(',')}`,
        );
        assert.ok(
          batches.items.some((batch) => batch.length > 1),
          'a backlog is delivered in batches of more than one event',
        );
        assert.deepEqual(batches.items.flat(), backlog);
        // A lone event is not held back waiting for a full batch.
        await bus.publish(topic, text('k:lone'), { tenant: 't' });
        await batches.until((items) => items.flat().includes('k:lone'), wait);
        assert.deepEqual(batches.items.flat(), [...backlog, 'k:lone']);
      });
    });

    void it(
      'splits a failing batch so that only the poison event is dead-lettered',
      testTimeout,
      async () => {
        await withBus(async (bus) => {
          const topic = textTopic('batch-poison');
          await bus.ensureTopics([topic], { partitions: 1, replicationFactor: 1 });
          const values = ['k:a', 'k:b', 'k:boom', 'k:c', 'k:d'];
          for (const value of values) await bus.publish(topic, text(value), { tenant: 't' });
          const dead = new Collected<RawEnvelope>();
          await bus.subscribeRaw(dlqTopicName(topic.name), {
            group: group('batch-poison-dlq'),
            handler: async (r) => dead.push(r),
          });
          const applied = new Collected<string>();
          await bus.subscribeBatch(topic, {
            group: group('batch-poison'),
            batch: { maxSize: 10, maxWaitMs: 20 },
            maxAttempts: 2,
            backoff: { initialMs: 5, maxMs: 10 },
            handleBatch: async (events) => {
              if (events.some((e) => e.payload.value === 'k:boom')) throw new Error('batch holds boom');
              for (const e of events) applied.push(e.payload.value);
            },
          });
          await applied.until((items) => items.includes('k:d'), wait);
          await dead.atLeast(1, wait);
          await bus.publish(topic, text('k:after'), { tenant: 't' });
          await applied.until((items) => items.includes('k:after'), wait);
          assert.equal(dead.items.length, 1, 'only the poison event is dead-lettered');
          assert.match(dead.items[0]!.headers[DlqHeaders.error]!, /batch holds boom/);
          assert.equal(dead.items[0]!.headers[DlqHeaders.originalOffset], '2');
          const before = values.filter((v) => v !== 'k:boom');
          assert.deepEqual(
            applied.items.filter((v) => v !== 'k:after').sort(),
            [...before].sort(),
            'every other event applied exactly once',
          );
        });
      },
    );

    void it('accepts protobuf JSON from foreign producers on ingress topics only', testTimeout, async () => {
      await withBus(async (bus) => {
        const ingress = defineTopic({
          name: `contract.ingress.${randomUUID().slice(0, 8)}`,
          schema: StructSchema,
          key: () => 'x',
          ingress: true,
        });
        const internal = defineTopic({
          name: `contract.internal.${randomUUID().slice(0, 8)}`,
          schema: StructSchema,
          key: () => 'x',
        });
        await bus.ensureTopics([ingress, internal], { partitions: 2, replicationFactor: 1 });
        const got = new Collected<EventEnvelope<{ fields: Record<string, unknown> }>>();
        const dead = new Collected<RawEnvelope>();
        const neverCalled = new Collected<unknown>();
        await bus.subscribe(ingress, { group: group('ingress'), handler: async (e) => got.push(e) });
        await bus.subscribe(internal, {
          group: group('internal'),
          handler: async (e) => neverCalled.push(e),
        });
        await bus.subscribeRaw(dlqTopicName(internal.name), {
          group: group('internal-dlq'),
          handler: async (r) => dead.push(r),
        });
        const json = new TextEncoder().encode(JSON.stringify({ tenant: 'acme', n: 1 }));
        const record = {
          key: 'ext-1',
          value: json,
          headers: { 'content-type': 'application/json; charset=utf-8' },
        };
        const published = await bus.publishRaw(ingress.name, record);
        await bus.publishRaw(internal.name, record);
        await got.atLeast(1, wait);
        const e = got.items[0]!;
        assert.equal(e.tenant, 'acme');
        assert.equal(e.contentType, ContentTypes.json);
        assert.equal(e.id, derivedEventId(published));
        assert.equal(e.id, published.eventId);
        assert.equal(e.type, 'google.protobuf.Struct');
        assert.deepEqual(Object.keys(e.payload.fields).sort(), ['n', 'tenant']);
        await dead.atLeast(1, wait);
        assert.match(dead.items[0]!.headers[DlqHeaders.error]!, /not an ingress topic/);
        assert.equal(neverCalled.items.length, 0);
      });
    });

    void it(
      'splits partitions between the members of a group and hands them over when one leaves',
      testTimeout,
      async () => {
        await withBus(async (bus) => {
          const topic = textTopic('group');
          const partitions = 4;
          await bus.ensureTopics([topic], { partitions, replicationFactor: 1 });
          const g = group('split');
          const byA = new Collected<Text>();
          const byB = new Collected<Text>();
          const all = new Collected<Text>();
          const a = await bus.subscribe(topic, {
            group: g,
            handler: async (e) => (byA.push(e), all.push(e)),
          });
          const b = await bus.subscribe(topic, {
            group: g,
            handler: async (e) => (byB.push(e), all.push(e)),
          });
          const split = (): boolean => {
            const pa = a.assignedPartitions();
            const pb = b.assignedPartitions();
            return (
              pa.length > 0 &&
              pb.length > 0 &&
              pa.length + pb.length === partitions &&
              new Set([...pa, ...pb]).size === partitions
            );
          };
          await waitFor(split, { ...wait, description: 'both members to own partitions' });
          const ownedByA = new Set(a.assignedPartitions());
          const keyOf = keysPerPartition(partitions);
          for (let p = 0; p < partitions; p++)
            await bus.publish(topic, text(`${keyOf[p]}:round1`), { tenant: 't' });
          await all.atLeast(partitions, wait);
          for (const e of byA.items)
            assert.ok(ownedByA.has(e.partition), `A got partition ${e.partition} it does not own`);
          for (const e of byB.items)
            assert.ok(!ownedByA.has(e.partition), `B got partition ${e.partition} owned by A`);
          assert.ok(byA.items.length > 0 && byB.items.length > 0);

          await b.close();
          await waitFor(() => a.assignedPartitions().length === partitions, {
            ...wait,
            description: 'A to take over every partition',
          });
          const bBefore = byB.items.length;
          for (let p = 0; p < partitions; p++)
            await bus.publish(topic, text(`${keyOf[p]}:round2`), { tenant: 't' });
          await byA.until(
            (items) => items.filter((e) => e.payload.value.endsWith(':round2')).length === partitions,
            wait,
          );
          assert.equal(byB.items.length, bBefore, 'a closed member receives nothing');
          assert.deepEqual(
            new Set(byA.items.filter((e) => e.payload.value.endsWith(':round2')).map((e) => e.partition)),
            new Set([0, 1, 2, 3]),
          );
        });
      },
    );
  });
}

/** One key per partition, `keyOf[p]` hashing to partition `p`. */
function keysPerPartition(partitions: number): string[] {
  const keys: string[] = [];
  for (let i = 0; keys.filter(Boolean).length < partitions; i++) {
    const key = `key-${i}`;
    const p = partitionFor(key, partitions);
    keys[p] ??= key;
  }
  return keys;
}
