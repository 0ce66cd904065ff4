import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Judgements } from './ir-metrics.js';

/** A BEIR-layout collection: corpus.jsonl, queries.jsonl, qrels.tsv. */
export interface IrCollection {
  readonly name: string;
  readonly dir: string;
  readonly queries: ReadonlyMap<string, string>;
  readonly qrels: ReadonlyMap<string, Judgements>;
}

export interface CorpusDocument {
  readonly _id: string;
  readonly title?: string;
  readonly text: string;
}

/** Loads the queries that have judgements (qrels.tsv in `dir`, or `<dir>/<split>/qrels.tsv`). */
export function loadCollection(dir: string, split?: string): IrCollection {
  const root = resolve(dir);
  const base = split ? join(root, split) : root;
  for (const file of [join(root, 'corpus.jsonl'), join(base, 'queries.jsonl'), join(base, 'qrels.tsv')]) {
    if (!existsSync(file))
      throw new Error(`${file} is missing: a collection needs corpus.jsonl, queries.jsonl and qrels.tsv`);
  }
  const qrels = new Map<string, Map<string, number>>();
  for (const [index, line] of readFileSync(join(base, 'qrels.tsv'), 'utf8').split('\n').entries()) {
    const [query, doc, score] = line.trim().split('\t');
    if (!query || !doc || (index === 0 && query === 'query-id')) continue;
    const grade = Number(score);
    if (!qrels.has(query)) qrels.set(query, new Map());
    qrels.get(query)!.set(doc, Number.isFinite(grade) ? grade : 1);
  }
  const queries = new Map<string, string>();
  for (const line of readFileSync(join(base, 'queries.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const query = JSON.parse(line) as { _id: string; text: string };
    if (qrels.has(query._id)) queries.set(query._id, query.text);
  }
  return { name: basename(root), dir: root, queries, qrels };
}

/** Streams the corpus, one document at a time (it may not fit in memory). */
export async function* readCorpus(dir: string): AsyncGenerator<CorpusDocument> {
  const lines = createInterface({
    input: createReadStream(join(resolve(dir), 'corpus.jsonl'), 'utf8'),
    crlfDelay: Infinity,
  });
  for await (const line of lines) {
    if (line.trim()) yield JSON.parse(line) as CorpusDocument;
  }
}
