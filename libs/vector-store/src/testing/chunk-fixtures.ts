import type { ChunkPoint } from '../vector-store.port.js';
import { SparseEncoder } from '../sparse-encoder.js';

/** Dimension of the contract suite's vectors. */
export const FIXTURE_DIMENSION = 8;

const encoder = new SparseEncoder();

/** Unit basis vector e_i plus optional extra components. */
export function basis(i: number, extra: Record<number, number> = {}): number[] {
  const v = new Array<number>(FIXTURE_DIMENSION).fill(0);
  v[i] = 1;
  for (const [k, x] of Object.entries(extra)) v[Number(k)] = x;
  return v;
}

/** A chunk point with sensible defaults; the sparse vector is encoded from `text`. */
export function chunk(
  overrides: Partial<ChunkPoint> & { id: string; tenant: string; dense: number[] | Float32Array },
): ChunkPoint {
  const text = overrides.text ?? `chunk ${overrides.id}`;
  return {
    collection: 'docs',
    documentId: `doc-${overrides.id}`,
    documentVersion: 1,
    chunkHash: `hash-${overrides.id}`,
    title: `Title ${overrides.id}`,
    sourceUri: `file:///${overrides.id}.md`,
    headingPath: ['Intro', overrides.id],
    startOffset: 0,
    endOffset: text.length,
    metadata: {},
    sparse: encoder.encodeDocument(text),
    ...overrides,
    text,
  };
}

/** Sparse query vector for `text`. */
export function query(text: string): ReturnType<SparseEncoder['encodeQuery']> {
  return encoder.encodeQuery(text);
}
