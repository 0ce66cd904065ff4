const encoder = new TextEncoder();

/**
 * Kafka's murmur2 hash (the Java client's `Utils.murmur2`, seed 0x9747b28c) of the key's UTF-8 bytes,
 * as a signed 32-bit integer.
 */
export function murmur2(key: string | Uint8Array): number {
  const data = typeof key === 'string' ? encoder.encode(key) : key;
  const m = 0x5bd1e995;
  const r = 24;
  const length = data.length;
  let h = (0x9747b28c ^ length) | 0;
  const blocks = length >> 2;
  for (let i = 0; i < blocks; i++) {
    const o = i << 2;
    let k =
      (data[o]! & 0xff) |
      ((data[o + 1]! & 0xff) << 8) |
      ((data[o + 2]! & 0xff) << 16) |
      ((data[o + 3]! & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const tail = blocks << 2;
  const rest = length & 3;
  if (rest === 3) h ^= (data[tail + 2]! & 0xff) << 16;
  if (rest >= 2) h ^= (data[tail + 1]! & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[tail]! & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * Partition of a key among `partitions`: `toPositive(murmur2(key)) % partitions`, the rule of
 * Kafka's default partitioner, so both adapters (and Java producers) route a key to the same partition.
 */
export function partitionFor(key: string | Uint8Array, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1)
    throw new Error(`partition count must be >= 1, got ${partitions}`);
  return (murmur2(key) & 0x7fffffff) % partitions;
}
