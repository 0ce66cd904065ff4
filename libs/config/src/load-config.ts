import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from './config-error.js';
import { ENV_PREFIX, listConfigKeys, unwrap, type ConfigKey } from './config-keys.js';

/** Environment variable naming an optional JSON config file; environment variables override it. */
export const CONFIG_FILE_ENV = `${ENV_PREFIX}CONFIG_FILE`;

export interface LoadConfigOptions {
  /** Environment to read; defaults to the process environment. The only place Cairn reads it. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** JSON config file; defaults to `$CAIRN_CONFIG_FILE` when set. */
  readonly file?: string;
  /** Reject `CAIRN_*` variables that no key of the schema reads (default true). */
  readonly strict?: boolean;
}

/**
 * Validates configuration at boot from `CAIRN_*` environment variables over an optional JSON file.
 * Throws {@link ConfigError} naming every bad key and the reason.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, options: LoadConfigOptions = {}): z.infer<S> {
  // eslint-disable-next-line no-restricted-properties -- the config module is the one reader of process.env.
  const env = options.env ?? process.env;
  const keys = listConfigKeys(schema);
  const issues: ConfigIssue[] = [];
  const filePath = options.file ?? env[CONFIG_FILE_ENV];
  const raw: Record<string, unknown> = filePath ? readConfigFile(filePath, issues) : {};

  for (const key of keys) {
    const value = env[key.env];
    if (value === undefined || value === '') continue;
    setPath(raw, key.path, coerce(key, value));
  }
  if (options.strict ?? true) {
    const known = new Set([...keys.map((key) => key.env), CONFIG_FILE_ENV]);
    for (const name of Object.keys(env)) {
      if (
        name.startsWith(ENV_PREFIX) &&
        !known.has(name) &&
        !IGNORED_ENV.has(name) &&
        !name.startsWith(`${ENV_PREFIX}TEST_`)
      ) {
        issues.push({ key: name, reason: 'unknown configuration key (check the spelling)' });
      }
    }
  }

  const result = schema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = keys.find((candidate) => samePath(candidate.path, issue.path));
      issues.push({ key: key?.env ?? issue.path.join('.'), reason: issue.message });
    }
  }
  if (issues.length > 0 || !result.success) throw new ConfigError(issues);
  return result.data;
}

/** Variables with the prefix that belong to tools, not to a service's schema. */
const IGNORED_ENV = new Set(
  [
    'API_KEY',
    'ENDPOINT',
    'TENANT',
    'CACHE_DIR',
    'TOOLS_DIR',
    'RUN_DIR',
    'KAFKA_PORT',
    'PG_PORT',
    'POSTGRES_URL',
    'PROPERTY_SEED',
  ].map((name) => `${ENV_PREFIX}${name}`),
);

function readConfigFile(path: string, issues: ConfigIssue[]): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
    issues.push({ key: CONFIG_FILE_ENV, reason: `${path} must hold a JSON object` });
  } catch (error) {
    issues.push({ key: CONFIG_FILE_ENV, reason: `cannot read ${path}: ${(error as Error).message}` });
  }
  return {};
}

/** Environment values are strings: turn them into what the leaf expects before validation. */
function coerce(key: ConfigKey, value: string): unknown {
  const inner = unwrap(key.schema);
  if (inner instanceof z.ZodNumber) return value.trim() === '' ? value : Number(value);
  if (inner instanceof z.ZodBoolean) {
    if (/^(true|1|yes|on)$/i.test(value)) return true;
    if (/^(false|0|no|off)$/i.test(value)) return false;
    return value;
  }
  if (inner instanceof z.ZodArray) {
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0)
      .map((item) => (unwrap(inner.element as z.ZodType) instanceof z.ZodNumber ? Number(item) : item));
  }
  return value;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    if (typeof next !== 'object' || next === null) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function samePath(a: readonly string[], b: readonly PropertyKey[]): boolean {
  return a.length === b.length && a.every((segment, index) => segment === b[index]);
}
