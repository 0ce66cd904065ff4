/**
 * What a policy decided about a piece of content or an action:
 * - `allow`: go on unchanged;
 * - `redact`: go on with the findings replaced by placeholders;
 * - `quarantine`: keep the content out of the prompt (retrieved or tool content that looks hostile);
 * - `block`: stop (the input, the tool call, or the run).
 */
export type GuardrailAction = 'allow' | 'redact' | 'quarantine' | 'block';

/** Something a policy found, by type and where: `[start, end)` in UTF-16 code units of the checked text. */
export interface Finding {
  readonly type: string;
  readonly start: number;
  readonly end: number;
  /** What matched, in words (never the matched value itself: verdicts are audited). */
  readonly detail?: string;
}

/** A policy's decision, ready to audit. */
export interface Verdict {
  readonly policy: string;
  readonly action: GuardrailAction;
  readonly findings: readonly Finding[];
  /** Why, for people reading the audit trail. */
  readonly reason: string;
}

const SEVERITY: Readonly<Record<GuardrailAction, number>> = { allow: 0, redact: 1, quarantine: 2, block: 3 };

/** The strictest action of several verdicts (`allow` for none). */
export function strictestAction(verdicts: readonly Verdict[]): GuardrailAction {
  let action: GuardrailAction = 'allow';
  for (const verdict of verdicts) if (SEVERITY[verdict.action] > SEVERITY[action]) action = verdict.action;
  return action;
}
