import { homedir } from 'node:os';
import { CONFIG_FILE_ENV, listConfigKeys, platformConfigSchema, type ConfigKey } from '@cairn/config';
import { z } from 'zod';
import { cell, code, generatedBanner, table } from './markdown.js';
import type { ServicePackage } from './service-packages.js';

/** One row of the configuration reference. */
export interface ConfigRow {
  readonly env: string;
  /** Path of the key in the JSON config file (`grpc.tls.certFile`). */
  readonly jsonPath: string;
  readonly type: string;
  /** The default as a JSON value, or empty when the key has none (unset = not configured). */
  readonly default: string;
  readonly allowed: string;
  readonly description: string;
}

// zod reports "no upper bound" on integers as the largest safe integer.
const NO_BOUND = Number.MAX_SAFE_INTEGER;

/**
 * Describes one key from its zod schema, through zod's own JSON Schema conversion: type, default,
 * allowed values (enum, range, pattern, format). A default under the user's home directory is shown
 * with `~`, so the page does not depend on the machine that generated it.
 */
export function describeKey(key: ConfigKey): ConfigRow {
  const json = z.toJSONSchema(key.schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return {
    env: key.env,
    jsonPath: key.path.join('.'),
    type: typeOf(json),
    default: json.default === undefined ? '' : JSON.stringify(json.default).replaceAll(homedir(), '~'),
    allowed: allowedOf(json),
    description: key.description ?? '',
  };
}

interface JsonSchema {
  readonly type?: string;
  readonly default?: unknown;
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly items?: JsonSchema;
}

function typeOf(json: JsonSchema): string {
  if (json.enum) return 'enum';
  if (json.type === 'array') return `list of ${json.items ? typeOf(json.items) : 'values'} (comma-separated)`;
  if (json.type === 'string' && json.format === 'uri') return 'URL';
  return json.type ?? 'any';
}

function allowedOf(json: JsonSchema): string {
  if (json.enum) return json.enum.map((value) => code(String(value))).join(', ');
  const parts: string[] = [];
  const min = json.minimum;
  const max = json.maximum === NO_BOUND ? undefined : json.maximum;
  if (min !== undefined && max !== undefined) parts.push(`${min}–${max}`);
  else if (min !== undefined) parts.push(`≥ ${min}`);
  else if (max !== undefined) parts.push(`≤ ${max}`);
  if (json.minLength === 1 && json.maxLength === undefined) parts.push('non-empty');
  else if (json.minLength !== undefined || json.maxLength !== undefined)
    parts.push(`${json.minLength ?? 0}–${json.maxLength ?? '∞'} characters`);
  if (json.pattern) parts.push(`matches ${code(json.pattern)}`);
  if (json.format && json.format !== 'uri') parts.push(json.format);
  if (json.type === 'array' && json.items) {
    const items = allowedOf(json.items);
    if (items) parts.push(`each ${items}`);
  }
  return parts.join('; ');
}

function keyTable(keys: readonly ConfigKey[]): string {
  return table(
    ['Variable', 'JSON path', 'Type', 'Default', 'Allowed', 'Description'],
    keys
      .map(describeKey)
      .map((row) => [
        code(row.env),
        code(row.jsonPath),
        row.type,
        row.default === '' ? '' : code(row.default),
        row.allowed,
        cell(row.description),
      ]),
  );
}

/** Renders docs/reference/config.md: the platform keys, then each service's own, then the all-in-one. */
export function renderConfigReference(services: readonly ServicePackage[]): string {
  const platform = listConfigKeys(platformConfigSchema);
  const platformEnv = new Set(platform.map((key) => key.env));
  const out: string[] = [
    generatedBanner('the zod config schemas of `libs/config` and `services/*/src/*.config.ts`'),
    '',
    '# Configuration reference',
    '',
    'Every Cairn process validates its configuration at start and stops (exit code 78) naming each bad key',
    'and the reason. Values come from environment variables `CAIRN_*`, over an optional JSON file named by',
    `${code(CONFIG_FILE_ENV)}: a JSON object with the same keys nested by their JSON path (for example`,
    '`{"grpc": {"port": 50052}, "events": {"backend": "kafka"}}`); a variable that is set wins over the file.',
    'An empty variable counts as unset. Lists are comma-separated in variables and JSON arrays in the file;',
    'booleans accept `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`. A `CAIRN_*` variable that no key of the',
    'process reads is rejected as a probable typo (except `CAIRN_TEST_*` and the variables of the tools in',
    '`scripts/` and `deploy/local/`). A key without a default is unset unless given.',
    '',
    'Tracing is configured by the standard OpenTelemetry variables (`OTEL_TRACES_EXPORTER`,',
    '`OTEL_EXPORTER_OTLP_ENDPOINT`, …), described in [observability](../observability.md).',
    '',
    '## Every process',
    '',
    `The keys every process reads (${code('libs/config/src/platform-config.ts')}).`,
    '',
    keyTable(platform),
    '',
  ];
  for (const service of services) {
    const keys = listConfigKeys(service.configSchema);
    const missing = platform.filter((key) => !keys.some((k) => k.env === key.env));
    if (missing.length > 0)
      throw new Error(
        `services/${service.name}: its config schema lacks the platform keys ${missing.map((k) => k.env).join(', ')}`,
      );
    const own = keys.filter((key) => !platformEnv.has(key.env));
    out.push(`## ${service.name}`, '');
    out.push(
      service.name === 'all-in-one'
        ? 'The single process reads the keys of every service (one set of variables for all five) besides those of every process:'
        : `${code(service.packageName)} reads these keys besides those of every process:`,
      '',
    );
    out.push(own.length === 0 ? 'No keys of its own.' : keyTable(own), '');
  }
  return `${out.join('\n')}\n`;
}
