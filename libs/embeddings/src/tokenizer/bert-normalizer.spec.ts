import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { basicTokenize, forEachBertWord } from './bert-normalizer.js';
import { seededRandom } from '@cairn/testing';

function words(text: string): string[] {
  const out: string[] = [];
  forEachBertWord(text, (word) => out.push(word));
  return out;
}

void describe('forEachBertWord', () => {
  void it('yields exactly the words of basicTokenize on ASCII text, whitespace controls included', () => {
    const alphabet = 'aZq9 \t\n\v\f\r.,;:!?\'"()[]{}<>-_/\\@#$%^&*+=|~`Tokens retrieval ';
    const next = seededRandom(1);
    for (let n = 0; n < 2_000; n++) {
      const length = Math.floor(next() * 40);
      let text = '';
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(next() * alphabet.length)];
      assert.deepEqual(words(text), basicTokenize(text), JSON.stringify(text));
    }
  });

  void it('falls back to the full normalizer for other controls and non-ASCII text', () => {
    for (const text of [
      'Control\x00chars\x07here\x1fand\x7fdel',
      'Café résumé naïve façade Ångström',
      'ÉCOLE — Paris\u00a0nbsp',
      '我爱自然语言处理 and English',
      'Emoji 😀🚀 and ❤️',
      'Straße İstanbul ß',
      'Ｆｕｌｌｗｉｄｔｈ ＡＳＣＩＩ',
      '',
      '   \n\t ',
    ]) {
      assert.deepEqual(words(text), basicTokenize(text), JSON.stringify(text));
    }
  });
});
