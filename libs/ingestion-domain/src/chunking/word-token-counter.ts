import type { TokenCounter } from './chunk.js';

/**
 * An approximate token counter: one token per run of letters/digits and one per other non-space character.
 * For tests and as a stand-in; production injects the embedding model's tokenizer.
 */
export const wordTokenCounter: TokenCounter = (text) => {
  let count = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32) {
      inWord = false;
    } else if (
      (c >= 48 && c <= 57) ||
      (c >= 65 && c <= 90) ||
      (c >= 97 && c <= 122) ||
      c === 95 ||
      c >= 128
    ) {
      if (!inWord) count++;
      inWord = true;
    } else {
      count++;
      inWord = false;
    }
  }
  return count;
};
