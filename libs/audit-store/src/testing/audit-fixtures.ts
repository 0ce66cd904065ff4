import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { checkpointSignatureValid, signCheckpoint } from '../audit-chain.js';
import type { AuditEntry, Checkpoint } from '../audit-store.port.js';
import type { CheckpointSignatureCheck } from '../verify-chain.js';

/** A tenant name no other test uses. */
export function freshTenant(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

/** An entry of `tenant` about document `doc-<n>`, with a payload that names it. */
export function entry(tenant: string, n: number, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    tenant,
    eventId: `event-${n}-${randomUUID()}`,
    eventType: n % 2 === 0 ? 'cairn.ingestion.v1.DocumentChunked' : 'cairn.retrieval.v1.SearchPerformed',
    topic: n % 2 === 0 ? 'cairn.ingestion.document-chunked.v1' : 'cairn.retrieval.search-performed.v1',
    principal: `key:k${n % 3}`,
    subjects: [
      { kind: 'request', id: `req-${n}` },
      { kind: 'document', id: `doc-${n % 4}` },
    ],
    occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
    traceId: n.toString(16).padStart(32, '0'),
    requestId: `req-${n}`,
    payload: new TextEncoder().encode(`payload of event ${n}`),
    ...overrides,
  };
}

/** An Ed25519 key pair that signs checkpoints, and the check that verifies them. */
export class TestSigner {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  readonly keyId = 'test-key';

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    this.privateKey = privateKey;
    this.publicKey = publicKey;
  }

  checkpoint(tenant: string, sequence: number, hash: Uint8Array): Checkpoint {
    return signCheckpoint(this.privateKey, this.keyId, tenant, sequence, hash);
  }

  readonly check: CheckpointSignatureCheck = (checkpoint) =>
    checkpoint.keyId === this.keyId && checkpointSignatureValid(this.publicKey, checkpoint)
      ? undefined
      : 'the signature does not verify';
}
