import { create } from '@bufbuild/protobuf';
import {
  GuardrailDecision,
  GuardrailStage,
  GuardrailVerdictSchema,
  type GuardrailVerdict,
} from '@cairn/contracts/cairn/agent/v1/agent';
import {
  InjectionPolicy,
  PiiPolicy,
  type ContentSource,
  type GuardrailAction,
  type Verdict,
} from '@cairn/guardrails';

/** Guardrail policy names an agent may list (`guardrails` of its definition). */
export const GUARDRAIL_NAMES = ['pii', 'prompt-injection'] as const;
const ALIASES: Readonly<Record<string, (typeof GUARDRAIL_NAMES)[number]>> = {
  pii: 'pii',
  'pii-redaction': 'pii',
  'prompt-injection': 'prompt-injection',
};

/** Text after a policy pass, with the verdicts to record. */
export interface Checked {
  readonly text: string;
  readonly verdicts: GuardrailVerdict[];
  /** Set when the content must not go on: the verdict that stopped it. */
  readonly stopped?: GuardrailVerdict;
}

/** The names an agent lists, checked; unknown names are returned for an INVALID_ARGUMENT. */
export function unknownGuardrails(names: readonly string[]): string[] {
  return names.filter((name) => !(name in ALIASES));
}

/**
 * The content policies of one agent's runs, each decision as an auditable verdict: PII redaction on
 * input, retrieved passages, tool results and the answer; prompt-injection detection on the input
 * (blocked) and on retrieved or tool content (quarantined: kept out of the prompt). An agent that
 * lists no guardrails gets both. Tool allowlists and budgets are enforced by the run itself.
 */
export class RunGuardrails {
  private readonly pii: PiiPolicy | undefined;
  private readonly injection: InjectionPolicy | undefined;

  constructor(names: readonly string[]) {
    const enabled = new Set(names.length === 0 ? GUARDRAIL_NAMES : names.map((name) => ALIASES[name]));
    this.pii = enabled.has('pii') ? new PiiPolicy({ name: 'pii' }) : undefined;
    this.injection = enabled.has('prompt-injection') ? new InjectionPolicy() : undefined;
  }

  /** The user's input: injected instructions stop the run; personal data is redacted. Always recorded. */
  input(text: string): Checked {
    const verdicts: GuardrailVerdict[] = [];
    if (this.injection) {
      const verdict = this.injection.evaluate(text, 'user');
      const recorded = toVerdict(verdict, GuardrailStage.INPUT);
      verdicts.push(recorded);
      if (verdict.action === 'block') return { text, verdicts, stopped: recorded };
    }
    const redacted = this.redact(text, GuardrailStage.INPUT, true);
    return { text: redacted.text, verdicts: [...verdicts, ...redacted.verdicts] };
  }

  /** One retrieved passage or tool result: quarantined when it looks hostile, else redacted. */
  content(text: string, source: Exclude<ContentSource, 'user'>, stage: GuardrailStage): Checked {
    if (this.injection) {
      const verdict = this.injection.evaluate(text, source);
      if (verdict.action !== 'allow') {
        const recorded = toVerdict(verdict, stage);
        return { text: '', verdicts: [recorded], stopped: recorded };
      }
    }
    return this.redact(text, stage, false);
  }

  /** The final answer: personal data redacted before it leaves. Always recorded. */
  output(text: string): Checked {
    return this.redact(text, GuardrailStage.OUTPUT, true);
  }

  private redact(text: string, stage: GuardrailStage, recordAllow: boolean): Checked {
    if (!this.pii) return { text, verdicts: [] };
    const verdict = this.pii.evaluate(text);
    if (verdict.action === 'allow' && !recordAllow) return { text, verdicts: [] };
    const recorded = toVerdict(verdict, stage);
    return verdict.action === 'block'
      ? { text: '', verdicts: [recorded], stopped: recorded }
      : { text: verdict.text, verdicts: [recorded] };
  }
}

const DECISIONS: Readonly<Record<GuardrailAction, GuardrailDecision>> = {
  allow: GuardrailDecision.ALLOW,
  redact: GuardrailDecision.REDACT,
  quarantine: GuardrailDecision.QUARANTINE,
  block: GuardrailDecision.BLOCK,
};

/** A policy verdict as the step records it: findings counted by type (`pii.email` → `2`), never values. */
export function toVerdict(verdict: Verdict, stage: GuardrailStage): GuardrailVerdict {
  const findings: Record<string, string> = {};
  for (const finding of verdict.findings) {
    const key = `${verdict.policy}.${finding.type}`;
    findings[key] = String(Number(findings[key] ?? 0) + 1);
  }
  return create(GuardrailVerdictSchema, {
    guardrail: verdict.policy,
    stage,
    decision: DECISIONS[verdict.action],
    reason: verdict.reason,
    findings,
  });
}
