/** The kinds of personal data and secrets the PII detector finds. */
export type PiiType =
  | 'email'
  | 'phone'
  | 'card_number'
  | 'iban'
  | 'ip_address'
  | 'api_key'
  | 'bearer_token'
  | 'private_key'
  | 'secret';

export const PII_TYPES: readonly PiiType[] = [
  'email',
  'phone',
  'card_number',
  'iban',
  'ip_address',
  'api_key',
  'bearer_token',
  'private_key',
  'secret',
];

/** One occurrence: `[start, end)` in the text; `detail` names the pattern, never the value. */
export interface PiiFinding {
  readonly type: PiiType;
  readonly start: number;
  readonly end: number;
  readonly detail: string;
}

/** The placeholder that replaces a finding of `type`: `[EMAIL]`, `[CARD_NUMBER]`, … */
export function placeholderFor(type: PiiType): string {
  return `[${type.toUpperCase()}]`;
}
