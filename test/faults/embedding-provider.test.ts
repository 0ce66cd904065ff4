import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DocumentStatus } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { waitFor } from '@cairn/testing';
import { FakeOpenAiEmbeddingsServer, type FakeEmbeddingsBehaviour } from '@cairn/embeddings/testing';
import { skipKafka } from '../support/repo.js';
import { faultDocument } from './support/ack-ledger.js';
import type { DeadLetter } from './support/dlq-reader.js';
import { assertInvariants, faultEnvironment } from './support/fault-environment.js';
import { FAULT_COLLECTION } from './support/ingest-load.js';

const DIMENSION = 64;
/** What the model answers the first requests that carry the flaky documents, in order; then it recovers. */
const FLAKY: FakeEmbeddingsBehaviour[] = ['hang', '429', '500'];

/** Fault 5: the embedding model times out, throttles and fails, for a while or for good. */
void describe(
  'faults: an embedding provider that times out, answers 429 and 500',
  { skip: skipKafka() },
  () => {
    const model = new FakeOpenAiEmbeddingsServer({ dimension: DIMENSION, retryAfter: '1' });
    let baseUrl = '';
    before(async () => {
      baseUrl = await model.start();
    });
    after(() => model.stop());
    const env = faultEnvironment({ kafka: 19146, postgres: 15543 }, () => {
      const provider = {
        CAIRN_EMBEDDING_PROVIDER: 'openai',
        CAIRN_EMBEDDING_OPENAI_BASE_URL: baseUrl,
        CAIRN_EMBEDDING_OPENAI_MODEL: 'fake-embed',
        CAIRN_EMBEDDING_OPENAI_DIMENSION: String(DIMENSION),
        CAIRN_EMBEDDING_OPENAI_TIMEOUT_MS: '1500',
      };
      return {
        model: { model: 'fake-embed', dimension: DIMENSION },
        serviceEnv: {
          embedding: { ...provider, CAIRN_EVENTS_MAX_ATTEMPTS: '3' },
          retrieval: provider,
        },
      };
    });

    void it('indexes once what recovers, dead-letters with its cause what never does', async () => {
      const { topology, ledger } = env;
      const clients = topology.tenant();
      const flaky = [...FLAKY];
      model.behaviourFor = (input) => {
        if (input.some((text) => text.includes('doomed'))) return '500';
        if (input.some((text) => text.includes('flaky'))) return flaky.shift();
        return undefined;
      };
      const doomedText = `${faultDocument(99)}\n\n## Doomed\n\nThe model never embeds this doomed section.`;
      for (let i = 0; i < 8; i++) {
        const text =
          i % 4 === 1 ? `${faultDocument(i)}\n\n## Flaky\n\nA flaky section ${i}.` : faultDocument(i);
        assert.ok(await ledger.ingest(clients, FAULT_COLLECTION, `model-${i}`, text));
        if (i === 3) assert.ok(await ledger.ingest(clients, FAULT_COLLECTION, 'model-doomed', doomedText));
      }
      // The doomed document was acknowledged, and is accounted for by the DLQ, not by search.
      const doomed = ledger.documents.find((doc) => doc.externalId === 'model-doomed');
      assert.ok(doomed);
      ledger.forget(doomed.tenant, doomed.collection, doomed.externalId);

      await assertInvariants(env, (letters: readonly DeadLetter[]) => {
        assert.deepEqual(
          letters.map((l) => `${l.originalTopic} ${l.group}`),
          [`cairn.ingestion.document-chunked.v1 ${topology.groupPrefix}-embedding`],
          'only the doomed version is dead-lettered, by the embedding service',
        );
        assert.match(letters[0]?.cause ?? '', /EmbeddingRequestError: .* answered 500/);
        assert.equal(letters[0]?.attempts, 3);
        assert.ok(letters[0]?.value.toString('utf8').includes('doomed section'));
      });
      // The registry may learn of the failure a moment after the DLQ got the event.
      const failed = await waitFor(
        async () => {
          const { document } = await clients.ingestion.getDocument({ documentId: doomed.documentId });
          return document?.status === DocumentStatus.FAILED ? document : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200, description: 'the doomed version to be marked failed' },
      );
      assert.match(failed.failureReason, /answered 500/, 'with the cause');

      const seen = new Set(model.requests.map((r) => r.behaviour));
      for (const behaviour of [...FLAKY, 'ok'] as const)
        assert.ok(seen.has(behaviour), `the model answered ${behaviour}`);
      assert.equal(flaky.length, 0, 'every scripted failure was met and retried past');
    });
  },
);
