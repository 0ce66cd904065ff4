import { UsageError } from '../exit-codes.js';
import type { ParsedValues } from './option-spec.js';

/** The last value of a string flag; undefined when absent or empty. */
export function stringValue(values: ParsedValues, name: string): string | undefined {
  const value = values[name];
  const last = Array.isArray(value) ? value.at(-1) : value;
  return typeof last === 'string' && last !== '' ? last : undefined;
}

/** Every value of a repeatable string flag, in order. */
export function stringValues(values: ParsedValues, name: string): string[] {
  const value = values[name];
  const all = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return all.filter((item): item is string => typeof item === 'string' && item !== '');
}

/** True when a boolean flag is set. */
export function flag(values: ParsedValues, name: string): boolean {
  return values[name] === true;
}

/** An integer flag within [min, max]; `fallback` when absent; a usage error otherwise. */
export function intValue(
  values: ParsedValues,
  name: string,
  range: { readonly min: number; readonly max?: number; readonly fallback?: number },
  command: string,
): number | undefined {
  const raw = stringValue(values, name);
  if (raw === undefined) return range.fallback;
  const parsed = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(parsed) || parsed < range.min || parsed > max) {
    const bounds = range.max === undefined ? `≥ ${range.min}` : `between ${range.min} and ${range.max}`;
    throw new UsageError(`--${name} must be an integer ${bounds}, not "${raw}"`, command);
  }
  return parsed;
}

/** A number flag within [min, max]; undefined when absent; a usage error otherwise. */
export function numberValue(
  values: ParsedValues,
  name: string,
  range: { readonly min: number; readonly max: number },
  command: string,
): number | undefined {
  const raw = stringValue(values, name);
  if (raw === undefined) return undefined;
  const parsed = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(parsed) || parsed < range.min || parsed > range.max)
    throw new UsageError(
      `--${name} must be a number between ${range.min} and ${range.max}, not "${raw}"`,
      command,
    );
  return parsed;
}

/** `key=value` pairs of a repeatable flag; a usage error for a pair without `=` or key. */
export function keyValues(values: ParsedValues, name: string, command: string): [string, string][] {
  return stringValues(values, name).map((pair) => {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--${name} takes key=value, not "${pair}"`, command);
    return [pair.slice(0, at), pair.slice(at + 1)];
  });
}

/** One of `choices` (case-insensitive); `undefined` when absent; a usage error otherwise. */
export function choiceValue<T extends string>(
  values: ParsedValues,
  name: string,
  choices: readonly T[],
  command: string,
): T | undefined {
  const raw = stringValue(values, name);
  if (raw === undefined) return undefined;
  const found = choices.find((choice) => choice === raw.toLowerCase());
  if (!found) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, not "${raw}"`, command);
  return found;
}
