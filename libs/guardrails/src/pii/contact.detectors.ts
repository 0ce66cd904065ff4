import { isIPv6 } from 'node:net';
import type { PiiFinding } from './pii-types.js';

const EMAIL =
  /(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])/g;

/** Email addresses with a dotted domain and an alphabetic top-level domain. */
export function findEmails(text: string): PiiFinding[] {
  return [...text.matchAll(EMAIL)].map((m) => ({
    type: 'email',
    start: m.index,
    end: m.index + m[0].length,
    detail: 'email address',
  }));
}

const PHONE_CANDIDATE = /(?<![\w+.-])(?:\+|00)?\(?\d[\d ().-]{5,22}\d(?![\w-]|\.\d)/g;
/** Numbers that a word before them says are not phone numbers. */
const NOT_A_PHONE_CONTEXT =
  /\b(?:isbn(?:-1[03])?|issn|order|invoice|ticket|ref(?:erence)?|id|no|doi|version|ver|v|build|serial|tracking|account|acct|pmid|#)[\s:.#-]*$/i;

/**
 * Phone numbers: international (`+` or `00`, then 8–15 digits in groups) or national with separators
 * and a recognisable shape (a trunk `0`, an area code in parentheses, or NANP `3-3-4`). Dates,
 * version strings, ISBNs and space-grouped thousands do not have those shapes.
 */
export function findPhones(text: string): PiiFinding[] {
  const out: PiiFinding[] = [];
  for (const m of text.matchAll(PHONE_CANDIDATE)) {
    const raw = m[0].replace(/[\s(.-]+$/, '');
    if (NOT_A_PHONE_CONTEXT.test(text.slice(Math.max(0, m.index - 24), m.index))) continue;
    if (isPhoneShaped(raw))
      out.push({ type: 'phone', start: m.index, end: m.index + raw.length, detail: 'phone number' });
  }
  return out;
}

function isPhoneShaped(raw: string): boolean {
  if (/[ .()-]{2,}/.test(raw.replace(/\) /g, ')').replace(/ \(/g, '('))) return false;
  if ((raw.match(/\(/g) ?? []).length !== (raw.match(/\)/g) ?? []).length) return false;
  const international = raw.startsWith('+') || raw.startsWith('00');
  const digits = raw.replace(/\D/g, '');
  if (international) {
    const national = raw.startsWith('00') ? digits.slice(2) : digits;
    return national.length >= 8 && national.length <= 15 && !national.startsWith('0');
  }
  if (digits.length < 9 || digits.length > 12) return false;
  const groups = raw.split(/[ .()-]+/).filter((g) => g !== '');
  if (groups.length < 2) return false;
  if (groups[0]!.length < 2 || groups.at(-1)!.length < 2) return false;
  const separators = new Set(raw.replace(/[\d]/g, ''));
  const thousands = groups.slice(1).every((g) => g.length === 3) && !separators.has('(');
  if (thousands) return false;
  if (raw.includes('(')) return /^\(\d{2,5}\)/.test(raw);
  return raw.startsWith('0') || /^\d{3}([ .-])\d{3}\1\d{4}$/.test(raw);
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(
  `(?<![\\d.]|\\d\\.)${OCTET}(?:\\.${OCTET}){3}(?:/(?:3[0-2]|[12]?\\d))?(?!\\d|\\.\\d)`,
  'g',
);
const IPV6_CANDIDATE =
  /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{0,4}|\d{1,3}(?:\.\d{1,3}){3})(?![\w:])/g;
/** Dotted numbers that are versions or enzyme (EC) numbers, not addresses. */
const VERSION_CONTEXT = /(?:\bv|\bversion|\bver\.?|\brelease|\bbuild|\bEC)\s*$/i;

/** IPv4 (with an optional CIDR suffix, not after "version") and IPv6 addresses (validated by the platform's parser). */
export function findIpAddresses(text: string): PiiFinding[] {
  const out: PiiFinding[] = [];
  for (const m of text.matchAll(IPV4)) {
    if (VERSION_CONTEXT.test(text.slice(Math.max(0, m.index - 10), m.index))) continue;
    out.push({ type: 'ip_address', start: m.index, end: m.index + m[0].length, detail: 'IPv4 address' });
  }
  for (const m of text.matchAll(IPV6_CANDIDATE)) {
    const hexDigits = m[0].replace(/[^0-9A-Fa-f]/g, '').length;
    if (hexDigits < 2 || !isIPv6(m[0])) continue;
    out.push({ type: 'ip_address', start: m.index, end: m.index + m[0].length, detail: 'IPv6 address' });
  }
  return out;
}
