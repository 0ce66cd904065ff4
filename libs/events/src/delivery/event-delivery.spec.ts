import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import { StringValueSchema } from '@bufbuild/protobuf/wkt';
import { silentLogger } from '@cairn/observability';
import type { RawRecord } from '../event-bus.port.js';
import { EventHeaders } from '../event-headers.js';
import { InMemoryIdempotencyStore } from '../idempotency/in-memory.idempotency-store.js';
import { Collected } from '../testing/wait-for.js';
import { defineTopic } from '../topic-spec.js';
import { deliver, type DeliveryContext } from './event-delivery.js';
import { backoffDelay, resolveRetryPolicy } from './retry-policy.js';

const topic = defineTopic({ name: 'delivery.test', schema: StringValueSchema, key: (m) => m.value });
const record = {
  topic: topic.name,
  partition: 0,
  offset: '3',
  key: 'k',
  timestamp: new Date(0),
  headers: { [EventHeaders.tenant]: 't' },
  value: toBinary(StringValueSchema, create(StringValueSchema, { value: 'v' })),
};

function context(
  overrides: Partial<DeliveryContext> = {},
): DeliveryContext & { dead: [string, RawRecord][] } {
  const dead: [string, RawRecord][] = [];
  return {
    group: 'g',
    retry: resolveRetryPolicy({ maxAttempts: 3, backoff: { initialMs: 1, maxMs: 2 } }),
    idempotency: new InMemoryIdempotencyStore(),
    logger: silentLogger(),
    signal: new AbortController().signal,
    deadLetter: async (t, r) => void dead.push([t, r]),
    dead,
    ...overrides,
  };
}

void describe('deliver', () => {
  void it('computes exponential backoff capped at maxMs', () => {
    const backoff = { initialMs: 100, maxMs: 350, multiplier: 2 };
    assert.deepEqual(
      [1, 2, 3, 4].map((a) => backoffDelay(a, backoff)),
      [100, 200, 350, 350],
    );
    assert.throws(() => resolveRetryPolicy({ maxAttempts: 0 }), /maxAttempts/);
  });

  void it('stops retrying without dead-lettering when the signal aborts during a backoff wait', async () => {
    const abort = new AbortController();
    let attempts = 0;
    const ctx = context({
      signal: abort.signal,
      retry: resolveRetryPolicy({ maxAttempts: 5, backoff: { initialMs: 60_000, maxMs: 60_000 } }),
    });
    const handler = async (): Promise<void> => {
      attempts++;
      setImmediate(() => abort.abort()); // fires while the 60 s backoff wait runs
      throw new Error('down');
    };
    assert.equal(
      await deliver(record, { kind: 'event', topic, options: { group: 'g', handler } }, ctx),
      'aborted',
    );
    assert.equal(attempts, 1);
    assert.equal(ctx.dead.length, 0);
  });

  void it('waits out an unavailable dependency without using up attempts, then dead-letters only real failures', async () => {
    const ctx = context();
    let calls = 0;
    const outage = Object.assign(new Error('PostgreSQL is unavailable'), { code: 'UNAVAILABLE' });
    const handler = async (): Promise<void> => {
      calls++;
      if (calls <= 6) throw new Error('registry call failed', { cause: outage });
    };
    const target = { kind: 'event' as const, topic, options: { group: 'g', handler } };
    assert.equal(await deliver(record, target, ctx), 'handled', 'six outage failures > maxAttempts 3');
    assert.equal(calls, 7);
    assert.equal(ctx.dead.length, 0);

    let poisonCalls = 0;
    const poison = async (): Promise<void> => {
      poisonCalls++;
      throw poisonCalls === 1 ? outage : new Error('cannot handle this event');
    };
    const poisoned = { kind: 'event' as const, topic, options: { group: 'g', handler: poison } };
    assert.equal(await deliver(record, poisoned, ctx), 'dead-lettered');
    assert.equal(poisonCalls, 4, 'one outage, then the 3 attempts');
    assert.match(ctx.dead[0]?.[1].headers['cairn-dlq-error'] ?? '', /cannot handle this event/);
  });

  void it('ticks the keep-alive while a handler runs', async () => {
    const ticks = new Collected<number>();
    let finish!: () => void;
    const ctx = context({ keepAlive: { intervalMs: 5, tick: async () => ticks.push(Date.now()) } });
    const outcome = deliver(
      record,
      {
        kind: 'event',
        topic,
        options: { group: 'g', handler: () => new Promise<void>((r) => (finish = r)) },
      },
      ctx,
    );
    await ticks.atLeast(3, { timeoutMs: 5_000 });
    finish();
    assert.equal(await outcome, 'handled');
  });

  void it('rejects (so nothing is committed) when the DLQ cannot be written', async () => {
    const ctx = context({
      deadLetter: async () => {
        throw new Error('dlq down');
      },
    });
    await assert.rejects(
      deliver(
        { ...record, value: Uint8Array.from([0xff]) },
        { kind: 'event', topic, options: { group: 'g', handler: async () => undefined } },
        ctx,
      ),
      /dlq down/,
    );
  });

  void it('does not re-run a handler whose success could not be recorded', async () => {
    let runs = 0;
    const idempotency = new InMemoryIdempotencyStore();
    idempotency.record = async () => {
      throw new Error('store down');
    };
    const ctx = context({ idempotency });
    const target = {
      kind: 'event' as const,
      topic,
      options: { group: 'g', idempotencyKey: () => 'k', handler: async () => void runs++ },
    };
    await assert.rejects(deliver(record, target, ctx), /store down/);
    assert.equal(runs, 1);
  });
});
