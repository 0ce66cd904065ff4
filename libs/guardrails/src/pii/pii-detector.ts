import { findEmails, findIpAddresses, findPhones } from './contact.detectors.js';
import { findCardNumbers, findIbans } from './financial.detectors.js';
import { PII_TYPES, placeholderFor, type PiiFinding, type PiiType } from './pii-types.js';
import { findHighEntropyTokens, findKnownSecrets } from './secret.detectors.js';

/** Detectors from most to least specific: where two findings overlap, the earlier detector's wins. */
const DETECTORS: readonly ((text: string) => PiiFinding[])[] = [
  findKnownSecrets,
  findCardNumbers,
  findIbans,
  findEmails,
  findIpAddresses,
  findPhones,
  findHighEntropyTokens,
];

/** Options of {@link detectPii}. */
export interface DetectPiiOptions {
  /** Types to report (default: all). */
  readonly types?: readonly PiiType[];
}

/**
 * Finds personal data and secrets in a text: emails, phone numbers, card numbers (Luhn), IBANs
 * (mod 97), IPv4/IPv6 addresses, API keys, bearer tokens, private keys, assigned and high-entropy
 * secrets. Findings do not overlap and are sorted by position. Pure and linear in the text.
 */
export function detectPii(text: string, options: DetectPiiOptions = {}): PiiFinding[] {
  const wanted = new Set(options.types ?? PII_TYPES);
  const accepted: PiiFinding[] = [];
  for (const detect of DETECTORS) {
    for (const finding of detect(text)) {
      if (!wanted.has(finding.type) || finding.end <= finding.start) continue;
      if (accepted.some((a) => finding.start < a.end && a.start < finding.end)) continue;
      accepted.push(finding);
    }
  }
  return accepted.sort((a, b) => a.start - b.start);
}

/** A replaced finding: where it was in the input, and where its placeholder is in the output. */
export interface Redaction {
  readonly type: PiiType;
  readonly start: number;
  readonly end: number;
  readonly redactedStart: number;
  readonly redactedEnd: number;
}

/** A text with its findings replaced by typed placeholders. */
export interface RedactedText {
  readonly text: string;
  readonly redactions: readonly Redaction[];
}

/** Replaces non-overlapping findings (as {@link detectPii} returns them) with `[EMAIL]`, `[PHONE]`, … */
export function redactFindings(text: string, findings: readonly PiiFinding[]): RedactedText {
  const sorted = [...findings].sort((a, b) => a.start - b.start);
  let out = '';
  let cursor = 0;
  const redactions: Redaction[] = [];
  for (const f of sorted) {
    if (f.start < cursor) throw new RangeError(`findings overlap at ${f.start}`);
    out += text.slice(cursor, f.start);
    const placeholder = placeholderFor(f.type);
    redactions.push({
      type: f.type,
      start: f.start,
      end: f.end,
      redactedStart: out.length,
      redactedEnd: out.length + placeholder.length,
    });
    out += placeholder;
    cursor = f.end;
  }
  return { text: out + text.slice(cursor), redactions };
}

/** Detects and redacts in one call. */
export function redactPii(text: string, options: DetectPiiOptions = {}): RedactedText {
  return redactFindings(text, detectPii(text, options));
}
