import { prng } from './corpus.js';

/** Standard normal draws from a seeded PRNG (Box–Muller). */
function gaussian(random: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    const u = Math.max(random(), 1e-12);
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

function unitVector(normal: () => number, dimension: number): Float32Array {
  const v = new Float32Array(dimension);
  let sum = 0;
  for (let i = 0; i < dimension; i++) {
    v[i] = normal();
    sum += v[i]! * v[i]!;
  }
  const norm = Math.sqrt(sum);
  for (let i = 0; i < dimension; i++) v[i]! /= norm;
  return v;
}

/**
 * A generator of embedding-like vectors: normalised points of a Gaussian mixture with a shared mean
 * direction (sentence embeddings are anisotropic), topic clusters of Zipf-skewed popularity, and per-point
 * noise. Neighbours are then meaningful and unevenly dense, unlike uniform random vectors.
 */
export class ClusteredVectors {
  private readonly centroids: Float32Array[];
  private readonly mean: Float32Array;
  private readonly normal: () => number;
  private readonly random: () => number;

  constructor(
    readonly dimension: number,
    clusters: number,
    seed = 1,
  ) {
    this.random = prng(seed);
    this.normal = gaussian(this.random);
    this.mean = unitVector(this.normal, dimension);
    this.centroids = Array.from({ length: clusters }, () => unitVector(this.normal, dimension));
  }

  /** Writes `count` normalised vectors into `out` (row-major) from row `offset`. */
  fill(out: Float32Array, offset: number, count: number): void {
    const d = this.dimension;
    const noiseScale = 0.9 / Math.sqrt(d);
    for (let row = offset; row < offset + count; row++) {
      const r = this.random();
      const centroid = this.centroids[Math.floor(r * r * this.centroids.length)]!;
      let sum = 0;
      const base = row * d;
      for (let i = 0; i < d; i++) {
        const value = 0.35 * this.mean[i]! + 0.6 * centroid[i]! + noiseScale * this.normal();
        out[base + i] = value;
        sum += value * value;
      }
      const norm = Math.sqrt(sum);
      for (let i = 0; i < d; i++) out[base + i]! /= norm;
    }
  }
}
