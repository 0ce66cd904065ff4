import { INJECTION_SIGNALS, type InjectionCategory, type InjectionSignal } from './injection-signals.js';
import { normaliseForDetection } from './normalise.js';

/** A signal found in a text, with its span in the original text. */
export interface InjectionSignalMatch {
  readonly id: string;
  readonly category: InjectionCategory;
  readonly weight: number;
  readonly start: number;
  readonly end: number;
}

/** How much a text looks like a prompt injection. */
export interface InjectionAssessment {
  /** In [0, 1]: signals combined as independent evidence, `1 − Π(1 − weight)`, each signal once. */
  readonly score: number;
  readonly flagged: boolean;
  readonly threshold: number;
  readonly signals: readonly InjectionSignalMatch[];
}

/** Options of {@link InjectionDetector}. */
export interface InjectionDetectorOptions {
  /** Score at or above which a text is flagged. Default 0.5. */
  readonly threshold?: number;
  /** The catalogue (default {@link INJECTION_SIGNALS}). */
  readonly signals?: readonly InjectionSignal[];
}

const BASE64_BLOB = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{24,}={0,2}(?![A-Za-z0-9+/_=-])/g;
const HEX_BLOB = /(?:\\x[0-9a-fA-F]{2}){8,}|(?<![0-9a-fA-F])(?:[0-9a-fA-F]{2}[ :]?){16,}(?![0-9a-fA-F])/g;
const MAX_MATCHES_PER_SIGNAL = 20;

/** Decoded text that reads as prose (not random bytes). */
function readable(decoded: string): boolean {
  if (decoded.length < 12) return false;
  const printable = decoded.replace(/[^\x20-\x7E\n\t]/g, '').length;
  return printable / decoded.length > 0.95 && / /.test(decoded) && /[a-z]{3}/i.test(decoded);
}

function rot13(text: string): string {
  return text.replace(/[a-z]/gi, (c) => {
    const base = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });
}

/**
 * A scoring prompt-injection detector for user input and for retrieved or tool content: patterns of
 * known techniques matched on normalised text (see `normaliseForDetection`), plus payloads hidden in
 * base64, hex, ROT13 or Unicode tag characters (decoded and checked again). Deterministic and pure.
 */
export class InjectionDetector {
  readonly threshold: number;
  private readonly signals: readonly InjectionSignal[];

  constructor(options: InjectionDetectorOptions = {}) {
    this.threshold = options.threshold ?? 0.5;
    if (!(this.threshold > 0 && this.threshold <= 1)) throw new RangeError('threshold must be in (0, 1]');
    this.signals = options.signals ?? INJECTION_SIGNALS;
  }

  assess(text: string): InjectionAssessment {
    return this.assessAt(text, 0);
  }

  private assessAt(text: string, depth: number): InjectionAssessment {
    const normalised = normaliseForDetection(text);
    const matches: InjectionSignalMatch[] = [];
    const span = (from: number, to: number): { start: number; end: number } => ({
      start: normalised.map[from] ?? text.length,
      end: to > 0 ? (normalised.map[to - 1] ?? text.length - 1) + 1 : 0,
    });
    const readings =
      normalised.leetText === normalised.text ? [normalised.text] : [normalised.text, normalised.leetText];
    for (const signal of this.signals) {
      const seen = new Set<number>();
      for (const reading of readings) {
        for (const m of reading.matchAll(signal.pattern)) {
          if (m[0].length === 0 || seen.has(m.index) || seen.size >= MAX_MATCHES_PER_SIGNAL) continue;
          seen.add(m.index);
          matches.push({
            id: signal.id,
            category: signal.category,
            weight: signal.weight,
            ...span(m.index, m.index + m[0].length),
          });
        }
      }
    }
    if (normalised.hadTagCharacters)
      matches.push({
        id: 'unicode_tag_characters',
        category: 'hidden_text',
        weight: 0.5,
        start: 0,
        end: text.length,
      });
    else if (normalised.invisibleCount >= 2)
      matches.push({
        id: 'invisible_characters',
        category: 'hidden_text',
        weight: 0.3,
        start: 0,
        end: text.length,
      });
    if (depth === 0) matches.push(...this.encodedPayloads(text, normalised.text));
    return this.combine(matches);
  }

  /** Base64, hex and ROT13 payloads: decoded and assessed once more (one level deep). */
  private encodedPayloads(text: string, normalisedText: string): InjectionSignalMatch[] {
    const out: InjectionSignalMatch[] = [];
    const check = (decoded: string, start: number, end: number, kind: string): void => {
      if (!readable(decoded)) return;
      const inner = this.assessAt(decoded, 1);
      out.push(
        inner.flagged
          ? { id: `${kind}_instructions`, category: 'encoded_payload', weight: 0.85, start, end }
          : { id: `${kind}_text`, category: 'encoded_payload', weight: 0.15, start, end },
      );
    };
    for (const m of text.matchAll(BASE64_BLOB)) {
      if (/^[0-9a-fA-F]+$/.test(m[0])) continue;
      check(Buffer.from(m[0], 'base64').toString('utf8'), m.index, m.index + m[0].length, 'base64');
    }
    for (const m of text.matchAll(HEX_BLOB)) {
      const hex = m[0].replace(/\\x|[ :]/g, '');
      check(Buffer.from(hex, 'hex').toString('utf8'), m.index, m.index + m[0].length, 'hex');
    }
    if (/\brot-?13\b/.test(normalisedText)) {
      const inner = this.assessAt(rot13(text), 1);
      if (inner.flagged)
        out.push({
          id: 'rot13_instructions',
          category: 'encoded_payload',
          weight: 0.85,
          start: 0,
          end: text.length,
        });
    }
    return out;
  }

  private combine(matches: InjectionSignalMatch[]): InjectionAssessment {
    const strongest = new Map<string, number>();
    for (const m of matches) strongest.set(m.id, Math.max(strongest.get(m.id) ?? 0, m.weight));
    let clean = 1;
    for (const weight of strongest.values()) clean *= 1 - weight;
    const score = Math.round((1 - clean) * 1000) / 1000;
    return {
      score,
      flagged: score >= this.threshold,
      threshold: this.threshold,
      signals: matches.sort((a, b) => a.start - b.start || b.weight - a.weight),
    };
  }
}
