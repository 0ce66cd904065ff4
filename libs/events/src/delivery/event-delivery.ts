import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { Logger } from '@cairn/observability';
import { decodeEvent, type ConsumedRecord } from '../event-codec.js';
import {
  dlqTopicName,
  type BatchSubscribeOptions,
  type DeliveryObserver,
  type EventEnvelope,
  type RawRecord,
  type RawSubscribeOptions,
  type SubscribeOptions,
  type TopicSpec,
} from '../event-bus.port.js';
import { DlqHeaders } from '../event-headers.js';
import type { IdempotencyStore } from '../idempotency/idempotency-store.port.js';
import { ConsumerSpans } from '../tracing/event-tracing.js';
import {
  backoffDelay,
  isUnavailableFailure,
  pause,
  UNAVAILABLE_RETRY_MAX_MS,
  type RetryPolicy,
} from './retry-policy.js';

/** What a subscription delivers to: a typed handler on a topic, a batch handler, or a raw handler. */
export type DeliveryTarget<S extends DescMessage = DescMessage> =
  | { readonly kind: 'event'; readonly topic: TopicSpec<S>; readonly options: SubscribeOptions<S> }
  | { readonly kind: 'batch'; readonly topic: TopicSpec<S>; readonly options: BatchSubscribeOptions<S> }
  | { readonly kind: 'raw'; readonly options: RawSubscribeOptions };

/** A batch target: delivered with `deliverBatch`. */
export type BatchDeliveryTarget<S extends DescMessage = DescMessage> = Extract<
  DeliveryTarget<S>,
  { kind: 'batch' }
>;

/** Everything `deliver` needs from the adapter running it. */
export interface DeliveryContext {
  readonly group: string;
  readonly retry: RetryPolicy;
  readonly idempotency: IdempotencyStore;
  readonly logger: Logger;
  /** Appends a record to a dead-letter topic; a rejection leaves the record uncommitted. */
  deadLetter(topic: string, record: RawRecord): Promise<void>;
  /** Aborted when the partition is revoked or the subscription closes: pending retries stop, nothing is committed. */
  readonly signal: AbortSignal;
  /** Called every `intervalMs` while a handler or a backoff wait runs (Kafka: heartbeat). Must not reject. */
  readonly keepAlive?: { readonly intervalMs: number; tick(): Promise<void> };
  readonly observer?: DeliveryObserver;
}

/** `handled`, `duplicate` and `dead-lettered` may be committed; `aborted` must not. */
export type DeliveryOutcome = 'handled' | 'duplicate' | 'dead-lettered' | 'aborted';

type Attempts = { readonly ok: true } | { readonly ok: false; readonly error: unknown } | 'aborted';

/** An event decoded for a typed target, with its idempotency key. */
interface Admitted<T> {
  readonly record: ConsumedRecord;
  readonly event: EventEnvelope<T>;
  readonly idempotencyKey: string | undefined;
}

/**
 * Delivers one record with the platform's semantics, shared by every adapter: decode (undecodable
 * -> DLQ at once), idempotency check, handler attempts with exponential backoff, then DLQ.
 * Rejects only when the DLQ or the idempotency store fails; the adapter then must not commit.
 */
export async function deliver<S extends DescMessage>(
  record: ConsumedRecord,
  target: Exclude<DeliveryTarget<S>, { kind: 'batch' }>,
  ctx: DeliveryContext,
): Promise<DeliveryOutcome> {
  if (ctx.signal.aborted) return 'aborted';
  const log = recordLogger(record, ctx);
  if (target.kind === 'raw') {
    const { options } = target;
    return settle(
      record,
      ctx,
      log,
      await attempt(ctx, record.topic, log, (n) => options.handler({ ...record, attempt: n })),
    );
  }
  const admitted = await admit(record, target.topic, target.options, ctx, log);
  if (typeof admitted === 'string') return admitted;
  const { options } = target;
  const spans = new ConsumerSpans(record.topic, ctx.group, [admitted.event]);
  const event = spans.events[0] as EventEnvelope<MessageShape<S>>;
  const result = await spans.run(() =>
    attempt(ctx, record.topic, log, (n) => options.handler({ ...event, attempt: n })),
  );
  spans.end(result !== 'aborted' && !result.ok ? result.error : undefined);
  return finish(await settle(record, ctx, log, result), [admitted], ctx);
}

