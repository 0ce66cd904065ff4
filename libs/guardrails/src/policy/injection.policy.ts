import { InjectionDetector } from '../injection/injection-detector.js';
import type { Finding, Verdict } from '../verdict.js';

/** Where content comes from: the user, retrieved documents, or a tool result. */
export type ContentSource = 'user' | 'retrieved' | 'tool';

/** Options of {@link InjectionPolicy}. */
export interface InjectionPolicyOptions {
  /** Policy name in verdicts. Default `prompt-injection`. */
  readonly name?: string;
  /** The detector (default: an {@link InjectionDetector} with `threshold`). */
  readonly detector?: InjectionDetector;
  /** Detector threshold when no detector is given. Default 0.5. */
  readonly threshold?: number;
}

/** An injection verdict with the detector's score. */
export interface InjectionVerdict extends Verdict {
  readonly score: number;
}

/**
 * Prompt-injection policy: flagged user input is blocked; flagged retrieved or tool content is
 * quarantined, i.e. kept out of the prompt (the run goes on without it). Findings carry the signal
 * category as type and the signal id as detail.
 */
export class InjectionPolicy {
  readonly name: string;
  private readonly detector: InjectionDetector;

  constructor(options: InjectionPolicyOptions = {}) {
    this.name = options.name ?? 'prompt-injection';
    this.detector =
      options.detector ??
      new InjectionDetector(options.threshold === undefined ? {} : { threshold: options.threshold });
  }

  evaluate(text: string, source: ContentSource): InjectionVerdict {
    const assessment = this.detector.assess(text);
    const findings: Finding[] = assessment.signals.map((s) => ({
      type: s.category,
      start: s.start,
      end: s.end,
      detail: s.id,
    }));
    const signals = [...new Set(assessment.signals.map((s) => s.id))].join(', ');
    const scored = `score ${assessment.score} (threshold ${assessment.threshold})`;
    if (!assessment.flagged)
      return {
        policy: this.name,
        action: 'allow',
        findings,
        score: assessment.score,
        reason: signals
          ? `below threshold: ${scored}; signals: ${signals}`
          : `no injection signals in ${source} content`,
      };
    return {
      policy: this.name,
      action: source === 'user' ? 'block' : 'quarantine',
      findings,
      score: assessment.score,
      reason: `${source} content looks like a prompt injection: ${scored}; signals: ${signals}`,
    };
  }
}
