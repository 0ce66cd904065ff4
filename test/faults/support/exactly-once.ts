import { DocumentStatus } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { SearchMode } from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { waitFor } from '@cairn/testing';
import { QdrantVectorStore } from '@cairn/vector-store';
import type { AckedDocument, AckLedger } from './ack-ledger.js';
import type { FaultTopology } from './fault-topology.js';

/** What one acknowledged document looks like in the system; `problems` is empty when it is exactly once. */
interface DocumentState {
  readonly externalId: string;
  readonly problems: readonly string[];
}

/**
 * Checks one acknowledged document: the registry has its acknowledged version INDEXED; a search
 * restricted to it returns exactly its chunks — as many as the acknowledged version has (none
 * missing), each chunk id once (no duplicate), every text a part of the acknowledged text (nothing
 * stale of an older version); and the vector tier holds exactly that many points for it.
 */
async function inspect(topology: FaultTopology, store: QdrantVectorStore, doc: AckedDocument) {
  const clients = topology.tenant(doc.tenant);
  const problems: string[] = [];
  const { document } = await clients.ingestion.getDocument({ documentId: doc.documentId });
  if (document?.version !== doc.version || document.status !== DocumentStatus.INDEXED) {
    problems.push(
      `registry has v${document?.version} ${DocumentStatus[document?.status ?? 0]}, acknowledged v${doc.version}`,
    );
  }
  const { chunks } = await clients.retrieval.search({
    query: 'field note reading',
    mode: SearchMode.DENSE,
    topK: 100,
    filter: { must: [{ key: 'document_id', match: { case: 'equals', value: doc.documentId } }] },
  });
  const ids = chunks.map((chunk) => chunk.chunk?.chunkId ?? '');
  if (chunks.length !== doc.chunkCount)
    problems.push(`search finds ${chunks.length} chunks, v${doc.version} has ${doc.chunkCount}`);
  if (new Set(ids).size !== ids.length) problems.push(`duplicate chunk ids: ${ids.join(', ')}`);
  const acknowledged = plain(doc.text);
  const stale = chunks.filter((chunk) => !acknowledged.includes(plain(chunk.text)));
  if (stale.length > 0) problems.push(`${stale.length} chunk(s) not of v${doc.version}: ${stale[0]?.text}`);
  const points = await store.count(topology.model.model, { tenant: doc.tenant, documentId: doc.documentId });
  if (points !== doc.chunkCount)
    problems.push(`vector tier holds ${points} points, expected ${doc.chunkCount}`);
  return { externalId: doc.externalId, problems };
}

/** Text without Markdown heading marks and with single spaces: chunks hold the parsed text. */
function plain(text: string): string {
  return text
    .replace(/^#+\s*/gm, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Every problem found, one line per document; empty when every acknowledged document is there exactly once. */
export async function exactlyOnceViolations(topology: FaultTopology, ledger: AckLedger): Promise<string[]> {
  const store = new QdrantVectorStore({ url: topology.qdrant.url });
  try {
    await store.ensureCollection(topology.model);
    const states: DocumentState[] = [];
    for (const doc of ledger.documents) states.push(await inspect(topology, store, doc));
    return states
      .filter((state) => state.problems.length > 0)
      .map((state) => `${state.externalId}: ${state.problems.join('; ')}`);
  } finally {
    await store.close();
  }
}

/**
 * Waits until every acknowledged document is searchable exactly once, then returns nothing; at the
 * deadline fails listing each document that is not, and why.
 */
export async function assertExactlyOnce(
  topology: FaultTopology,
  ledger: AckLedger,
  timeoutMs = 90_000,
): Promise<void> {
  if (ledger.size === 0) throw new Error('no document was acknowledged: the scenario proved nothing');
  let last: string[] = [];
  try {
    await waitFor(
      async () => {
        last = await exactlyOnceViolations(topology, ledger);
        return last.length === 0;
      },
      {
        timeoutMs,
        intervalMs: 500,
        description: 'every acknowledged document to be searchable exactly once',
      },
    );
  } catch (error) {
    const crashed = topology.crashed();
    throw new Error(
      `${last.length} of ${ledger.size} acknowledged documents are not exactly once:\n  ${last.slice(0, 20).join('\n  ')}` +
        (crashed.length > 0 ? `\ncrashed services: ${crashed.join(', ')}` : '') +
        `\nlogs in ${topology.runDir}`,
      { cause: error },
    );
  }
}
