/** English text analysis for the extractive model: terms for lexical scoring, and sentences to quote. */

const STOPWORDS = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between ' +
    'both but by can could did do does doing down during each few for from further had has have having he her ' +
    'here hers him his how i if in into is it its itself just me more most my no nor not now of off on once only ' +
    'or other our ours out over own same she should so some such than that the their theirs them then there ' +
    'these they this those through to too under until up very was we were what when where which while who whom ' +
    'why will with would you your yours tell please know give find show explain describe'
  ).split(' '),
);

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

/** Folds a few English inflections together (plural, -ing, -ed) so "flights" meets "flight". */
export function stem(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  for (const suffix of ['ing', 'ed', 'es', 's']) {
    if (!word.endsWith(suffix) || word.length - suffix.length < 3) continue;
    if (suffix === 's' && (word.endsWith('ss') || word.endsWith('us') || word.endsWith('is'))) return word;
    if (suffix === 'es' && !/(?:ch|sh|x|z|ss)es$/.test(word)) continue;
    return word.slice(0, -suffix.length);
  }
  return word;
}

/** The content terms of a text: lower-cased, possessives dropped, stop words removed, stemmed. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const [raw] of text.toLowerCase().matchAll(WORD)) {
    const word = raw.replace(/['’]s$/, '');
    if (!STOPWORDS.has(word)) out.push(stem(word));
  }
  return out;
}

/** Words that end with a period without ending a sentence. */
const ABBREVIATIONS = new Set(
  'e.g i.e etc vs cf al fig figs eq no nos vol approx dr mr mrs ms prof st jr sr inc ltd co corp jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k'.split(
    ' ',
  ),
);

/**
 * Splits text into sentences: at `.`, `!`, `?` (with closing quotes or brackets) followed by space and
 * a capital, digit or opening quote, and at line breaks; not after abbreviations, initials or inside
 * decimals. Returns trimmed sentences with their start offsets.
 */
export function splitSentences(text: string): { readonly text: string; readonly start: number }[] {
  const out: { text: string; start: number }[] = [];
  let start = 0;
  const push = (end: number): void => {
    const slice = text.slice(start, end);
    const trimmed = slice.trim();
    if (trimmed !== '') out.push({ text: trimmed, start: start + slice.indexOf(trimmed) });
    start = end;
  };
  const boundary =
    /([.!?]+)(["'”’)\]]*)(\s+)(?=["'“‘(\[]?[\p{Lu}\p{N}])|\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)/gu;
  for (const match of text.matchAll(boundary)) {
    const end = match.index + match[0].length;
    if (match[1] === '.') {
      const before = text.slice(start, match.index);
      const lastWord = /([\p{L}.]+)$/u.exec(before)?.[1]?.toLowerCase() ?? '';
      if (ABBREVIATIONS.has(lastWord) || /^\p{L}$/u.test(lastWord)) continue;
    }
    push(end);
  }
  push(text.length);
  return out;
}
