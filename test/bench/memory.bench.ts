import { readFileSync } from 'node:fs';
import { log, round, type Figure } from './bench-report.js';
import type { Benchmark } from './benchmark.js';
import { ingestStream, startCairn } from './cairn-harness.js';
import { generateCorpus } from './corpus.js';

const DOC_BYTES = 8000;
const PER_CALL = 100;

/**
 * Memory: RSS of the all-in-one sampled while a generated corpus is streamed into it (documents generated
 * one call at a time, never held), to show it stays bounded.
 */
export const memoryBench: Benchmark = {
  name: 'memory',
  title: 'Memory: all-in-one RSS while ingesting a large generated corpus',
  async run(ctx) {
    const totalMb = ctx.smoke ? 1 : ctx.size('memory-mb', 1024);
    const provider = ctx.smoke ? 'hash' : ctx.size('memory-local-model', 0) > 0 ? 'local' : 'hash';
    const documents = Math.ceil((totalMb * 2 ** 20) / DOC_BYTES);
    const cairn = await startCairn({
      env: { CAIRN_MODEL_DIR: ctx.modelDir, CAIRN_EMBEDDING_PROVIDER: provider },
    });
    const pid = cairn.server.child.pid!;
    const samples: { s: number; ingestedMb: number; rssMb: number }[] = [];
    const started = performance.now();
    let ingestedBytes = 0;
    const sample = (): void => {
      samples.push({
        s: round((performance.now() - started) / 1000, 1),
        ingestedMb: round(ingestedBytes / 2 ** 20, 1),
        rssMb: round(rssKb(pid) / 1024, 1),
      });
    };
    const timer = setInterval(sample, ctx.smoke ? 200 : 2000);
    try {
      sample();
      let batch = [];
      let chunks = 0;
      let loggedAt = 0;
      for (const doc of generateCorpus(documents, DOC_BYTES, 99)) {
        batch.push(doc);
        if (batch.length < PER_CALL) continue;
        chunks += (await ingestStream(cairn.ingestion, 'bench-memory', batch)).reduce(
          (n, d) => n + d.chunkCount,
          0,
        );
        ingestedBytes += batch.reduce((n, d) => n + Buffer.byteLength(d.text), 0);
        batch = [];
        if (samples.length >= loggedAt + 30) {
          loggedAt = samples.length;
          log(`memory: ${round(ingestedBytes / 2 ** 20, 0)} MB ingested, RSS ${samples.at(-1)?.rssMb} MB`);
        }
      }
      if (batch.length > 0) {
        chunks += (await ingestStream(cairn.ingestion, 'bench-memory', batch)).reduce(
          (n, d) => n + d.chunkCount,
          0,
        );
        ingestedBytes += batch.reduce((n, d) => n + Buffer.byteLength(d.text), 0);
      }
      sample();
      clearInterval(timer);
      const rss = samples.map((s) => s.rssMb);
      const half = Math.floor(samples.length / 2);
      const firstHalfMax = Math.max(...rss.slice(0, Math.max(1, half)));
      const secondHalfMax = Math.max(...rss.slice(half));
      const elapsedS = (performance.now() - started) / 1000;
      const figures: Figure[] = [
        { name: 'RSS at start', value: rss[0]!, unit: 'MB' },
        {
          name: 'RSS max, second half of the run',
          value: secondHalfMax,
          unit: 'MB',
          reference: { name: 'RSS max, first half', value: firstHalfMax },
          ratio: round(secondHalfMax / firstHalfMax, 3),
          target: {
            text: 'bounded (second half ≤ 1.25× first half)',
            met: secondHalfMax <= 1.25 * firstHalfMax,
          },
        },
        { name: 'RSS at end', value: rss.at(-1)!, unit: 'MB' },
        { name: 'corpus ingested', value: round(ingestedBytes / 2 ** 20, 1), unit: 'MB' },
        { name: 'ingest rate (acks)', value: round(ingestedBytes / 2 ** 20 / elapsedS, 2), unit: 'MB/s' },
      ];
      return {
        config: { totalMb, documents, docBytes: DOC_BYTES, perCall: PER_CALL, provider, chunks },
        figures,
        series: { rss: samples },
        notes: [
          `${documents} generated documents (~${DOC_BYTES} B, ${round(ingestedBytes / 2 ** 20, 0)} MB, ${chunks} chunks) streamed through IngestStream, ${PER_CALL} per call, into the all-in-one (embedded event log, SQLite registry, embedded vector store); RSS read from /proc every ${ctx.smoke ? 0.2 : 2} s.`,
          provider === 'hash'
            ? 'Embedding provider: hash (feature hashing) so that the run reaches the corpus size in minutes: the local model embeds ~100 chunks/s on this machine, which would take hours for a gigabyte. Everything else (parsing, chunking, registry, event log, vector store with BM25 postings) is the production path. Pass `--size memory-local-model=1` for the local model.'
            : 'Embedding provider: the local model.',
          'Ingest acks do not wait for embedding; the backlog waits in the on-disk event log, not in memory.',
        ],
      };
    } finally {
      clearInterval(timer);
      await cairn.stop();
    }
  },
};

function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
}