/**
 * Delivers the records of one partition as one batch: undecodable records and duplicates are settled
 * first; the rest go to the batch handler with retries. A batch that fails on every attempt is split:
 * each event is retried alone and, if it keeps failing, dead-lettered, so one poison event does not
 * take its batch to the DLQ. Resolves `aborted` (commit nothing) or `handled` (commit the whole batch).
 */
export async function deliverBatch<S extends DescMessage>(
  records: readonly ConsumedRecord[],
  target: BatchDeliveryTarget<S>,
  ctx: DeliveryContext,
): Promise<'handled' | 'aborted'> {
  if (ctx.signal.aborted) return 'aborted';
  const pending: Array<Admitted<MessageShape<S>>> = [];
  for (const record of records) {
    const admitted = await admit(record, target.topic, target.options, ctx, recordLogger(record, ctx));
    if (typeof admitted !== 'string') pending.push(admitted);
  }
  if (pending.length === 0) return 'handled';
  const { options } = target;
  const spans = new ConsumerSpans(
    target.topic.name,
    ctx.group,
    pending.map((item) => item.event),
  );
  const events = spans.events;
  const run = (indices: readonly number[]) => (n: number) =>
    spans.run(() =>
      options.handleBatch(
        indices.map((index) => ({ ...(events[index] as EventEnvelope<MessageShape<S>>), attempt: n })),
      ),
    );
  const first = pending[0] as Admitted<MessageShape<S>>;
  const batchLog = recordLogger(first.record, ctx, { batchSize: pending.length });
  let failure: unknown;
  try {
    return await deliverAdmittedBatch(pending, run, first, batchLog, ctx);
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    spans.end(failure);
  }
}

async function deliverAdmittedBatch<T>(
  pending: ReadonlyArray<Admitted<T>>,
  run: (indices: readonly number[]) => (n: number) => Promise<void>,
  first: Admitted<T>,
  batchLog: LazyLogger,
  ctx: DeliveryContext,
): Promise<'handled' | 'aborted'> {
  const whole = await attempt(ctx, first.record.topic, batchLog, run(pending.map((_, index) => index)));
  if (whole === 'aborted') return 'aborted';
  if (whole.ok) {
    await finish('handled', pending, ctx);
    return 'handled';
  }
  if (pending.length === 1) {
    await settle(first.record, ctx, batchLog, whole);
    return 'handled';
  }
  batchLog().warn('batch failed on every attempt, retrying its events one at a time');
  for (const [index, item] of pending.entries()) {
    const log = recordLogger(item.record, ctx);
    const outcome = await settle(
      item.record,
      ctx,
      log,
      await attempt(ctx, item.record.topic, log, run([index])),
    );
    if (outcome === 'aborted') return 'aborted';
    await finish(outcome, [item], ctx);
  }
  return 'handled';
}

/** A logger created on first use: most records log nothing, and a child logger per record costs. */
type LazyLogger = () => Logger;

function recordLogger(record: ConsumedRecord, ctx: DeliveryContext, extra?: object): LazyLogger {
  let logger: Logger | undefined;
  return () =>
    (logger ??= ctx.logger.child({
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      group: ctx.group,
      ...extra,
    }));
}

/** Decodes a record and checks its idempotency key; settles it (DLQ or duplicate) when it goes no further. */
async function admit<S extends DescMessage>(
  record: ConsumedRecord,
  topic: TopicSpec<S>,
  options: { idempotencyKey?(event: EventEnvelope<MessageShape<S>>): string | undefined },
  ctx: DeliveryContext,
  log: LazyLogger,
): Promise<Admitted<MessageShape<S>> | 'duplicate' | 'dead-lettered'> {
  const decoded = decodeEvent(topic, record);
  if (!decoded.ok) {
    log().error({ err: decoded.error }, 'undecodable event, moving it to the DLQ');
    await deadLetter(record, ctx, `${decoded.error.name}: ${decoded.error.message}`, 0);
    return 'dead-lettered';
  }
  const event = { ...decoded.event, attempt: 1 };
  let idempotencyKey: string | undefined;
  try {
    idempotencyKey = options.idempotencyKey?.(event);
  } catch (error) {
    log().error({ err: error }, 'idempotencyKey threw, moving the event to the DLQ');
    await deadLetter(record, ctx, `idempotencyKey failed: ${describe(error)}`, 0);
    return 'dead-lettered';
  }
  if (idempotencyKey !== undefined && (await ctx.idempotency.has(ctx.group, idempotencyKey))) {
    log().info({ idempotencyKey }, 'event already applied by this group, skipping');
    return 'duplicate';
  }
  return { record, event, idempotencyKey };
}

