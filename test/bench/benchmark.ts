import type { BenchResult } from './bench-report.js';

/** What a benchmark gets from the runner. */
export interface BenchContext {
  /** Tiny sizes: checks the harness end to end in seconds; the figures mean nothing. */
  readonly smoke: boolean;
  /** Directory of the local embedding model (model.onnx, vocab.txt). */
  readonly modelDir: string;
  /** A BEIR `corpus.jsonl` to use instead of the generated corpus, when given. */
  readonly corpusJsonl: string | undefined;
  /** A size set with `--size <name>=<n>`, else `fallback`. */
  size(name: string, fallback: number): number;
  /** A list set with `--size <name>=a,b,c`, else `fallback`. */
  sizes(name: string, fallback: readonly number[]): number[];
  /** Saves what a long benchmark measured so far (e.g. after each size), so a later failure keeps it. */
  checkpoint(name: string, partial: Omit<BenchResult, 'name' | 'title' | 'machine' | 'durationS'>): void;
  /** Bootstrap address of a Kafka broker: the one in CAIRN_KAFKA_BROKERS, or one the runner starts (once). */
  kafkaBrokers(): Promise<string>;
}

/** One benchmark of `npm run bench`: measures its figures and the references they are compared to. */
export interface Benchmark {
  readonly name: string;
  readonly title: string;
  run(ctx: BenchContext): Promise<Omit<BenchResult, 'name' | 'title' | 'machine' | 'durationS'>>;
}
