import type { DescMessage } from '@bufbuild/protobuf';
import type { Logger } from '@cairn/observability';
import { decodeEvent, type ConsumedRecord } from '../event-codec.js';
import {
  dlqTopicName,
  type RawRecord,
  type RawSubscribeOptions,
  type SubscribeOptions,
  type TopicSpec,
} from '../event-bus.port.js';
import { DlqHeaders } from '../event-headers.js';
import type { IdempotencyStore } from '../idempotency/idempotency-store.port.js';
import { backoffDelay, pause, type RetryPolicy } from './retry-policy.js';

/** What a subscription delivers to: a typed handler on a topic, or a raw handler. */
export type DeliveryTarget<S extends DescMessage = DescMessage> =
  | { readonly kind: 'event'; readonly topic: TopicSpec<S>; readonly options: SubscribeOptions<S> }
  | { readonly kind: 'raw'; readonly options: RawSubscribeOptions };

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
}

/** `handled`, `duplicate` and `dead-lettered` may be committed; `aborted` must not. */
export type DeliveryOutcome = 'handled' | 'duplicate' | 'dead-lettered' | 'aborted';

/**
 * Delivers one record with the platform's semantics, shared by every adapter: decode (undecodable
 * -> DLQ at once), idempotency check, handler attempts with exponential backoff, then DLQ.
 * Rejects only when the DLQ or the idempotency store fails; the adapter then must not commit.
 */
export async function deliver<S extends DescMessage>(
  record: ConsumedRecord,
  target: DeliveryTarget<S>,
  ctx: DeliveryContext,
): Promise<DeliveryOutcome> {
  if (ctx.signal.aborted) return 'aborted';
  const log = ctx.logger.child({
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    group: ctx.group,
  });
  let run: (attempt: number) => Promise<void>;
  let idempotencyKey: string | undefined;
  if (target.kind === 'event') {
    const decoded = decodeEvent(target.topic, record);
    if (!decoded.ok) {
      log.error({ err: decoded.error }, 'undecodable event, moving it to the DLQ');
      await deadLetter(record, ctx, `${decoded.error.name}: ${decoded.error.message}`, 0);
      return 'dead-lettered';
    }
    const { options } = target;
    try {
      idempotencyKey = options.idempotencyKey?.({ ...decoded.event, attempt: 1 });
    } catch (error) {
      log.error({ err: error }, 'idempotencyKey threw, moving the event to the DLQ');
      await deadLetter(record, ctx, `idempotencyKey failed: ${describe(error)}`, 0);
      return 'dead-lettered';
    }
    if (idempotencyKey !== undefined && (await ctx.idempotency.has(ctx.group, idempotencyKey))) {
      log.info({ idempotencyKey }, 'event already applied by this group, skipping');
      return 'duplicate';
    }
    run = (attempt) => options.handler({ ...decoded.event, attempt });
  } else {
    const { options } = target;
    run = (attempt) => options.handler({ ...record, attempt });
  }

  let succeeded = false;
  let lastError: unknown;
  for (let attempt = 1; attempt <= ctx.retry.maxAttempts; attempt++) {
    try {
      await withKeepAlive(
        ctx,
        Promise.resolve().then(() => run(attempt)),
      );
      succeeded = true;
      break;
    } catch (error) {
      lastError = error;
      log.warn({ err: error, attempt, maxAttempts: ctx.retry.maxAttempts }, 'event handler failed');
    }
    if (attempt === ctx.retry.maxAttempts) break;
    const waited = await withKeepAlive(ctx, pause(backoffDelay(attempt, ctx.retry.backoff), ctx.signal));
    if (!waited) return 'aborted';
  }
  if (!succeeded) {
    log.error(
      { err: lastError, attempts: ctx.retry.maxAttempts },
      'event handler failed on every attempt, moving the event to the DLQ',
    );
    await deadLetter(record, ctx, describe(lastError), ctx.retry.maxAttempts);
    return 'dead-lettered';
  }
  if (idempotencyKey !== undefined) await ctx.idempotency.record(ctx.group, idempotencyKey);
  return 'handled';
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
