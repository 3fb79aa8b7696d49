import { newSecretKeyRing, SealedSecretError, SecretBox } from './sealed-secrets';

describe('tenant secrets sealed at rest (envelope encryption, JWE A256KW + A256GCM)', () => {
  it('seals a secret that opens for its own use only, and never shows it in the sealed form', async () => {
    const box = SecretBox.fromRing(newSecretKeyRing('k1'));
    const sealed = await box.seal('crm-webhook-secret-0123456789', 'crm:cool-breeze-hvac');
    expect(sealed).not.toContain('crm-webhook-secret');
    expect(box.keyIdOf(sealed)).toBe('k1');
    await expect(box.open(sealed, 'crm:cool-breeze-hvac')).resolves.toBe(
      'crm-webhook-secret-0123456789',
    );
    await expect(box.open(sealed, 'crm:bright-smile-dental')).rejects.toThrow(
      'sealed for another use',
    );
    // Each seal has its own content key: the same secret never seals the same way twice.
    expect(await box.seal('x'.repeat(20), 'c')).not.toBe(await box.seal('x'.repeat(20), 'c'));
  });

  it('rotates: the newest key seals, older keys still open, a foreign or tampered value does not', async () => {
    const old = newSecretKeyRing('k1');
    const sealedBefore = await SecretBox.fromRing(old).seal('s3cret-value-000000', 'crm:t');
    const rotated = SecretBox.fromRing({ keys: [...old.keys, ...newSecretKeyRing('k2').keys] });
    expect(rotated.keyIdOf(await rotated.seal('v', 'crm:t'))).toBe('k2');
    await expect(rotated.open(sealedBefore, 'crm:t')).resolves.toBe('s3cret-value-000000');
    await expect(
      SecretBox.fromRing(newSecretKeyRing('k1')).open(sealedBefore, 'crm:t'),
    ).rejects.toThrow(SealedSecretError);
    const parts = sealedBefore.split('.');
    parts[3] = `${parts[3]!.slice(0, -2)}AA`;
    await expect(rotated.open(parts.join('.'), 'crm:t')).rejects.toThrow(SealedSecretError);
  });

  it('says what is wrong with a mounted ring without echoing it', () => {
    expect(() => SecretBox.parse('{"keys":[{"kid":"k1","key":"c2hvcnQ="}]}')).toThrow(
      'tenant-secrets key ring: {"keys":[{"kid","key":<32 bytes base64>}]} expected',
    );
    expect(() => SecretBox.parse('not json')).toThrow('tenant-secrets key ring: not JSON');
  });
});
