import { EXFILTRATION_AND_HIJACK_SIGNALS } from './exfiltration-and-hijack.signals.js';
import type { InjectionSignal } from './injection-signal.js';
import { OVERRIDE_AND_JAILBREAK_SIGNALS } from './override-and-jailbreak.signals.js';

export type { InjectionCategory, InjectionSignal } from './injection-signal.js';

/**
 * The catalogue. Written from published taxonomies of injection techniques (instruction override,
 * role-play jailbreaks, prompt leaking, delimiter and markup injection, indirect injection into tool
 * and retrieved content); weights were set on the development splits described in docs/eval.
 */
export const INJECTION_SIGNALS: readonly InjectionSignal[] = [
  ...OVERRIDE_AND_JAILBREAK_SIGNALS,
  ...EXFILTRATION_AND_HIJACK_SIGNALS,
];
