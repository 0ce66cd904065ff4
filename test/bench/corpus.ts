import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** A document of a benchmark corpus. */
export interface BenchDocument {
  readonly externalId: string;
  readonly title: string;
  readonly mimeType: 'text/markdown' | 'text/plain';
  readonly text: string;
}

/** A small deterministic PRNG (mulberry32), so every run generates the same corpus. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Technical prose vocabulary; drawn with a Zipf-like skew so frequent words repeat as in real text.
const WORDS = `the of and to in a is that for it as with be on by this are from or an which at can not
we data system service event each when our model query index vector document chunk search time all its
one more has than other into these only also used two may new first any will should between through
process request response latency throughput cluster node partition broker consumer producer offset topic
commit transaction schema version field record table column row storage disk memory cache buffer page
network packet socket client server protocol message queue stream batch window state snapshot replica
leader follower election quorum consensus log segment compaction retention tenant collection metadata
filter payload score rank recall precision embedding token vocabulary sentence paragraph heading section
parser format markdown html json text source citation context budget retrieval ranking fusion keyword
dense sparse hybrid neighbour graph layer distance cosine product normalise cluster centroid sample
measure benchmark profile error failure retry timeout backoff deadline limit quota rate burst pressure
upstream downstream pipeline stage worker thread core lock contention scheduler runtime allocation heap
garbage collector pause object array string integer float boolean pointer reference value key hash
checksum digest signature certificate key rotation secret policy role permission audit trail chain
deployment container image volume config environment variable flag option default override release
upgrade migration rollback canary traffic shard region zone availability durability consistency
isolation ordering idempotent exactly once delivery acknowledgement duplicate poison dead letter`
  .split(/\s+/)
  .filter(Boolean);

const HEADINGS = [
  'Overview',
  'Design',
  'Configuration',
  'Operations',
  'Failure modes',
  'Performance',
  'Data model',
  'Security',
  'Examples',
  'Limits',
];

function word(random: () => number): string {
  // Zipf-ish: squaring a uniform draw favours the front of the list.
  const r = random();
  return WORDS[Math.floor(r * r * WORDS.length)]!;
}

function sentence(random: () => number, docIndex: number): string {
  const length = 8 + Math.floor(random() * 18);
  const words: string[] = [];
  for (let i = 0; i < length; i++) words.push(word(random));
  // A document-specific token now and then keeps texts (and their hashes) unique across documents.
  if (random() < 0.3) words.splice(Math.floor(random() * words.length), 0, `item${docIndex}`);
  if (random() < 0.15) words.push(String(Math.floor(random() * 10_000)));
  const text = words.join(' ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

function paragraph(random: () => number, docIndex: number): string {
  const count = 2 + Math.floor(random() * 6);
  const sentences: string[] = [];
  for (let i = 0; i < count; i++) sentences.push(sentence(random, docIndex));
  return sentences.join(' ');
}

/**
 * Document `index` of the generated corpus: Markdown (two documents in three) with headings, paragraphs,
 * lists and code spans, or plain text, of about `targetBytes` bytes. Same index, same seed → same text.
 */
export function generateDocument(index: number, targetBytes: number, seed = 42): BenchDocument {
  const random = prng(seed * 1_000_003 + index);
  const markdown = index % 3 !== 2;
  const title = `${HEADINGS[index % HEADINGS.length]} of the ${word(random)} ${word(random)} ${index}`;
  const parts: string[] = markdown ? [`# ${title}`] : [title];
  let size = title.length;
  let section = 0;
  while (size < targetBytes) {
    let block: string;
    if (markdown && random() < 0.18) {
      block = `## ${HEADINGS[(index + section++) % HEADINGS.length]} ${section}`;
    } else if (markdown && random() < 0.12) {
      const items = 2 + Math.floor(random() * 4);
      const lines: string[] = [];
      for (let i = 0; i < items; i++) lines.push(`- \`${word(random)}\` ${sentence(random, index)}`);
      block = lines.join('\n');
    } else {
      block = paragraph(random, index);
    }
    parts.push(block);
    size += block.length + 2;
  }
  return {
    externalId: `doc-${index}`,
    title,
    mimeType: markdown ? 'text/markdown' : 'text/plain',
    text: parts.join('\n\n'),
  };
}

/** Generates `count` documents of about `avgBytes` each (sizes vary ±50 %). */
export function* generateCorpus(count: number, avgBytes: number, seed = 42): Generator<BenchDocument> {
  const sizes = prng(seed);
  for (let i = 0; i < count; i++) {
    yield generateDocument(i, Math.max(200, Math.round(avgBytes * (0.5 + sizes()))), seed);
  }
}

/** Documents of a BEIR `corpus.jsonl` (title + text), as plain text; the first `limit` of them. */
export async function readJsonlCorpus(path: string, limit: number): Promise<BenchDocument[]> {
  if (!existsSync(path)) throw new Error(`no corpus at ${path}`);
  const docs: BenchDocument[] = [];
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const row = JSON.parse(line) as { _id: string; title?: string; text: string };
    docs.push({
      externalId: row._id,
      title: row.title ?? '',
      mimeType: 'text/plain',
      text: row.title ? `${row.title}\n\n${row.text}` : row.text,
    });
    if (docs.length >= limit) {
      lines.close();
      break;
    }
  }
  return docs;
}
