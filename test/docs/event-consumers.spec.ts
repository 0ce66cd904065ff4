import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DescMessage } from '@bufbuild/protobuf';
import { DocumentChunkedSchema, DocumentDeletedSchema } from '@cairn/contracts/cairn/ingestion/v1/events';
import { EventConsumer, topicFor, type BatchEventHandler, type EventHandler } from '@cairn/events';
import { Injectable, Module } from '@nestjs/common';
import { declaredConsumers } from './event-consumers.js';

@Injectable()
@EventConsumer(DocumentChunkedSchema, { group: 'spec', idempotencyKey: (event) => event.id, maxAttempts: 2 })
class ChunkedConsumer implements EventHandler<typeof DocumentChunkedSchema> {
  async handle(): Promise<void> {}
}

@Injectable()
@EventConsumer<DescMessage>([topicFor(DocumentChunkedSchema), topicFor(DocumentDeletedSchema)], {
  group: 'spec-batch',
  batch: { maxSize: 10, maxWaitMs: 5 },
})
class BatchConsumer implements BatchEventHandler<DescMessage> {
  async handleBatch(): Promise<void> {}
}

@Injectable()
class NotAConsumer {}

@Module({ providers: [{ provide: 'batch', useClass: BatchConsumer }] })
class ImportedModule {}

@Module({ imports: [ImportedModule], providers: [ChunkedConsumer, NotAConsumer] })
class ServiceModule {}

void describe('declaredConsumers (consumers of the event catalogue)', () => {
  void it('reads the @EventConsumer providers of a module and of the modules it imports', () => {
    const consumers = declaredConsumers([ServiceModule]);
    assert.deepEqual(
      consumers.map((c) => [c.topic, c.group, c.className, c.batch, c.idempotent, c.maxAttempts]),
      [
        ['cairn.ingestion.document-chunked.v1', 'spec', 'ChunkedConsumer', false, true, 2],
        ['cairn.ingestion.document-chunked.v1', 'spec-batch', 'BatchConsumer', true, false, undefined],
        ['cairn.ingestion.document-deleted.v1', 'spec-batch', 'BatchConsumer', true, false, undefined],
      ],
    );
  });
});
