import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ParsedDocument } from '../parsing/parsed-document.js';
import { parseMarkdown } from '../parsing/markdown.parser.js';
import type { Chunk } from './chunk.js';
import { chunkDocument } from './chunker.js';
import { wordTokenCounter as count } from './word-token-counter.js';

const SENTENCES = [
  'Cairns guide walkers across open ground.',
  'Each stone is placed with care and patience.',
  'Rain and frost slowly move the smaller stones.',
  'Rangers rebuild the largest cairns every spring.',
  'Some cairns are thousands of years old.',
  'Others were raised by hikers last week.',
];

/** A markdown document of `sections` sections, each with `paragraphs` paragraphs of the sentences above. */
function corpus(sections: number, paragraphs: number): string {
  const parts = ['# Field Notes', ''];
  for (let s = 0; s < sections; s++) {
    parts.push(`## Part ${s}`, '');
    for (let p = 0; p < paragraphs; p++) parts.push(`Paragraph ${s}.${p}. ${SENTENCES.join(' ')}`, '');
  }
  return parts.join('\n');
}

function assertExactSpans(doc: ParsedDocument, chunks: readonly Chunk[]): void {
  chunks.forEach((c, i) => {
    assert.equal(c.index, i);
    assert.equal(doc.text.slice(c.startOffset, c.endOffset), c.text);
    assert.equal(c.tokenCount, count(c.text));
  });
}

describe('chunkDocument', () => {
  const doc = parseMarkdown(corpus(3, 6));
  const chunks = chunkDocument(doc, count, { maxTokens: 64, overlapTokens: 16, minTokens: 4 });

  it('keeps every chunk within maxTokens and maps offsets back to the parsed text exactly', () => {
    assert.ok(chunks.length > 6);
    assertExactSpans(doc, chunks);
    for (const c of chunks) assert.ok(c.tokenCount <= 64, `chunk ${c.index} has ${c.tokenCount} tokens`);
  });

  it('covers all the text of every section', () => {
    for (const s of doc.sections) {
      const inSection = chunks.filter((c) => c.startOffset < s.end && c.endOffset > s.start);
      for (const word of doc.text.slice(s.start, s.end).split(/\s+/)) {
        assert.ok(
          inSection.some((c) => c.text.includes(word)),
          `"${word}" lost`,
        );
      }
    }
  });

  it('overlaps consecutive chunks of a section by tail sentences, never across sections', () => {
    let overlaps = 0;
    for (let i = 1; i < chunks.length; i++) {
      const prev = chunks[i - 1]!;
      const cur = chunks[i]!;
      if (cur.startOffset < prev.endOffset) {
        overlaps++;
        assert.deepEqual(cur.headingPath, prev.headingPath);
        const shared = doc.text.slice(cur.startOffset, prev.endOffset);
        assert.ok(count(shared) <= 16, `overlap of ${count(shared)} tokens`);
        assert.ok(
          SENTENCES.some((s) => shared.startsWith(s)) || /^Paragraph/.test(shared),
          `overlap starts mid-sentence: ${shared}`,
        );
      } else if (cur.headingPath.join() === prev.headingPath.join()) {
        assert.fail(`chunks ${i - 1} and ${i} of one section do not overlap`);
      }
    }
    assert.ok(overlaps > 0);
  });

  it('gives each chunk the heading path of its section', () => {
    const paths = new Set(chunks.map((c) => c.headingPath.join(' > ')));
    assert.deepEqual([...paths], ['Field Notes > Part 0', 'Field Notes > Part 1', 'Field Notes > Part 2']);
    assert.ok(
      chunks[0]!.text.startsWith('Field Notes\n\n## Part 0'.replace('## ', '')),
      'the lone title is merged into the next chunk',
    );
    for (const c of chunks) assert.ok(c.text.includes(`Paragraph ${c.headingPath[1]!.slice(5)}.`));
  });

  it('is deterministic', () => {
    const again = chunkDocument(parseMarkdown(corpus(3, 6)), count, {
      maxTokens: 64,
      overlapTokens: 16,
      minTokens: 4,
    });
    assert.deepEqual(again, chunks);
    assert.ok(chunks.every((c) => /^[0-9a-f]{64}$/.test(c.hash)));
  });

  it('changes only the edited chunk hash after a one-word edit', () => {
    const edited = parseMarkdown(
      corpus(3, 6).replace('Paragraph 1.3. Cairns guide walkers', 'Paragraph 1.3. Cairns guide climbers'),
    );
    const next = chunkDocument(edited, count, { maxTokens: 64, overlapTokens: 16, minTokens: 4 });
    assert.equal(next.length, chunks.length);
    const changed = next.filter((c, i) => c.hash !== chunks[i]!.hash);
    assert.equal(changed.length, 1);
    assert.ok(changed[0]!.text.includes('Cairns guide climbers'));
  });

  it('splits an over-long paragraph by sentences and an over-long sentence by words', () => {
    const long = `# Long\n\n${SENTENCES.join(' ')} ${'word '.repeat(200).trim()}.`;
    const d = parseMarkdown(long);
    const cs = chunkDocument(d, count, { maxTokens: 20, overlapTokens: 0, minTokens: 0 });
    assertExactSpans(d, cs);
    for (const c of cs) assert.ok(c.tokenCount <= 20);
    const sentenceChunks = cs.filter((c) => !c.text.includes('word'));
    assert.ok(sentenceChunks.length >= 2);
    for (const c of sentenceChunks)
      assert.ok(
        c.text.endsWith('.') && /^(Long|[A-Z][a-z]+ [a-z]+)/.test(c.text),
        `cut mid-sentence: ${c.text}`,
      );
    assert.ok(cs.filter((c) => /^(word ?)+\.?$/.test(c.text)).length >= 10);
  });

  it('cuts a single word longer than maxTokens by characters', () => {
    const d = parseMarkdown(`x ${'a-'.repeat(50)}b`);
    const cs = chunkDocument(d, count, { maxTokens: 10, overlapTokens: 0, minTokens: 0 });
    assertExactSpans(d, cs);
    for (const c of cs) assert.ok(c.tokenCount <= 10);
    assert.equal(cs.map((c) => c.text).join(''), d.text.replace(' ', ''));
  });

  it('cuts a very long unbroken word in time proportional to its length', () => {
    const d = parseMarkdown(`${'a-'.repeat(100_000)}b`);
    const cs = chunkDocument(d, count, { maxTokens: 256, overlapTokens: 32 });
    assertExactSpans(d, cs);
    assert.ok(cs.every((c) => c.tokenCount <= 256));
    assert.equal(cs.map((c) => c.text).join(''), d.text);
  });

  it('numbers repeated chunks so their ids stay unique', () => {
    const d = parseMarkdown('# A\n\nSame text here.\n\n# A\n\nSame text here.');
    const cs = chunkDocument(d, count, { maxTokens: 32, overlapTokens: 0, minTokens: 0 });
    assert.equal(cs.length, 2);
    assert.equal(cs[0]!.hash, cs[1]!.hash);
    assert.deepEqual(
      cs.map((c) => c.occurrence),
      [0, 1],
    );
  });

  it('rejects incoherent options', () => {
    assert.throws(() => chunkDocument(doc, count, { maxTokens: 10, overlapTokens: 10 }), RangeError);
    assert.throws(() => chunkDocument(doc, count, { maxTokens: 0 }), RangeError);
  });
});
