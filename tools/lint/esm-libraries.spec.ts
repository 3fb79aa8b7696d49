import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';

const root = resolve(__dirname, '..', '..');

/**
 * The ESM-only JOSE library works where the platform needs it (docs/decisions/0008): in Jest
 * (compiled by SWC through `transformIgnorePatterns`) and in a service process (Node 24's
 * `require(esm)` under `@swc-node/register`, as `tools/run.sh` starts services).
 */
describe('ESM-only libraries in a CommonJS codebase', () => {
  it('signs and verifies an ES256 token with a key id under Jest', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] };
    const token = await new SignJWT({ role: 'operator' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks));
    expect(payload['role']).toBe('operator');
  });

  it('loads in a service process through require(esm)', async () => {
    const script =
      "const { generateKeyPair } = require('jose'); generateKeyPair('ES256').then(() => console.log('ok'));";
    const run = await promisify(execFile)(
      process.execPath,
      ['--require', '@swc-node/register', '-e', script],
      { cwd: root },
    );
    expect(run.stdout.trim()).toBe('ok');
  });
});