/**
 * Runs `run` up to `maxAttempts` times with backoff; `aborted` when the signal fired during a wait.
 * A failure because a dependency is unavailable uses up no attempt: the event waits for it (the
 * partition pauses) instead of going to the DLQ, which is for events that cannot be handled.
 */
async function attempt(
  ctx: DeliveryContext,
  topic: string,
  log: LazyLogger,
  run: (attempt: number) => Promise<void>,
): Promise<Attempts> {
  let lastError: unknown;
  let outage = 0;
  for (let n = 1; n <= ctx.retry.maxAttempts; n++) {
    try {
      await withKeepAlive(
        ctx,
        Promise.resolve().then(() => run(n)),
      );
      return { ok: true };
    } catch (error) {
      lastError = error;
      ctx.observer?.failedAttempt?.(topic, ctx.group);
      if (isUnavailableFailure(error)) {
        outage++;
        log().warn(
          { err: error, outage },
          'a dependency of the event handler is unavailable, waiting for it',
        );
        const wait = Math.min(backoffDelay(outage, ctx.retry.backoff), UNAVAILABLE_RETRY_MAX_MS);
        if (!(await withKeepAlive(ctx, pause(wait, ctx.signal)))) return 'aborted';
        n--;
        continue;
      }
      outage = 0;
      log().warn({ err: error, attempt: n, maxAttempts: ctx.retry.maxAttempts }, 'event handler failed');
    }
    if (n === ctx.retry.maxAttempts) break;
    const waited = await withKeepAlive(ctx, pause(backoffDelay(n, ctx.retry.backoff), ctx.signal));
    if (!waited) return 'aborted';
  }
  return { ok: false, error: lastError };
}

/** The outcome of a record's attempts: dead-lettered when every attempt failed. */
async function settle(
  record: ConsumedRecord,
  ctx: DeliveryContext,
  log: LazyLogger,
  result: Attempts,
): Promise<DeliveryOutcome> {
  if (result === 'aborted') return 'aborted';
  if (result.ok) return 'handled';
  log().error(
    { err: result.error, attempts: ctx.retry.maxAttempts },
    'event handler failed on every attempt, moving the event to the DLQ',
  );
  await deadLetter(record, ctx, describe(result.error), ctx.retry.maxAttempts);
  return 'dead-lettered';
}

/** Records the idempotency keys of handled events. */
async function finish<T>(
  outcome: DeliveryOutcome,
  items: ReadonlyArray<Admitted<T>>,
  ctx: DeliveryContext,
): Promise<DeliveryOutcome> {
  if (outcome !== 'handled') return outcome;
  for (const { idempotencyKey } of items) {
    if (idempotencyKey !== undefined) await ctx.idempotency.record(ctx.group, idempotencyKey);
  }
  const first = items[0];
  if (first) ctx.observer?.handled?.(first.record.topic, ctx.group, items.length);
  return outcome;
}

async function deadLetter(
  record: ConsumedRecord,
  ctx: DeliveryContext,
  cause: string,
  attempts: number,
): Promise<void> {
  await ctx.deadLetter(dlqTopicName(record.topic), {
    key: record.key,
    value: record.value,
    headers: {
      ...record.headers,
      [DlqHeaders.error]: cause.slice(0, 2_000),
      [DlqHeaders.originalTopic]: record.topic,
      [DlqHeaders.originalPartition]: String(record.partition),
      [DlqHeaders.originalOffset]: record.offset,
      [DlqHeaders.group]: ctx.group,
      [DlqHeaders.attempts]: String(attempts),
      [DlqHeaders.failedAt]: new Date().toISOString(),
    },
  });
  ctx.observer?.deadLettered?.(record.topic, ctx.group);
}

async function withKeepAlive<T>(ctx: DeliveryContext, work: Promise<T>): Promise<T> {
  const keepAlive = ctx.keepAlive;
  if (!keepAlive) return work;
  const timer = setInterval(() => {
    keepAlive.tick().catch((error: unknown) => ctx.logger.warn({ err: error }, 'keep-alive tick failed'));
  }, keepAlive.intervalMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
