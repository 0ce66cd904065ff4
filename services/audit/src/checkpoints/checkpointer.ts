import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { create } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import type { AuditStore, Checkpoint } from '@cairn/audit-store';
import { AuditCheckpointSignedSchema } from '@cairn/contracts/cairn/audit/v1/events';
import { EVENT_BUS, topicFor, type EventBus } from '@cairn/events';
import type { Logger } from '@cairn/observability';
import { LOGGER, PLATFORM_CONFIG } from '@cairn/platform';
import type { AuditConfig } from '../audit.config.js';
import { CheckpointSigner } from '../signing/checkpoint-signer.js';
import { AUDIT_STORE } from '../store/audit-store.provider.js';

const signedTopic = topicFor(AuditCheckpointSignedSchema);

/**
 * Signs the head of a tenant's chain every `checkpointEvery` records and, on a timer, every tenant
 * with unsigned records; stores each checkpoint and publishes it as AuditCheckpointSigned, so a copy
 * lives outside the store.
 */
@Injectable()
export class Checkpointer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly every: number;
  private readonly intervalMs: number;
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Map<string, Promise<Checkpoint | undefined>>();

  constructor(
    @Inject(AUDIT_STORE) private readonly store: AuditStore,
    private readonly signer: CheckpointSigner,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(PLATFORM_CONFIG) config: AuditConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.every = config.audit.checkpointEvery;
    this.intervalMs = config.audit.checkpointIntervalSeconds * 1000;
    this.logger = logger.child({ component: 'audit-checkpointer' });
  }

  onApplicationBootstrap(): void {
    if (this.intervalMs > 0) {
      this.timer = setInterval(() => void this.signAll(), this.intervalMs);
      this.timer.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled(this.inFlight.values());
  }

  /**
   * Called after records `first`..`last` of a tenant were appended: signs when the range reaches a
   * multiple of `checkpointEvery`. A failure is logged; the timer signs that head later.
   */
  async appended(tenant: string, first: number, last: number): Promise<void> {
    if (Math.floor(last / this.every) === Math.floor((first - 1) / this.every)) return;
    try {
      await this.sign(tenant);
    } catch (error) {
      this.logger.error({ err: error, tenant, sequence: last }, 'checkpoint failed; the timer retries it');
    }
  }

  /** Signs every tenant whose head is past its latest checkpoint. */
  async signAll(): Promise<void> {
    try {
      for (const head of await this.store.heads())
        if (head.sequence > head.checkpointSequence) await this.sign(head.tenant);
    } catch (error) {
      this.logger.error({ err: error }, 'periodic checkpoints failed');
    }
  }

  /** Signs the tenant's current head (nothing when it is signed already); one signing per tenant at a time. */
  async sign(tenant: string): Promise<Checkpoint | undefined> {
    const previous = this.inFlight.get(tenant) ?? Promise.resolve(undefined);
    const next = previous.catch(() => undefined).then(() => this.signHead(tenant));
    this.inFlight.set(tenant, next);
    try {
      return await next;
    } finally {
      if (this.inFlight.get(tenant) === next) this.inFlight.delete(tenant);
    }
  }

  private async signHead(tenant: string): Promise<Checkpoint | undefined> {
    const head = await this.store.head(tenant);
    if (head === undefined || head.sequence <= head.checkpointSequence) return undefined;
    const checkpoint = this.signer.sign(tenant, head.sequence, head.hash);
    await this.store.addCheckpoint(checkpoint);
    await this.bus.publish(
      signedTopic,
      create(AuditCheckpointSignedSchema, {
        tenant,
        meta: { occurredAt: timestampNow(), principal: 'service:audit' },
        sequence: BigInt(checkpoint.sequence),
        hash: checkpoint.hash,
        recordId: checkpoint.recordId,
        algorithm: checkpoint.algorithm,
        keyId: checkpoint.keyId,
        signature: checkpoint.signature,
      }),
      { tenant },
    );
    return checkpoint;
  }
}
