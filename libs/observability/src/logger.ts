import { pino, type Logger as PinoLogger, type LoggerOptions } from 'pino';
import { activeTenant, activeTraceIds } from './tracing.js';

/** Structured JSON logger (pino). Never log document contents, API keys or tokens. */
export type Logger = PinoLogger;

export interface LoggerConfig {
  /** Service (or component) name written on every line as `service`. */
  readonly service: string;
  /** pino level: trace | debug | info | warn | error | fatal | silent. */
  readonly level?: string;
}

const REDACTED_PATHS = [
  'apiKey',
  'authorization',
  '*.apiKey',
  '*.authorization',
  'headers.authorization',
  'password',
  '*.password',
  'content',
  '*.content',
  'text',
  '*.text',
];

/**
 * Creates the process logger; JSON on stdout, secrets and document contents redacted; lines
 * written inside a span carry its `trace_id` and `span_id`, and inside a tenant's operation its `tenant`.
 */
export function createLogger(config: LoggerConfig): Logger {
  const options: LoggerOptions = {
    name: config.service,
    level: config.level ?? 'info',
    base: { service: config.service },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: () => {
      const tenant = activeTenant();
      return { ...activeTraceIds(), ...(tenant ? { tenant } : {}) };
    },
  };
  return pino(options);
}

/** A logger that writes nothing, for tests and tools. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
