import { detectPii, redactFindings } from '../pii/pii-detector.js';
import { PII_TYPES, type PiiType } from '../pii/pii-types.js';
import type { Verdict } from '../verdict.js';

/** Options of {@link PiiPolicy}. */
export interface PiiPolicyOptions {
  /** Policy name in verdicts. Default `pii`. */
  readonly name?: string;
  /** Types to look for. Default: all. */
  readonly types?: readonly PiiType[];
  /** Types whose presence blocks the content instead of redacting it (e.g. `private_key`). Default none. */
  readonly blockTypes?: readonly PiiType[];
}

/** A PII verdict with the text to pass on: redacted for `redact`, unchanged for `allow`, empty for `block`. */
export interface PiiVerdict extends Verdict {
  readonly text: string;
}

/** Detects personal data and secrets in content (input, output, tool results) and redacts or blocks it. */
export class PiiPolicy {
  readonly name: string;
  private readonly types: readonly PiiType[];
  private readonly blockTypes: ReadonlySet<PiiType>;

  constructor(options: PiiPolicyOptions = {}) {
    this.name = options.name ?? 'pii';
    this.types = options.types ?? PII_TYPES;
    this.blockTypes = new Set(options.blockTypes ?? []);
  }

  evaluate(text: string): PiiVerdict {
    const found = detectPii(text, { types: this.types });
    const findings = found.map((f) => ({ type: f.type, start: f.start, end: f.end, detail: f.detail }));
    if (found.length === 0)
      return {
        policy: this.name,
        action: 'allow',
        findings,
        reason: 'no personal data or secrets found',
        text,
      };
    const counts = new Map<PiiType, number>();
    for (const f of found) counts.set(f.type, (counts.get(f.type) ?? 0) + 1);
    const listed = [...counts].map(([type, n]) => `${n} ${type}`).join(', ');
    const blocking = found.filter((f) => this.blockTypes.has(f.type)).map((f) => f.type);
    if (blocking.length > 0)
      return {
        policy: this.name,
        action: 'block',
        findings,
        reason: `content holds ${[...new Set(blocking)].join(', ')}, which this policy blocks (found: ${listed})`,
        text: '',
      };
    return {
      policy: this.name,
      action: 'redact',
      findings,
      reason: `redacted ${listed}`,
      text: redactFindings(text, found).text,
    };
  }
}
