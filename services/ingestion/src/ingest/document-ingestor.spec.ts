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
import { chunkingOf, DocumentIngestor } from './document-ingestor.js';

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

void describe('chunkingOf', () => {
  const defaults = { chunkMaxTokens: 256, chunkOverlapTokens: 32 };
  const withCollections = {
    ingestion: {
      ...defaults,
      collectionChunking: { faq: { maxTokens: 64, overlapTokens: 8 }, short: { maxTokens: 20 } },
    },
  } as unknown as IngestionConfig;

  void it('takes a collection’s own chunk size and overlap, and the defaults for other collections', () => {
    assert.deepEqual(chunkingOf(withCollections, 'faq'), { maxTokens: 64, overlapTokens: 8 });
    assert.deepEqual(chunkingOf(withCollections, 'handbook'), { maxTokens: 256, overlapTokens: 32 });
    assert.deepEqual(
      chunkingOf(withCollections, 'short'),
      { maxTokens: 20, overlapTokens: 19 },
      'the default overlap is kept below a smaller chunk size',
    );
  });

  void it('chunks a collection of its own in its own size', async () => {
    const small = {
      ingestion: { ...config.ingestion, collectionChunking: { tiny: { maxTokens: 16, overlapTokens: 0 } } },
    };
    const big = {
      ingestion: {
        ...config.ingestion,
        chunkMaxTokens: 512,
        collectionChunking: small.ingestion.collectionChunking,
      },
    };
    const registry = new SqliteDocumentRegistry({
      path: join(mkdtempSync(join(tmpdir(), 'chunking-')), 'r.db'),
    });
    await registry.migrate();
    const bus = {
      publish: async () => ({ eventId: 'e', topic: 't', partition: 0, offset: '0' }),
    } as unknown as EventBus;
    const words = (text: string) => text.split(/\s+/).length;
    const ingestor = new DocumentIngestor(registry, bus, words, big as unknown as IngestionConfig);
    const text = Array.from({ length: 12 }, (_, i) => `Sentence number ${i} says a little more.`).join(' ');
    const plain = { ...command(text), mimeType: 'text/plain' };
    try {
      const inTiny = await ingestor.ingest({ ...plain, collection: 'tiny', externalId: 't' });
      const inOther = await ingestor.ingest({ ...plain, collection: 'other', externalId: 'o' });
      assert.ok(
        inTiny.chunkCount > inOther.chunkCount,
        `${inTiny.chunkCount} tiny chunks vs ${inOther.chunkCount}`,
      );
      assert.equal(inOther.chunkCount, 1, 'one 512-token chunk holds the whole text');
    } finally {
      await registry.close();
    }
  });
});
