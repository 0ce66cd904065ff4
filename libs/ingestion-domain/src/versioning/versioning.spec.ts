import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Chunk } from '../chunking/chunk.js';
import { chunkDocument } from '../chunking/chunker.js';
import { wordTokenCounter } from '../chunking/word-token-counter.js';
import { parseMarkdown } from '../parsing/markdown.parser.js';
import { contentHash } from './content-hash.js';
import { diffChunks } from './diff-chunks.js';
import { chunkId, documentId } from './ids.js';

const paragraph = (n: number): string =>
  `Paragraph ${n} talks about stones, paths and the weather on the hill. It has two sentences.`;
const doc = (paras: string[]): string => `# Notes\n\n${paras.join('\n\n')}`;
const chunk = (md: string) =>
  chunkDocument(parseMarkdown(md), wordTokenCounter, { maxTokens: 24, overlapTokens: 0, minTokens: 0 });

describe('documentId / chunkId', () => {
  it('is deterministic, url-safe and distinguishes its parts', () => {
    const id = documentId('t1', 'default', 'a/b.md');
    assert.equal(id, documentId('t1', 'default', 'a/b.md'));
    assert.match(id, /^doc_[A-Za-z0-9_-]{32}$/);
    assert.notEqual(id, documentId('t1', 'defaulta', '/b.md'));
    assert.notEqual(id, documentId('t2', 'default', 'a/b.md'));
    assert.match(chunkId(id, 'ab'), /^chk_[A-Za-z0-9_-]{32}$/);
    assert.notEqual(chunkId(id, 'ab', 0), chunkId(id, 'ab', 1));
    assert.equal(chunkId(id, 'ab'), chunkId(id, 'ab', 0));
  });
});

describe('contentHash', () => {
  it('ignores metadata key order but not values, text or title', () => {
    const base = contentHash({ text: 'x', title: 't', metadata: { a: 1, b: { c: [1, 2] } } });
    assert.equal(base, contentHash({ text: 'x', title: 't', metadata: { b: { c: [1, 2] }, a: 1 } }));
    assert.notEqual(base, contentHash({ text: 'x', title: 't', metadata: { a: 2, b: { c: [1, 2] } } }));
    assert.notEqual(base, contentHash({ text: 'y', title: 't', metadata: { a: 1, b: { c: [1, 2] } } }));
    assert.notEqual(base, contentHash({ text: 'x', metadata: { a: 1, b: { c: [1, 2] } } }));
  });
});

describe('diffChunks', () => {
  const v1 = chunk(doc([1, 2, 3, 4].map(paragraph)));

  it('embeds nothing for an unchanged document', () => {
    const d = diffChunks(
      v1.map((c) => c.hash),
      chunk(doc([1, 2, 3, 4].map(paragraph))),
    );
    assert.deepEqual(d.toEmbed, []);
    assert.deepEqual(d.removedHashes, []);
    assert.equal(d.retained.length, v1.length);
  });

  it('re-embeds only the chunk with a one-word edit and removes its old version', () => {
    const paras = [1, 2, 3, 4].map(paragraph);
    paras[2] = paras[2]!.replace('weather', 'wind');
    const v2 = chunk(doc(paras));
    const d = diffChunks(
      v1.map((c) => c.hash),
      v2,
    );
    assert.equal(d.toEmbed.length, 1);
    assert.ok(d.toEmbed[0]!.text.includes('the wind on the hill'));
    assert.equal(d.retained.length, v2.length - 1);
    const old = v1.find((c) => c.text.startsWith('Paragraph 3'))!;
    assert.deepEqual(d.removedHashes, [old.hash]);
  });

  it('removes the chunks of a deleted paragraph and embeds an added one', () => {
    const v2 = chunk(doc([1, 3, 4, 5].map(paragraph)));
    const d = diffChunks(
      v1.map((c) => c.hash),
      v2,
    );
    assert.deepEqual(
      d.toEmbed.map((c) => c.text.split(' ').slice(0, 2).join(' ')),
      ['Paragraph 5'],
    );
    assert.deepEqual(d.removedHashes, [v1.find((c) => c.text.startsWith('Paragraph 2'))!.hash]);
  });

  it('treats repeated hashes as a multiset', () => {
    const fake = (hash: string, occurrence: number, index: number): Chunk => ({
      index,
      text: hash,
      startOffset: 0,
      endOffset: 1,
      headingPath: [],
      tokenCount: 1,
      hash,
      occurrence,
    });
    const d = diffChunks(['h1', 'h2'], [fake('h1', 0, 0), fake('h1', 1, 1), fake('h2', 0, 2)]);
    assert.deepEqual(
      d.toEmbed.map((c) => [c.hash, c.occurrence]),
      [['h1', 1]],
    );
    assert.equal(d.retained.length, 2);
    const gone = diffChunks(['h1', 'h1', 'h2', 'h1'], [fake('h1', 0, 0)]);
    assert.deepEqual(gone.removedHashes, ['h1', 'h2', 'h1']);
    assert.deepEqual(gone.removed, [
      { hash: 'h1', occurrence: 1 },
      { hash: 'h2', occurrence: 0 },
      { hash: 'h1', occurrence: 2 },
    ]);
  });
});
