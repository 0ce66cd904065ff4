import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  AuditFilterSchema,
  AuditService,
  ExplainResponseSchema,
  QueryResponseSchema,
  VerifyResponseSchema,
  type AuditFilter,
  type AuditRecord,
} from '@cairn/contracts/cairn/audit/v1/audit';
import type { ParsedValues } from '../args/option-spec.js';
import { flag, intValue, stringValue, stringValues } from '../args/values.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { renderExplain, renderVerify } from '../render/audit-render.js';
import { writeJson } from '../render/json.js';
import { columns, count, time } from '../render/text.js';
import type { Command } from './command.js';
import { readPages } from './read-pages.js';

/** Largest page the audit service serves. */
const PAGE_SIZE = 500;

/** `cairn audit query`: AuditService.Query with the filter as flags, paged up to `--limit`. */
export const auditQueryCommand: Command = {
  name: 'audit query',
  summary: 'list audit records matching a filter (admin key)',
  usage: '[options]',
  description:
    "Lists records of the tenant's audit trail in sequence order: sequence, time, event type, principal,\n" +
    'subjects. Prints the token of the next page on stderr when there are more. With --json, prints one\n' +
    'QueryResponse (its page token names the next page).',
  options: {
    'event-type': {
      type: 'string',
      multiple: true,
      value: 'type',
      description: 'only this event type (full name, e.g. cairn.ingestion.v1.DocumentChunked)',
    },
    principal: {
      type: 'string',
      value: 'principal',
      description: 'only records of this principal (key:<id>)',
    },
    subject: {
      type: 'string',
      value: 'kind:id',
      description: 'only records about this entity (document:<id>, …)',
    },
    since: {
      type: 'string',
      value: 'time',
      description: 'only events at or after this ISO time, or 15m, 2h, 7d ago',
    },
    until: { type: 'string', value: 'time', description: 'only events before this time' },
    'trace-id': { type: 'string', value: 'id', description: 'only records of this trace (32 hex digits)' },
    'request-id': { type: 'string', value: 'id', description: 'only records of this request' },
    limit: { type: 'string', value: 'n', description: 'at most n records (default 50)' },
    'page-token': { type: 'string', value: 'token', description: 'continue after a previous query' },
    desc: { type: 'boolean', description: 'newest first' },
    payload: { type: 'boolean', description: 'include the payloads (with --json, base64)' },
  },
  positionals: { min: 0, max: 0 },
  examples: ['cairn audit query --subject document:<id>', 'cairn audit query --since 1h --desc --limit 20'],
  async run(context) {
    const { values } = context;
    const limit = intValue(values, 'limit', { min: 1, fallback: 50 }, 'audit query') ?? 50;
    const filter = auditFilter(values);
    const client = context.client(AuditService);
    const { items: records, nextPageToken: pageToken } = await readPages(
      async (pageSize, token) => {
        const page = await client.query(
          {
            tenant: context.global.tenant,
            filter,
            page: { pageSize, pageToken: token },
            includePayload: flag(values, 'payload'),
            descending: flag(values, 'desc'),
          },
          context.unary(),
        );
        return { items: page.records, nextPageToken: page.page?.nextPageToken ?? '' };
      },
      { limit, maxPageSize: PAGE_SIZE, pageToken: stringValue(values, 'page-token') ?? '' },
    );
    if (context.global.json) {
      const response = create(QueryResponseSchema, { records, page: { nextPageToken: pageToken } });
      writeJson(context.io.stdout, QueryResponseSchema, response);
    } else {
      context.io.stdout.write(renderRecords(records));
      if (pageToken !== '') context.io.stderr.write(`more records: add --page-token ${pageToken}\n`);
    }
    return ExitCode.OK;
  },
};

/** `cairn audit verify`: AuditService.Verify; exit 1 naming the first broken record. */
export const auditVerifyCommand: Command = {
  name: 'audit verify',
  summary: 'verify the hash chain of the audit trail (admin key)',
  usage: '[options]',
  description:
    "Recomputes the hash chain of the tenant's trail (and checks its signed checkpoints). Exits 1 when the\n" +
    'chain is broken, naming the first broken record and why. With --json, prints the VerifyResponse.',
  options: {
    from: { type: 'string', value: 'sequence', description: 'first sequence to verify (default 1)' },
    to: { type: 'string', value: 'sequence', description: 'last sequence to verify (default: the latest)' },
  },
  positionals: { min: 0, max: 0 },
  async run(context) {
    const { values } = context;
    const response = await context.client(AuditService).verify(
      {
        tenant: context.global.tenant,
        fromSequence: BigInt(intValue(values, 'from', { min: 1 }, 'audit verify') ?? 0),
        toSequence: BigInt(intValue(values, 'to', { min: 1 }, 'audit verify') ?? 0),
      },
      context.unary(),
    );
    if (context.global.json) writeJson(context.io.stdout, VerifyResponseSchema, response);
    else (response.ok ? context.io.stdout : context.io.stderr).write(renderVerify(response));
    return response.ok ? ExitCode.OK : ExitCode.FAILED;
  },
};

