import type { ApiKeyRecord, ApiKeyStore } from './api-key-store.port.js';

/** API key store held in memory: tests, single-process runs, keys given through config. */
export class InMemoryApiKeyStore implements ApiKeyStore {
  private readonly records = new Map<string, ApiKeyRecord>();

  constructor(records: Iterable<ApiKeyRecord> = []) {
    for (const record of records) this.add(record);
  }

  /** Adds or replaces the record with this key id. */
  add(record: ApiKeyRecord): void {
    this.records.set(record.keyId, record);
  }

  /** Revokes a key; true when it existed. */
  remove(keyId: string): boolean {
    return this.records.delete(keyId);
  }

  async findById(keyId: string): Promise<ApiKeyRecord | undefined> {
    return this.records.get(keyId);
  }
}
