import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import {
  CHECKPOINT_ALGORITHM,
  checkpointSignatureValid,
  signCheckpoint,
  type Checkpoint,
  type CheckpointSignatureCheck,
} from '@cairn/audit-store';

/**
 * Signs checkpoints of tenants' chains with the service's Ed25519 key, and checks them. A checkpoint
 * signed by any other key does not verify.
 */
export class CheckpointSigner {
  /** First 16 hex digits of the SHA-256 of the raw public key. */
  readonly keyId: string;
  private readonly publicKey: KeyObject;

  constructor(private readonly privateKey: KeyObject) {
    if (privateKey.asymmetricKeyType !== 'ed25519')
      throw new Error(
        `the audit signing key is ${privateKey.asymmetricKeyType ?? 'not asymmetric'}, not ed25519`,
      );
    this.publicKey = createPublicKey(privateKey);
    const raw = this.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    this.keyId = createHash('sha256').update(raw).digest('hex').slice(0, 16);
  }

  sign(tenant: string, sequence: number, hash: Uint8Array): Checkpoint {
    return signCheckpoint(this.privateKey, this.keyId, tenant, sequence, hash);
  }

  readonly check: CheckpointSignatureCheck = (checkpoint) => {
    if (checkpoint.algorithm !== CHECKPOINT_ALGORITHM)
      return `algorithm ${checkpoint.algorithm} is not ed25519`;
    if (checkpoint.keyId !== this.keyId)
      return `signed by key ${checkpoint.keyId}, not this service's ${this.keyId}`;
    return checkpointSignatureValid(this.publicKey, checkpoint) ? undefined : 'the signature does not verify';
  };
}
