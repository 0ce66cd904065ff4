import type { Role } from '@cairn/contracts/cairn/common/v1/options';

/** What the server stores for one API key: never the key, only its SHA-256. */
export interface ApiKeyRecord {
  /** Public id, the `<keyId>` part of `cairn_<keyId>_<secret>`; becomes the call's principal. */
  readonly keyId: string;
  /** Lowercase hex SHA-256 of the whole key. */
  readonly hash: string;
  /** Tenant every call made with this key acts for. */
  readonly tenant: string;
  /** Roles granted (READER < WRITER < ADMIN < SERVICE; the highest counts). */
  readonly roles: readonly Role[];
  /** Human label (who or what holds the key). */
  readonly name: string;
}

/** Who a verified key belongs to. */
export interface ApiKeyPrincipal {
  readonly keyId: string;
  /** The key's tenant; for a service key, the tenant its call names. */
  readonly tenant: string;
  readonly roles: readonly Role[];
  readonly name: string;
  /** For a service key: the principal it acts for, as the call names it. */
  readonly onBehalfOf?: string;
}

/**
 * Port: where API key records live. Adapters: {@link InMemoryApiKeyStore}, {@link FileApiKeyStore}.
 * Verification (hash comparison) is done by the caller, not the store.
 */
export interface ApiKeyStore {
  /** The record for a key id, or undefined when there is none. */
  findById(keyId: string): Promise<ApiKeyRecord | undefined>;
}
