import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chunkHash, normalizeForHash } from './chunk-hash.js';

/** The definition: every whitespace run becomes one space, trimmed, NFC. */
function reference(text: string): string {
  return text.replace(/\s+/g, ' ').trim().normalize('NFC');
}

void describe('normalizeForHash', () => {
  void it('collapses whitespace runs, trims and composes exactly as its definition, fast path or not', () => {
    const pieces = [
      'a',
      'Stone',
      ' ',
      '  ',
      '\n',
      '\t',
      '\r\n',
      '\v\f',
      '\u00a0',
      '\u1680',
      '\u2003',
      '\u200b',
      '\u2028',
      '\u3000',
      '\ufeff',
      '\u0085',
      'e\u0301',
      'é',
      '.',
      '',
    ];
    let seed = 17;
    const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 3_000; n++) {
      let text = '';
      for (let i = Math.floor(next() * 12); i > 0; i--) text += pieces[Math.floor(next() * pieces.length)];
      assert.equal(normalizeForHash(text), reference(text), JSON.stringify(text));
    }
  });

  void it('gives layout-only variants of a chunk the same hash', () => {
    assert.equal(chunkHash('Cairns  guide\nwalkers. ', ['A']), chunkHash('Cairns guide walkers.', ['A']));
    assert.notEqual(chunkHash('Cairns guide walkers.', ['A']), chunkHash('Cairns guide walkers.', ['B']));
  });
});
