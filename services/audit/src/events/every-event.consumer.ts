import type { DescMessage, Message } from '@bufbuild/protobuf';
import { eventSchemas } from '@cairn/contracts';
import { AuditCheckpointSignedSchema } from '@cairn/contracts/cairn/audit/v1/events';
import { EventConsumer, topicFor, type EventEnvelope, type EventHandler } from '@cairn/events';
import { AuditRecorder } from '../recording/audit-recorder.js';

// Every event of the platform, except the audit's own checkpoints: recording them would make the
// chain sign its own records.
const AUDITED = eventSchemas.filter((schema) => schema.typeName !== AuditCheckpointSignedSchema.typeName);
const SCHEMAS = new Map(AUDITED.map((schema) => [schema.typeName, schema]));

/** Consumes every Cairn topic in the `audit` group and records each event. */
@EventConsumer(AUDITED.map((schema) => topicFor(schema)), { group: 'audit' })
export class EveryEventConsumer implements EventHandler<DescMessage> {
  constructor(private readonly recorder: AuditRecorder) {}

  async handle(event: EventEnvelope<Message>): Promise<void> {
    const schema = SCHEMAS.get(event.type);
    if (schema === undefined) throw new Error(`no audited event type ${event.type} on ${event.topic}`);
    await this.recorder.record(schema, event);
  }
}
