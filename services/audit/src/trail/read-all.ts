import type { AuditQuery, AuditStore } from '@cairn/audit-store';
import type { AuditRecord } from '@cairn/contracts/cairn/audit/v1/audit';

const BATCH = 500;

/** Every record of a query, in sequence order, read in batches. */
export async function readAll(
  store: AuditStore,
  tenant: string,
  query: AuditQuery,
  includePayload = false,
): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  let after: number | undefined;
  for (let more = true; more;) {
    const page = await store.query(tenant, query, {
      limit: BATCH,
      includePayload,
      ...(after === undefined ? {} : { after }),
    });
    records.push(...page.records);
    after = Number(page.records.at(-1)?.sequence ?? 0);
    more = page.more;
  }
  return records;
}
