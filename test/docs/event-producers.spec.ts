import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../support/repo.js';
import { scanFile, scanPublishSites } from './event-producers.js';

const header = `
import { topicFor } from '@cairn/events';
import { DocumentChunkedSchema, DocumentDeletedSchema as Deleted } from '@cairn/contracts/cairn/ingestion/v1/events';
import { LocalSchema } from './local.js';
`;

void describe('scanFile (producers of the event catalogue)', () => {
  void it('resolves publish calls given topicFor(Schema), a constant or a property bound to it', () => {
    const { sites, problems } = scanFile(
      'a.ts',
      `${header}
const chunkedTopic = topicFor(DocumentChunkedSchema);
class Publisher {
  private readonly deleted = topicFor(Deleted);
  async run(): Promise<void> {
    await this.bus.publish(chunkedTopic, payload, options);
    await this.bus.publish(this.deleted, payload, options);
    await this.bus.publish(topicFor(DocumentChunkedSchema), payload, options);
    await this.bus.publishRaw('cairn.ingestion.document-chunked.v1', record);
  }
}`,
    );
    assert.deepEqual(problems, []);
    const contracts = '@cairn/contracts/cairn/ingestion/v1/events';
    assert.deepEqual(sites, [
      { topic: { specifier: contracts, exported: 'DocumentChunkedSchema' }, line: 10 },
      { topic: { specifier: contracts, exported: 'DocumentDeletedSchema' }, line: 11 },
      { topic: { specifier: contracts, exported: 'DocumentChunkedSchema' }, line: 12 },
      { topic: 'cairn.ingestion.document-chunked.v1', line: 13 },
    ]);
  });

  void it('reports, with file and line, every publish call whose topic it cannot tell', () => {
    const { sites, problems } = scanFile(
      'b.ts',
      `${header}
async function send(topic: TopicSpec, name: string): Promise<void> {
  await bus.publish(topic, payload, options);
  await bus.publish(topicFor(LocalSchema), payload, options);
  await bus.publishRaw(name, record);
}`,
    );
    assert.deepEqual(sites, []);
    assert.equal(problems.length, 3);
    assert.match(problems[0]!, /^b\.ts:7: cannot tell which topic this publish\(\) goes to/);
    assert.match(problems[1]!, /^b\.ts:8: LocalSchema is not imported from @cairn\/contracts\//);
    assert.match(problems[2]!, /^b\.ts:9: publishRaw\(\) with a topic that is not a string literal/);
  });
});

void describe('scanPublishSites', () => {
  void it('finds what the ingestion service publishes, and nothing in its specs', async () => {
    const { sites, problems } = await scanPublishSites(
      join(REPO_ROOT, 'services', 'ingestion', 'src'),
      REPO_ROOT,
    );
    assert.deepEqual(problems, []);
    assert.deepEqual([...new Set(sites.map((site) => `${site.file} ${site.topic}`))].sort(), [
      'services/ingestion/src/ingest/document-ingestor.ts cairn.ingestion.document-chunked.v1',
      'services/ingestion/src/ingest/document-ingestor.ts cairn.ingestion.document-deleted.v1',
    ]);
  });
});
