import { shannonEntropy } from './checksums.js';
import type { PiiFinding, PiiType } from './pii-types.js';

interface SecretPattern {
  readonly type: PiiType;
  readonly detail: string;
  readonly pattern: RegExp;
  /** The capture group holding the secret (default: the whole match). */
  readonly group?: number;
}

const SECRET_PATTERNS: readonly SecretPattern[] = [
  {
    type: 'private_key',
    detail: 'PEM private key',
    pattern:
      /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/g,
  },
  { type: 'api_key', detail: 'Anthropic API key', pattern: /\bsk-ant-[A-Za-z0-9_-]{20,}/g },
  {
    type: 'api_key',
    detail: 'OpenAI-style API key (sk-)',
    pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g,
  },
  {
    type: 'api_key',
    detail: 'AWS access key id',
    pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}\b/g,
  },
  {
    type: 'api_key',
    detail: 'AWS secret access key',
    pattern: /\baws_?secret_?access_?key\b["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
    group: 1,
  },
  {
    type: 'api_key',
    detail: 'GitHub token',
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b/g,
  },
  { type: 'api_key', detail: 'GitLab token', pattern: /\bglpat-[A-Za-z0-9_-]{20,}/g },
  { type: 'api_key', detail: 'Slack token', pattern: /\bxox[abposre]-[A-Za-z0-9-]{10,}/g },
  { type: 'api_key', detail: 'Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { type: 'api_key', detail: 'Stripe key', pattern: /\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,}\b/g },
  { type: 'api_key', detail: 'Hugging Face token', pattern: /\bhf_[A-Za-z0-9]{30,}\b/g },
  {
    type: 'bearer_token',
    detail: 'JSON Web Token',
    pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
  },
  {
    type: 'bearer_token',
    detail: 'bearer token',
    pattern: /\bBearer\s+([A-Za-z0-9._~+/-]{16,}=*)/g,
    group: 1,
  },
  {
    type: 'secret',
    detail: 'password or secret assignment',
    pattern:
      /\b(?:password|passwd|pwd|secret|client_secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token|private[_-]?key)\b["']?\s*[:=]\s*["']?([^\s"',;]{8,})/gi,
    group: 1,
  },
];

/** Service-specific keys, bearer tokens and JWTs, PEM private keys, and values assigned to password/secret keys. */
export function findKnownSecrets(text: string): PiiFinding[] {
  const out: PiiFinding[] = [];
  for (const { type, detail, pattern, group } of SECRET_PATTERNS) {
    for (const m of text.matchAll(pattern)) {
      const value = group === undefined ? m[0] : m[group];
      if (value === undefined || (type === 'secret' && isPlaceholder(value))) continue;
      const start = m.index + (group === undefined ? 0 : m[0].lastIndexOf(value));
      out.push({ type, start, end: start + value.length, detail });
    }
  }
  return out;
}

/** Values that stand for a secret without being one: masks and template variables. */
function isPlaceholder(value: string): boolean {
  return /^(?:[*x•.#]+|\$\{?[\w.]+\}?|<[^>]*>?|\{\{.*)$/i.test(value);
}

const TOKEN_CANDIDATE = /(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_=-]{32,}(?![A-Za-z0-9+/_=-])/g;

/**
 * Unlabelled high-entropy tokens (random keys without a known prefix). Conservative: at least 32
 * characters mixing upper case, lower case and digits (3 of each), ≥ 4.2 bits of entropy per
 * character, not hexadecimal (hashes and UUIDs are not secrets), not a path or a slug of words.
 */
export function findHighEntropyTokens(text: string): PiiFinding[] {
  const out: PiiFinding[] = [];
  for (const m of text.matchAll(TOKEN_CANDIDATE)) {
    const token = m[0];
    if (/^[0-9a-fA-F-]+$/.test(token)) continue;
    const count = (re: RegExp): number => (token.match(re) ?? []).length;
    if (count(/[A-Z]/g) < 3 || count(/[a-z]/g) < 3 || count(/\d/g) < 3) continue;
    if (/(?:[a-z]{4,}[-_/]){2,}/i.test(token)) continue;
    if (shannonEntropy(token) < 4.2) continue;
    out.push({ type: 'secret', start: m.index, end: m.index + token.length, detail: 'high-entropy token' });
  }
  return out;
}
