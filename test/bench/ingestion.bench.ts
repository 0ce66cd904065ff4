import { join } from 'node:path';
import { WordPieceTokenizer } from '@cairn/embeddings';
import { chunkDocument, parseDocument, type ParsedDocument } from '@cairn/ingestion-domain';
import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import { waitFor } from '@cairn/testing';
import { compared, log, msSince, round, type Figure } from './bench-report.js';
import type { Benchmark } from './benchmark.js';
import { countIndexed, ingestStream, startCairn } from './cairn-harness.js';
import { generateCorpus, readJsonlCorpus, type BenchDocument } from './corpus.js';

const MAX_TOKENS = 256;
const OVERLAP_TOKENS = 32;
const MAX_BYTES = 64 * 2 ** 20;

/**
 * Ingestion: parse + chunk throughput of @cairn/ingestion-domain vs LangChain.js's
 * RecursiveCharacterTextSplitter on the same corpus, then docs/s and chunks/s through the gRPC API of
 * the all-in-one (embedded event log, local model).
 */
export const ingestionBench: Benchmark = {
  name: 'ingestion',
  title: 'Ingestion: parse + chunk, and ingest through the gRPC API',
  async run(ctx) {
    const chunkDocs = ctx.smoke ? 40 : ctx.size('ingestion-chunk-docs', 2000);
    const apiDocs = ctx.smoke ? 12 : ctx.size('ingestion-api-docs', 300);
    const avgBytes = ctx.size('ingestion-doc-bytes', 4000);
    const corpus = ctx.corpusJsonl
      ? await readJsonlCorpus(ctx.corpusJsonl, chunkDocs)
      : [...generateCorpus(chunkDocs, avgBytes)];
    const bytes = corpus.reduce((sum, doc) => sum + Buffer.byteLength(doc.text), 0);
    const mb = bytes / 2 ** 20;
    const tokenizer = WordPieceTokenizer.fromVocabFile(join(ctx.modelDir, 'vocab.txt'));
    const countTokens = (text: string): number => tokenizer.countTokens(text);
    const passes = ctx.smoke ? 1 : 5;

    const parsed = await Promise.all(corpus.map((doc) => parse(doc)));
    let countedChars = 0;
    const countingCounter = (text: string): number => {
      countedChars += text.length;
      return countTokens(text);
    };
    cairnChunk(parsed, countingCounter);
    const parsedChars = parsed.reduce((sum, doc) => sum + doc.text.length, 0);
    const cairnCounted = countedChars / parsedChars;
    let totalTokens = 0;
    for (const doc of parsed) totalTokens += countTokens(doc.text);
    const charsPerToken = parsedChars / Math.max(totalTokens, 1);
    const charSplitters = splitters(
      Math.round(MAX_TOKENS * charsPerToken),
      Math.round(OVERLAP_TOKENS * charsPerToken),
    );
    const tokenSplitters = splitters(MAX_TOKENS, OVERLAP_TOKENS, countTokens);
    countedChars = 0;
    await langchainSplit(corpus, splitters(MAX_TOKENS, OVERLAP_TOKENS, countingCounter));
    const langchainCounted = countedChars / corpus.reduce((sum, doc) => sum + doc.text.length, 0);

    // Warm up every path once (JIT, tokenizer word cache); then passes take turns in alternating order,
    // so that a change of load on the shared machine hits every side alike; each keeps its best pass.
    await cairnParseChunk(corpus.slice(0, 50), countTokens);
    await langchainSplit(corpus.slice(0, 50), charSplitters);
    await langchainSplit(corpus.slice(0, 50), tokenSplitters);
    const timed = await bestOfEach(passes, {
      ours: () => cairnParseChunk(corpus, countTokens),
      chunkOnly: () => Promise.resolve(cairnChunk(parsed, countTokens)),
      parseOnly: async () => (await Promise.all(corpus.map((doc) => parse(doc)))).length,
      tokenizeOnce: () => Promise.resolve(parsed.reduce((sum, doc) => sum + countTokens(doc.text), 0)),
      lcChars: () => langchainSplit(corpus, charSplitters),
      lcTokens: () => langchainSplit(corpus, tokenSplitters),
    });
    const { ours, chunkOnly, parseOnly, tokenizeOnce, lcChars, lcTokens } = timed;

    const figures: Figure[] = [
      compared('parse + chunk (Cairn, WordPiece-sized)', round(mb / ours.seconds), 'MB/s', {
        name: 'LangChain RecursiveCharacterTextSplitter, chars length',
        value: round(mb / lcChars.seconds),
      }),
      compared('parse + chunk (Cairn, WordPiece-sized)', round(mb / ours.seconds), 'MB/s', {
        name: 'LangChain RecursiveCharacterTextSplitter, WordPiece length',
        value: round(mb / lcTokens.seconds),
      }),
      compared('chunk only, parse excluded (Cairn)', round(mb / chunkOnly.seconds), 'MB/s', {
        name: 'LangChain, chars length',
        value: round(mb / lcChars.seconds),
      }),
      compared('chunk only, parse excluded (Cairn)', round(mb / chunkOnly.seconds), 'MB/s', {
        name: 'LangChain, WordPiece length',
        value: round(mb / lcTokens.seconds),
      }),
      { name: 'profile: parse only (Cairn)', value: round(mb / parseOnly.seconds), unit: 'MB/s' },
      {
        name: 'profile: WordPiece count of each text once',
        value: round(mb / tokenizeOnce.seconds),
        unit: 'MB/s',
      },
    ];

    log(`ingestion: ${apiDocs} documents through IngestStream on the all-in-one`);
    const cairn = await startCairn({ env: { CAIRN_MODEL_DIR: ctx.modelDir } });
    try {
      const docs = [...generateCorpus(apiDocs, avgBytes, 7)];
      const collection = 'bench-ingestion';
      // Warm-up: the model loads on first use; time only the steady state.
      const warm = [...generateCorpus(3, avgBytes, 8)];
      await ingestStream(cairn.ingestion, 'bench-warm-up', warm);
      await waitFor(async () => (await countIndexed(cairn.ingestion, 'bench-warm-up')) >= warm.length, {
        timeoutMs: 120_000,
        intervalMs: 100,
        description: 'warm-up documents indexed',
      });
      const started = process.hrtime.bigint();
      let chunks = 0;
      const batch = 50;
      for (let i = 0; i < docs.length; i += batch) {
        const acked = await ingestStream(cairn.ingestion, collection, docs.slice(i, i + batch));
        chunks += acked.reduce((sum, doc) => sum + doc.chunkCount, 0);
      }
      const ackS = msSince(started) / 1000;
      await waitFor(async () => (await countIndexed(cairn.ingestion, collection)) >= docs.length, {
        timeoutMs: ctx.smoke ? 120_000 : 1_800_000,
        intervalMs: 200,
        description: `${docs.length} documents indexed`,
      });
      const indexedS = msSince(started) / 1000;
      figures.push(
        { name: 'ingest ack (IngestStream, 50 docs/call)', value: round(docs.length / ackS), unit: 'docs/s' },
        { name: 'ingest ack, chunks', value: round(chunks / ackS), unit: 'chunks/s' },
        { name: 'ingest → indexed (searchable)', value: round(docs.length / indexedS), unit: 'docs/s' },
        { name: 'ingest → indexed, chunks', value: round(chunks / indexedS), unit: 'chunks/s' },
      );
      return {
        config: {
          chunkDocs: corpus.length,
          corpusMB: round(mb, 1),
          corpus: ctx.corpusJsonl ?? `generated Markdown/plain, ~${avgBytes} B/doc`,
          apiDocs,
          apiChunks: chunks,
          maxTokens: MAX_TOKENS,
          overlapTokens: OVERLAP_TOKENS,
          passes,
        },
        figures,
        notes: [
          `Corpus: ${corpus.length} documents, ${round(mb, 1)} MB (${ctx.corpusJsonl ? 'BEIR corpus' : 'generated deterministically: two thirds Markdown with headings and lists, one third plain text'}); best of ${passes} passes after a warm-up, the flows taking turns within each pass.`,
          `Cairn parses (Markdown of headings, paragraphs and simple lists line by line, any other Markdown through mdast) and chunks by structure, sizing chunks in WordPiece tokens of the embedding model (max ${MAX_TOKENS}, overlap ${OVERLAP_TOKENS}), and hashes every chunk. LangChain only splits text: it does not parse, so "chunk only" is the like-for-like row.`,
          `LangChain gets the same budget two ways: in characters at the corpus's measured ${round(charsPerToken, 2)} chars/WordPiece token (chunkSize ${Math.round(MAX_TOKENS * charsPerToken)}, overlap ${Math.round(OVERLAP_TOKENS * charsPerToken)}), and with our WordPiece tokenizer as its lengthFunction (256/32). Markdown documents use its markdown separators, plain text the default ones.`,
          `Profile: the chunker hands ${round(cairnCounted, 2)}× the parsed text to the WordPiece counter (each paragraph once, the sentences of the overlap tails again), LangChain with the WordPiece length ${round(langchainCounted, 2)}× the text (it measures every split and merge); counting every text once runs at ${round(mb / tokenizeOnce.seconds)} MB/s and parsing alone at ${round(mb / parseOnly.seconds)} MB/s. With both sides counting through the same tokenizer, the counted volumes bound the WordPiece-length ratio near ${round(langchainCounted / cairnCounted, 1)}×.`,
          `Chunks produced on this corpus: Cairn ${ours.chunks}, LangChain chars ${lcChars.chunks}, LangChain WordPiece ${lcTokens.chunks}.`,
          `gRPC ingest: ${apiDocs} generated documents (${chunks} chunks) through IngestStream into the all-in-one (embedded log, SQLite registry, embedded vector store, local all-MiniLM-L6-v2 int8 ONNX model on CPU). Ack rate = parse + chunk + registry + event publish; indexed rate includes embedding every chunk, which dominates.`,
        ],
      };
    } finally {
      await cairn.stop();
    }
  },
};

