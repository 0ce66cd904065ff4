import { Inject } from '@nestjs/common';
import type { DescMessage, Message } from '@bufbuild/protobuf';
import { eventSchemas } from '@cairn/contracts';
import { AuditCheckpointSignedSchema } from '@cairn/contracts/cairn/audit/v1/events';
import {
  EventConsumer,
  topicFor,
  type BatchBounds,
  type BatchEventHandler,
  type EventEnvelope,
} from '@cairn/events';
import { PLATFORM_CONFIG } from '@cairn/platform';
import type { AuditConfig } from '../audit.config.js';
import { AuditRecorder } from '../recording/audit-recorder.js';

// Every event of the platform, except the audit's own checkpoints: recording them would make the
// chain sign its own records.
const AUDITED = eventSchemas.filter((schema) => schema.typeName !== AuditCheckpointSignedSchema.typeName);
const SCHEMAS = new Map(AUDITED.map((schema) => [schema.typeName, schema]));

/**
 * Consumes every Cairn topic in the `audit` group and records each event, a batch of a partition
 * per store transaction (bounded by `audit.batchMaxSize` and `audit.batchMaxWaitMs`).
 */
@EventConsumer(AUDITED.map((schema) => topicFor(schema)), {
  group: 'audit',
  batch: (instance) => (instance as EveryEventConsumer).bounds,
})
export class EveryEventConsumer implements BatchEventHandler<DescMessage> {
  readonly bounds: BatchBounds;

  constructor(
    private readonly recorder: AuditRecorder,
    @Inject(PLATFORM_CONFIG) config: AuditConfig,
  ) {
    this.bounds = { maxSize: config.audit.batchMaxSize, maxWaitMs: config.audit.batchMaxWaitMs };
  }

  async handleBatch(events: readonly EventEnvelope<Message>[]): Promise<void> {
    await this.recorder.recordBatch(
      events.map((event) => {
        const schema = SCHEMAS.get(event.type);
        if (schema === undefined) throw new Error(`no audited event type ${event.type} on ${event.topic}`);
        return { schema, event };
      }),
    );
  }
}
