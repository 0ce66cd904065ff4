import type { AuditRecord } from '@cairn/contracts/cairn/audit/v1/audit';
import { waitFor } from '@cairn/testing';
import type { AckLedger } from './ack-ledger.js';
import type { TenantClients } from './fault-topology.js';

/** Every record of the tenant's trail, oldest first. */
export async function auditRecords(clients: TenantClients): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  let pageToken = '';
  do {
    const page = await clients.audit.query({ page: { pageSize: 1000, pageToken } });
    records.push(...page.records);
    pageToken = page.page?.nextPageToken ?? '';
  } while (pageToken);
  return records;
}

/** Event ids recorded more than once (a redelivery must append nothing). */
export function duplicateEventIds(records: readonly AuditRecord[]): string[] {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const record of records) {
    if (seen.has(record.eventId)) duplicates.add(record.eventId);
    seen.add(record.eventId);
  }
  return [...duplicates];
}

/**
 * The tenant's audit trail: records the chunking and the indexing of every acknowledged document's
 * version (nothing lost), each event once (nothing doubled), and Verify passes over the whole chain.
 */
export async function assertAuditTrail(
  clients: TenantClients,
  ledger: AckLedger,
  timeoutMs = 60_000,
): Promise<AuditRecord[]> {
  const documents = ledger.documents.filter((doc) => doc.tenant === clients.tenant);
  let missing: string[] = [];
  const records = await waitFor(
    async () => {
      const all = await auditRecords(clients);
      const indexed = new Set(
        all
          .filter((r) => r.eventType === 'cairn.embedding.v1.ChunksIndexed')
          .flatMap((r) => r.subjects.filter((s) => s.kind === 'document').map((s) => s.id)),
      );
      missing = documents.filter((doc) => !indexed.has(doc.documentId)).map((doc) => doc.externalId);
      return missing.length === 0 ? all : undefined;
    },
    {
      timeoutMs,
      intervalMs: 500,
      description: () => `the audit trail to record the indexing of ${missing.length} more documents`,
    },
  );
  const duplicates = duplicateEventIds(records);
  if (duplicates.length > 0) throw new Error(`events recorded twice: ${duplicates.join(', ')}`);
  const verified = await clients.audit.verify({});
  if (!verified.ok)
    throw new Error(`audit Verify failed: ${verified.detail} (record ${verified.firstBrokenRecordId})`);
  if (verified.checkedCount < BigInt(records.length))
    throw new Error(`Verify checked ${verified.checkedCount} of ${records.length} records`);
  return records;
}
