/** Text prepared for pattern matching, with the way back to the original's offsets. */
export interface NormalisedText {
  readonly text: string;
  /** `text` with leetspeak read in every word that mixes letters with digits, `@` or `$` (same offsets). */
  readonly leetText: string;
  /** `map[i]` is the offset in the original text of normalised character `i`. */
  readonly map: readonly number[];
  /** Invisible characters removed (zero-width, bidi controls; not the joiner of emoji sequences). */
  readonly invisibleCount: number;
  /** Unicode tag characters were decoded: ASCII hidden from a reader. */
  readonly hadTagCharacters: boolean;
}

/** Zero-width and formatting characters that hide text from a reader but not from a model. */
const INVISIBLE = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFE00-\uFE0F\uFEFF]/u;

/** Letters from other scripts that look like Latin ones (a subset of Unicode's confusables), and typographic quotes. */
const CONFUSABLES: ReadonlyMap<string, string> = ((from: string, to: string) =>
  new Map([...from].map((ch, i) => [ch, to[i]!])))(
  'авеёкмнорстухіїјѕԁԛԝɡɩıοαεικντυρχγηω‘’‚‛“”„‟',
  `abeekmhopctyxiijsdqwgiioaeikvtupxynw''''""""`,
);

/** Digits and symbols that stand for letters in leetspeak, inside words that also have letters. */
const LEET: Readonly<Record<string, string>> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '8': 'b',
  '@': 'a',
  $: 's',
};

/**
 * Normalises text for injection patterns: Unicode tag characters decoded (they smuggle ASCII),
 * invisible characters dropped, compatibility forms folded (NFKD: full-width, mathematical letters,
 * ligatures), accents stripped, look-alike letters mapped to Latin, lower case, whitespace collapsed,
 * letters spelled out with separators (`i g n o r e`, `i.g.n.o.r.e`) joined; and a second reading
 * with leetspeak decoded.
 */
export function normaliseForDetection(input: string): NormalisedText {
  let text = '';
  const map: number[] = [];
  let invisibleCount = 0;
  let hadTagCharacters = false;
  let offset = 0;
  for (const ch of input) {
    const at = offset;
    offset += ch.length;
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xe0020 && cp <= 0xe007e) {
      hadTagCharacters = true;
      text += String.fromCharCode(cp - 0xe0000).toLowerCase();
      map.push(at);
      continue;
    }
    if (INVISIBLE.test(ch) || (cp >= 0xe0000 && cp <= 0xe007f)) {
      if (cp !== 0x200d && (cp < 0xfe00 || cp > 0xfe0f)) invisibleCount++;
      continue;
    }
    for (const part of ch.normalize('NFKD')) {
      if (/\p{M}/u.test(part)) continue;
      const lower = part.toLowerCase();
      const folded = CONFUSABLES.get(lower) ?? lower;
      const spaced = /\s/.test(folded) ? ' ' : folded;
      if (spaced === ' ' && text.endsWith(' ')) continue;
      for (const unit of spaced) {
        text += unit;
        map.push(at);
      }
    }
  }
  const joined = joinSpelledOut(text, map);
  return { ...joined, leetText: readLeet(joined.text), invisibleCount, hadTagCharacters };
}

/**
 * Reads leetspeak in place (one character for one, so offsets hold). Words like `gpt4` or `10mg`
 * change too, which is why patterns run on both the plain and the leet reading.
 */
function readLeet(text: string): string {
  return text.replace(/[a-z0-9@$]+/g, (word) => {
    if (!/[a-z]/.test(word) || !/[0-9@$]/.test(word)) return word;
    return word.replace(/[0-9@$]/g, (c) => LEET[c] ?? c);
  });
}

function joinSpelledOut(text: string, map: readonly number[]): { text: string; map: number[] } {
  const keep: boolean[] = new Array<boolean>(text.length).fill(true);
  for (const m of text.matchAll(/(?<![a-z])(?:[a-z][ .\-_*]){3,}[a-z](?![a-z])/g)) {
    for (let i = m.index; i < m.index + m[0].length; i++) if (!/[a-z]/.test(text[i]!)) keep[i] = false;
  }
  let out = '';
  const outMap: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (!keep[i]) continue;
    out += text[i];
    outMap.push(map[i]!);
  }
  return { text: out, map: outMap };
}
