import { IBAN_LENGTHS, ibanChecksumValid, luhnValid } from './checksums.js';
import type { PiiFinding } from './pii-types.js';

/** 13–19 digits, in one run or groups split by single spaces or dashes. */
const CARD_CANDIDATE = /(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w]|-\d)/g;

interface Issuer {
  readonly name: string;
  readonly prefix: (digits: string) => boolean;
  readonly lengths: readonly number[];
}

const between = (digits: string, width: number, low: number, high: number): boolean => {
  const value = Number(digits.slice(0, width));
  return value >= low && value <= high;
};

/** Issuer prefixes (IIN ranges) and card lengths of the major networks. */
const ISSUERS: readonly Issuer[] = [
  { name: 'Visa', prefix: (d) => d.startsWith('4'), lengths: [13, 16, 19] },
  {
    name: 'Mastercard',
    prefix: (d) => between(d, 2, 51, 55) || between(d, 4, 2221, 2720),
    lengths: [16],
  },
  { name: 'American Express', prefix: (d) => /^3[47]/.test(d), lengths: [15] },
  {
    name: 'Discover',
    prefix: (d) => d.startsWith('6011') || d.startsWith('65') || between(d, 3, 644, 649),
    lengths: [16, 17, 18, 19],
  },
  { name: 'JCB', prefix: (d) => between(d, 4, 3528, 3589), lengths: [16, 17, 18, 19] },
  { name: 'Diners Club', prefix: (d) => /^(?:30[0-5]|3[689])/.test(d), lengths: [14, 15, 16, 17, 18, 19] },
  { name: 'UnionPay', prefix: (d) => d.startsWith('62'), lengths: [16, 17, 18, 19] },
  {
    name: 'Maestro',
    prefix: (d) => /^(?:5018|5020|5038|5893|6304|6759|676[1-3])/.test(d),
    lengths: [12, 13, 14, 15, 16, 17, 18, 19],
  },
];

/** Printed groupings: fours (the last group shorter), or 4-6-5 / 4-6-4 (American Express, Diners). */
function groupedLikeACard(candidate: string): boolean {
  const groups = candidate.split(/[ -]/);
  if (groups.length === 1) return true;
  const sizes = groups.map((g) => g.length).join('-');
  if (sizes === '4-6-5' || sizes === '4-6-4') return true;
  return groups.slice(0, -1).every((g) => g.length === 4) && groups.at(-1)!.length <= 4;
}

/**
 * Payment card numbers: a known issuer prefix and length, a valid Luhn checksum, printed grouping.
 * A random digit run passes Luhn one time in ten; with the prefix and grouping rules, order numbers,
 * ISBNs and timestamps are rarely taken for cards.
 */
export function findCardNumbers(text: string): PiiFinding[] {
  const out: PiiFinding[] = [];
  for (const m of text.matchAll(CARD_CANDIDATE)) {
    const separators = new Set(m[0].replace(/\d/g, ''));
    if (separators.size > 1) continue;
    const digits = m[0].replace(/\D/g, '');
    if (digits.length < 13 || digits.length > 19 || !luhnValid(digits)) continue;
    const issuer = ISSUERS.find((i) => i.prefix(digits) && i.lengths.includes(digits.length));
    if (!issuer || !groupedLikeACard(m[0])) continue;
    out.push({
      type: 'card_number',
      start: m.index,
      end: m.index + m[0].length,
      detail: `${issuer.name} card number`,
    });
  }
  return out;
}

const IBAN_START = /(?<![A-Za-z0-9])([A-Z]{2})(\d{2})(?=[ ]?[A-Z0-9])/g;

/**
 * IBANs: a country code with its registered length and a valid mod-97 checksum, written in one run or
 * in groups of four separated by single spaces.
 */
export function findIbans(text: string): PiiFinding[] {
  const out: PiiFinding[] = [];
  for (const m of text.matchAll(IBAN_START)) {
    const length = IBAN_LENGTHS.get(m[1]!);
    if (length === undefined) continue;
    let compact = '';
    let end = m.index;
    while (end < text.length && compact.length < length) {
      const ch = text[end]!;
      if (/[A-Z0-9]/.test(ch)) compact += ch;
      else if (!(ch === ' ' && compact.length % 4 === 0 && /[A-Z0-9]/.test(text[end + 1] ?? ''))) break;
      end++;
    }
    if (compact.length !== length || /[A-Za-z0-9]/.test(text[end] ?? '')) continue;
    if (!ibanChecksumValid(compact)) continue;
    out.push({ type: 'iban', start: m.index, end, detail: `IBAN (${m[1]})` });
  }
  return out;
}
