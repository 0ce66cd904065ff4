import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { DocumentChunked } from '@cairn/contracts/cairn/ingestion/v1/events';
import { SqliteDocumentRegistry } from '@cairn/document-registry';
import { EventBusUnavailableError, type EventBus } from '@cairn/events';
import type { IngestionConfig } from '../ingestion.config.js';
import type { IngestCommand } from './ingest-command.js';
import { DocumentIngestor } from './document-ingestor.js';

const config = {
  ingestion: { maxDocumentBytes: 1_000_000, chunkMaxTokens: 16, chunkOverlapTokens: 0 },
} as unknown as IngestionConfig;

function command(text: string): IngestCommand {
  return {
    tenant: 'acme',
    collection: 'notes',
    externalId: 'n1',
    title: '',
    sourceUri: '',
    mimeType: 'text/markdown',
    metadata: {},
    content: { text },
    idempotencyKey: '',
    requestId: 'r',
    principal: 'p',
    traceparent: undefined,
  };
}

const sections = (last: string) =>
  `# Note\n\n## One\n\nThe first section stays the same.\n\n## Two\n\nThe second section stays too.\n\n## Three\n\n${last}`;

void describe('DocumentIngestor', () => {
  const registry = new SqliteDocumentRegistry({
    path: join(mkdtempSync(join(tmpdir(), 'ingestor-')), 'r.db'),
  });
  after(() => registry.close());
  let down = false;
  const published: DocumentChunked[] = [];
  const bus = {
    publish: async (_topic: unknown, payload: DocumentChunked) => {
      if (down) throw new EventBusUnavailableError('broker down');
      published.push(payload);
      return { eventId: 'e', topic: 't', partition: 0, offset: '0' };
    },
  } as unknown as EventBus;
  const ingestor = new DocumentIngestor(registry, bus, (text) => text.split(/\s+/).length, config);

  void it('after a version whose event never went out, the next sends every chunk and retains none', async () => {
    await registry.migrate();
    const v1 = await ingestor.ingest(command(sections('The third section, first revision.')));
    await registry.markIndexed('acme', v1.documentId, v1.version);

    const afterIndexed = await ingestor.ingest(command(sections('The third section, second revision.')));
    const diffed = published.at(-1);
    assert.ok(diffed && diffed.retainedChunkIds.length > 0, 'after an indexed version: only new chunks');
    assert.equal(diffed.chunks.length + diffed.retainedChunkIds.length, afterIndexed.chunkCount);

    down = true;
    await assert.rejects(
      ingestor.ingest(command(sections('The third section, third revision.'))),
      EventBusUnavailableError,
    );
    down = false;
    const next = await ingestor.ingest(command(sections('The third section, fourth revision.')));
    const full = published.at(-1);
    assert.equal(full?.documentVersion, next.version);
    assert.deepEqual(full?.retainedChunkIds, [], 'nothing is retained from a version never announced');
    assert.equal(full?.chunks.length, next.chunkCount, 'every chunk of the version is sent');
  });
});