/** `cairn audit explain --request-id <id> | --run-id <id>`: AuditService.Explain. */
export const auditExplainCommand: Command = {
  name: 'audit explain',
  summary: 'explain a search or an agent run from the audit trail',
  usage: '--request-id <id> | --run-id <id>',
  description:
    'Rebuilds the provenance of a search (its request id) or an agent run: question, retrievals with the\n' +
    'chunks returned and cited, model and tool calls, guardrail verdicts, answer. With --json, prints the\n' +
    'ExplainResponse.',
  options: {
    'request-id': { type: 'string', value: 'id', description: 'the request id of a search' },
    'run-id': { type: 'string', value: 'id', description: 'the id of an agent run' },
  },
  positionals: { min: 0, max: 0 },
  async run(context) {
    const requestId = stringValue(context.values, 'request-id');
    const runId = stringValue(context.values, 'run-id');
    if ((requestId === undefined) === (runId === undefined))
      throw new UsageError('give exactly one of --request-id and --run-id', 'audit explain');
    const response = await context.client(AuditService).explain(
      {
        tenant: context.global.tenant,
        subject:
          runId !== undefined
            ? { case: 'runId', value: runId }
            : { case: 'requestId', value: requestId ?? '' },
      },
      context.unary(),
    );
    if (context.global.json) writeJson(context.io.stdout, ExplainResponseSchema, response);
    else context.io.stdout.write(renderExplain(response));
    return ExitCode.OK;
  },
};

/** The AuditFilter of the query flags; a usage error for a malformed subject or time. */
export function auditFilter(values: ParsedValues, now = new Date()): AuditFilter {
  const subject = stringValue(values, 'subject');
  const at = subject?.indexOf(':') ?? -1;
  if (subject !== undefined && (at <= 0 || at === subject.length - 1))
    throw new UsageError(`--subject takes kind:id (e.g. document:<id>), not "${subject}"`, 'audit query');
  const since = stringValue(values, 'since');
  const until = stringValue(values, 'until');
  return create(AuditFilterSchema, {
    eventTypes: stringValues(values, 'event-type'),
    principal: stringValue(values, 'principal') ?? '',
    ...(subject !== undefined ? { subject: { kind: subject.slice(0, at), id: subject.slice(at + 1) } } : {}),
    ...(since !== undefined ? { startTime: timestampFromDate(parseTime(since, 'since', now)) } : {}),
    ...(until !== undefined ? { endTime: timestampFromDate(parseTime(until, 'until', now)) } : {}),
    traceId: stringValue(values, 'trace-id') ?? '',
    requestId: stringValue(values, 'request-id') ?? '',
  });
}

const AGO_UNITS_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** An ISO 8601 time, or `<n><s|m|h|d>` meaning that long before `now`. */
export function parseTime(text: string, flagName: string, now: Date): Date {
  const ago = /^(\d+)([smhd])$/.exec(text);
  if (ago)
    return new Date(now.getTime() - Number(ago[1]) * AGO_UNITS_MS[ago[2] as keyof typeof AGO_UNITS_MS]);
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed))
    throw new UsageError(
      `--${flagName} takes an ISO time (2025-01-31T12:00:00Z) or 15m/2h/7d, not "${text}"`,
      'audit query',
    );
  return new Date(parsed);
}

/** A table of records. */
export function renderRecords(records: readonly AuditRecord[]): string {
  if (records.length === 0) return 'No records.\n';
  const rows = records.map((r) => [
    String(r.sequence),
    time(r.occurredAt),
    r.eventType,
    r.principal,
    r.subjects.map((s) => `${s.kind}:${s.id}`).join(' '),
  ]);
  return `${columns([['SEQ', 'OCCURRED', 'EVENT', 'PRINCIPAL', 'SUBJECTS'], ...rows]).join('\n')}\n${count(records.length, 'record')}\n`;
}
