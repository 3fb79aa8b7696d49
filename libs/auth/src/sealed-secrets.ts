import { CompactEncrypt, compactDecrypt, decodeProtectedHeader } from 'jose';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * A key-encryption key of the tenant-secrets ring, as mounted from a Secret: 32 random bytes,
 * base64, with its id.
 */
const SecretKey = z.object({
  kid: z.string().min(1).max(64),
  key: z.base64().refine((k) => Buffer.from(k, 'base64').length === 32, 'must be 32 bytes'),
});
/** Keys oldest first; the last seals, all open (rotation: add a key, re-seal, drop the old one). */
export const SecretKeyRing = z.object({ keys: z.array(SecretKey).min(1) });
export type SecretKeyRing = z.infer<typeof SecretKeyRing>;

export class SealedSecretError extends Error {
  override readonly name = 'SealedSecretError';
}

/** A new ring of one key (`npm start` makes one per data dir; production mounts its own). */
export function newSecretKeyRing(kid: string): SecretKeyRing {
  return { keys: [{ kid, key: randomBytes(32).toString('base64') }] };
}

/**
 * Secrets tenants give us (CRM webhook secrets now; OIDC client secrets, webhook secrets and
 * calendar passwords later), sealed at rest by envelope encryption: each secret gets its own
 * random content key (AES-256-GCM), wrapped by the ring's newest key (AES-256 key wrap) — a JWE
 * (RFC 7516) whose header names the wrapping key (`kid`) and what the secret is for (`ctx`), so
 * a sealed value copied to another tenant's row does not open there.
 */
export class SecretBox {
  private constructor(
    private readonly ring: ReadonlyMap<string, Uint8Array>,
    readonly currentKid: string,
  ) {}

  static fromRing(ring: SecretKeyRing): SecretBox {
    const keys = new Map(
      ring.keys.map((k) => [k.kid, new Uint8Array(Buffer.from(k.key, 'base64'))]),
    );
    const current = ring.keys[ring.keys.length - 1];
    if (!current) throw new Error('no tenant-secrets key');
    return new SecretBox(keys, current.kid);
  }

  /** The ring as mounted (JSON text); a clear error naming what is wrong, never the key. */
  static parse(json: string): SecretBox {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      throw new Error('tenant-secrets key ring: not JSON');
    }
    const ring = SecretKeyRing.safeParse(parsed);
    if (!ring.success)
      throw new Error(
        'tenant-secrets key ring: {"keys":[{"kid","key":<32 bytes base64>}]} expected',
      );
    return SecretBox.fromRing(ring.data);
  }

  async seal(plaintext: string, context: string): Promise<string> {
    const kek = this.ring.get(this.currentKid);
    if (!kek) throw new Error('no tenant-secrets key');
    return new CompactEncrypt(new TextEncoder().encode(plaintext))
      .setProtectedHeader({ alg: 'A256KW', enc: 'A256GCM', kid: this.currentKid, ctx: context })
      .encrypt(kek);
  }

  async open(sealed: string, context: string): Promise<string> {
    const kid = this.keyIdOf(sealed);
    const kek = kid ? this.ring.get(kid) : undefined;
    if (!kek) throw new SealedSecretError(`sealed with key ${kid ?? '?'}, which the ring lacks`);
    try {
      const { plaintext, protectedHeader } = await compactDecrypt(sealed, kek, {
        keyManagementAlgorithms: ['A256KW'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      if (protectedHeader['ctx'] !== context) throw new SealedSecretError('sealed for another use');
      return new TextDecoder().decode(plaintext);
    } catch (err) {
      if (err instanceof SealedSecretError) throw err;
      throw new SealedSecretError('sealed secret does not open (tampered, or the wrong key)');
    }
  }

  /** The id of the key that sealed it (rows sealed by an older key are re-sealed). */
  keyIdOf(sealed: string): string | undefined {
    try {
      return decodeProtectedHeader(sealed).kid;
    } catch {
      return undefined;
    }
  }
}