async function parse(doc: BenchDocument): Promise<ParsedDocument> {
  return parseDocument({ mimeType: doc.mimeType, text: doc.text }, { maxBytes: MAX_BYTES });
}

async function cairnParseChunk(
  docs: readonly BenchDocument[],
  countTokens: (text: string) => number,
): Promise<number> {
  let chunks = 0;
  for (const doc of docs) {
    const parsed = await parse(doc);
    chunks += chunkDocument(parsed, countTokens, {
      maxTokens: MAX_TOKENS,
      overlapTokens: OVERLAP_TOKENS,
    }).length;
  }
  return chunks;
}

function cairnChunk(parsed: readonly ParsedDocument[], countTokens: (text: string) => number): number {
  let chunks = 0;
  for (const doc of parsed) {
    chunks += chunkDocument(doc, countTokens, {
      maxTokens: MAX_TOKENS,
      overlapTokens: OVERLAP_TOKENS,
    }).length;
  }
  return chunks;
}

interface Splitters {
  readonly markdown: RecursiveCharacterTextSplitter;
  readonly plain: RecursiveCharacterTextSplitter;
}

function splitters(
  chunkSize: number,
  chunkOverlap: number,
  lengthFunction?: (text: string) => number,
): Splitters {
  const params = { chunkSize, chunkOverlap, ...(lengthFunction ? { lengthFunction } : {}) };
  return {
    markdown: RecursiveCharacterTextSplitter.fromLanguage('markdown', params),
    plain: new RecursiveCharacterTextSplitter(params),
  };
}

async function langchainSplit(docs: readonly BenchDocument[], split: Splitters): Promise<number> {
  let chunks = 0;
  for (const doc of docs) {
    const splitter = doc.mimeType === 'text/markdown' ? split.markdown : split.plain;
    chunks += (await splitter.splitText(doc.text)).length;
  }
  return chunks;
}

/** Runs each flow once per pass (in alternating order); returns each one's fastest time and chunk count. */
async function bestOfEach<K extends string>(
  passes: number,
  flows: Record<K, () => Promise<number>>,
): Promise<Record<K, { seconds: number; chunks: number }>> {
  const names = Object.keys(flows) as K[];
  const result = Object.fromEntries(
    names.map((name) => [name, { seconds: Number.POSITIVE_INFINITY, chunks: 0 }]),
  ) as Record<K, { seconds: number; chunks: number }>;
  for (let pass = 0; pass < passes; pass++) {
    for (const name of pass % 2 === 0 ? names : [...names].reverse()) {
      const started = process.hrtime.bigint();
      const chunks = await flows[name]();
      const seconds = msSince(started) / 1000;
      if (seconds < result[name].seconds) result[name] = { seconds, chunks };
    }
  }
  return result;
}
