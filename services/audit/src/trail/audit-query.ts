import { createHash } from 'node:crypto';
import { toBinary } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { AuditQuery } from '@cairn/audit-store';
import { AuditFilterSchema, type AuditFilter } from '@cairn/contracts/cairn/audit/v1/audit';
import type { PageRequest } from '@cairn/contracts/cairn/common/v1/common';
import { InvalidAuditRequestError } from './audit-errors.js';

/** Page size when none is asked for, and the most one page holds (see cairn.common.v1.PageRequest). */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

const TRACE_ID = /^[0-9a-f]{32}$/;

/** The store query of a request's filter; INVALID_ARGUMENT for a half subject, a bad trace id or range. */
export function toAuditQuery(filter: AuditFilter | undefined): AuditQuery {
  if (filter === undefined) return {};
  const { subject, traceId } = filter;
  if (subject !== undefined && (subject.kind === '' || subject.id === ''))
    throw invalid('filter.subject needs both a kind and an id', 'INVALID_SUBJECT', 'filter.subject');
  if (traceId !== '' && !TRACE_ID.test(traceId))
    throw invalid('filter.trace_id must be 32 lowercase hex digits', 'INVALID_TRACE_ID', 'filter.trace_id');
  const startTime = filter.startTime ? timestampDate(filter.startTime) : undefined;
  const endTime = filter.endTime ? timestampDate(filter.endTime) : undefined;
  if (startTime && endTime && startTime.getTime() >= endTime.getTime())
    throw invalid(
      'filter.start_time must be before filter.end_time',
      'INVALID_TIME_RANGE',
      'filter.end_time',
    );
  return {
    eventTypes: filter.eventTypes,
    principal: filter.principal,
    ...(subject ? { subject: { kind: subject.kind, id: subject.id } } : {}),
    ...(startTime ? { startTime } : {}),
    ...(endTime ? { endTime } : {}),
    traceId,
    requestId: filter.requestId,
  };
}

/** A page request: its size, and the sequence the previous page ended with (from the token). */
export interface QueryPage {
  readonly size: number;
  readonly after: number | undefined;
  /** Cursor of the page after the one ending at `sequence`. */
  tokenAfter(sequence: number): string;
}

/**
 * Reads `page`: 0 = default size, more than the maximum = the maximum, negative = INVALID_ARGUMENT.
 * A token names a sequence and the filter it was issued for; with another filter it is INVALID_ARGUMENT.
 */
export function readPage(
  page: PageRequest | undefined,
  filter: AuditFilter | undefined,
  descending: boolean,
): QueryPage {
  const requested = page?.pageSize ?? 0;
  if (requested < 0)
    throw invalid('page.page_size must not be negative', 'INVALID_PAGE_SIZE', 'page.page_size');
  const size = requested === 0 ? DEFAULT_PAGE_SIZE : Math.min(requested, MAX_PAGE_SIZE);
  const scope = fingerprint(filter, descending);
  const token = page?.pageToken ?? '';
  let after: number | undefined;
  if (token !== '') {
    const match = /^a1:(\d{1,15}):([0-9a-f]{16})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (match?.[1] === undefined)
      throw invalid(
        'page.page_token is not a token this service issued',
        'INVALID_PAGE_TOKEN',
        'page.page_token',
      );
    if (match[2] !== scope)
      throw invalid(
        'page.page_token was issued for another filter or order; repeat the request that issued it',
        'INVALID_PAGE_TOKEN',
        'page.page_token',
      );
    after = Number(match[1]);
  }
  return {
    size,
    after,
    tokenAfter: (sequence) => Buffer.from(`a1:${sequence}:${scope}`, 'utf8').toString('base64url'),
  };
}

function fingerprint(filter: AuditFilter | undefined, descending: boolean): string {
  const hash = createHash('sha256');
  if (filter) hash.update(toBinary(AuditFilterSchema, filter));
  return hash
    .update(descending ? 'desc' : 'asc')
    .digest('hex')
    .slice(0, 16);
}

function invalid(message: string, reason: string, field: string): InvalidAuditRequestError {
  return new InvalidAuditRequestError(message, reason, field);
}
