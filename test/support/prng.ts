import { randomInt } from 'node:crypto';

/** A seeded pseudo-random generator (sfc32): the same seed gives the same sequence, so a failure replays. */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  constructor(readonly seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = seed >>> 0;
    for (let i = 0; i < 16; i++) this.next();
  }

  /** A float in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Prng.pick: no items');
    return items[this.int(0, items.length - 1)]!;
  }

  /** `count` distinct items (fewer when there are fewer). */
  sample<T>(items: readonly T[], count: number): T[] {
    const pool = [...items];
    const out: T[] = [];
    while (out.length < count && pool.length > 0) out.push(pool.splice(this.int(0, pool.length - 1), 1)[0]!);
    return out;
  }

  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = this.int(0, 255);
    return out;
  }
}

/**
 * The seed of a property or fuzz test: `CAIRN_PROPERTY_SEED` when set (to replay a failure), else a
 * fresh one. Printed either way, so every run can be replayed.
 */
export function propertySeed(what: string): Prng {
  // eslint-disable-next-line no-restricted-properties -- tests read the environment the test runner set.
  const fixed = process.env['CAIRN_PROPERTY_SEED'];
  const seed = fixed !== undefined && fixed !== '' ? Number(fixed) : randomInt(0, 2 ** 31);
  if (!Number.isInteger(seed)) throw new Error(`CAIRN_PROPERTY_SEED must be an integer, got '${fixed}'`);
  console.log(`# ${what}: seed ${seed} (replay with CAIRN_PROPERTY_SEED=${seed})`);
  return new Prng(seed);
}
