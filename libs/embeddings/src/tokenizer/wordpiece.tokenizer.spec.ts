import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { modelTestGate } from '../testing/model-dir.js';
import { WordPieceTokenizer } from './wordpiece.tokenizer.js';

interface TokenizerFixture {
  readonly reference: string;
  readonly cases: readonly { readonly text: string; readonly ids: readonly number[] }[];
  readonly truncated: { readonly text: string; readonly maxLen: number; readonly ids: readonly number[] };
}

// Produced by the reference tokenizer from the same vocab.txt; lives in src/ (not copied to dist/).
const fixture = JSON.parse(
  readFileSync(new URL('../../src/tokenizer/wordpiece.fixture.json', import.meta.url), 'utf8'),
) as TokenizerFixture;

const gate = modelTestGate();

describe('WordPieceTokenizer against the reference tokenizer', { skip: gate.skip }, () => {
  let tok: WordPieceTokenizer;
  before(() => {
    if (gate.missingError) throw gate.missingError;
    tok = WordPieceTokenizer.fromVocabFile(join(gate.modelDir, 'vocab.txt'));
  });

  it('has the fixture cases', () => assert.ok(fixture.cases.length >= 30));

  for (const c of fixture.cases) {
    it(`encodes ${JSON.stringify(c.text.slice(0, 40))} like the reference`, () => {
      const encoded = tok.encode(c.text, 512);
      assert.deepEqual(encoded.inputIds, c.ids);
      assert.equal(tok.countTokens(c.text), c.ids.length - 2);
      assert.deepEqual(
        encoded.attentionMask,
        c.ids.map(() => 1),
      );
      assert.deepEqual(
        encoded.tokenTypeIds,
        c.ids.map(() => 0),
      );
    });
  }

  it('truncates to maxLen keeping [CLS] and [SEP]', () => {
    const { text, maxLen, ids } = fixture.truncated;
    const encoded = tok.encode(text, maxLen);
    assert.equal(encoded.inputIds.length, maxLen);
    assert.deepEqual(encoded.inputIds, ids);
    assert.equal(encoded.inputIds.at(-1), tok.sepId);
  });

  it('pads a batch to its longest text with [PAD] and mask 0', () => {
    const batch = tok.encodeBatch(['Hello, world!', 'a much longer sentence than the first one'], 256);
    const first = tok.encode('Hello, world!');
    const second = tok.encode('a much longer sentence than the first one');
    assert.equal(batch.batchSize, 2);
    assert.equal(batch.seqLen, second.inputIds.length);
    const row0 = Array.from(batch.inputIds.slice(0, batch.seqLen), Number);
    const mask0 = Array.from(batch.attentionMask.slice(0, batch.seqLen), Number);
    const pad = batch.seqLen - first.inputIds.length;
    assert.deepEqual(row0, [...first.inputIds, ...Array<number>(pad).fill(tok.padId)]);
    assert.deepEqual(mask0, [...first.attentionMask, ...Array<number>(pad).fill(0)]);
    assert.deepEqual(Array.from(batch.inputIds.slice(batch.seqLen), Number), second.inputIds);
    assert.ok(batch.tokenTypeIds.every((v) => v === 0n));
  });
});

describe('WordPieceTokenizer on a toy vocabulary', () => {
  const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'un', '##aff', '##able', 'runn', '##ing', ',', 'a'].join(
    '\n',
  );
  const tok = WordPieceTokenizer.fromVocabText(`${vocab}\n`);

  it('matches greedily, longest first, with ## continuations', () => {
    assert.deepEqual(tok.tokenize('unaffable running'), [4, 5, 6, 7, 8]);
  });

  it('maps a word with an unmatchable piece to a single [UNK]', () => {
    assert.deepEqual(tok.tokenize('unaffablex, a'), [1, 9, 10]);
  });

  it('maps a word longer than maxInputCharsPerWord to [UNK]', () => {
    assert.deepEqual(tok.tokenize('a'.repeat(101)), [1]);
    const strict = WordPieceTokenizer.fromVocabText(vocab, { maxInputCharsPerWord: 3 });
    assert.deepEqual(strict.tokenize('running'), [1]);
  });

  it('matches pieces by code point, astral ones included, and counts what it tokenizes', () => {
    const astral = WordPieceTokenizer.fromVocabText(`${vocab}\n\u{1d41b}\n##\u{1d428}\n##x\n`);
    // 𝐛𝐨x: an astral first piece, an astral continuation, a BMP continuation.
    assert.deepEqual(astral.tokenize('\u{1d41b}\u{1d428}x'), [11, 12, 13]);
    assert.equal(astral.countTokens('\u{1d41b}\u{1d428}x unaffable'), 6);
    assert.equal(tok.countTokens('unaffable,\trunning\na'), tok.tokenize('unaffable,\trunning\na').length);
  });

  it('rejects a vocabulary without special tokens', () => {
    assert.throws(() => WordPieceTokenizer.fromVocabText('a\nb\n'), /no \[CLS\] token/);
  });
});
