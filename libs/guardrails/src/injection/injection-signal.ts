/** The families of prompt-injection technique a signal belongs to. */
export type InjectionCategory =
  | 'instruction_override'
  | 'output_hijack'
  | 'role_play'
  | 'jailbreak'
  | 'authority_claim'
  | 'prompt_exfiltration'
  | 'delimiter_injection'
  | 'tool_hijack'
  | 'data_exfiltration'
  | 'encoded_payload'
  | 'hidden_text'
  | 'urgency';

/** A pattern over normalised text (lower case, see `normaliseForDetection`) and how much it alone says. */
export interface InjectionSignal {
  readonly id: string;
  readonly category: InjectionCategory;
  /** In (0, 1): the evidence of this signal alone; signals combine as independent evidence. */
  readonly weight: number;
  readonly pattern: RegExp;
}

/** Any character but a sentence end, for patterns that must stay within one sentence. */
export const NOT_END = '[^.!?\\n]';
