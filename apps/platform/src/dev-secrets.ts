import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newSecretKeyRing } from '@textback/auth';

export interface DevSecrets {
  CALL_EVENTS_SIGNING_SECRET: string;
  ADMIN_API_KEY: string;
  SERVICE_API_KEY: string;
  PLIVO_AUTH_ID: string;
  PLIVO_AUTH_TOKEN: string;
  /** The key ring sealing tenants' secrets (CRM secrets) at rest. */
  TENANT_SECRETS_KEYS: string;
}

/**
 * Development secrets, made once per data dir so nothing secret is ever committed. A variable
 * set in the environment wins over the file.
 */
export function devSecrets(dataDir: string, env: Record<string, string | undefined>): DevSecrets {
  const file = join(dataDir, 'dev-secrets.json');
  const stored: Partial<DevSecrets> = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<DevSecrets>)
    : {};
  const made: DevSecrets = {
    CALL_EVENTS_SIGNING_SECRET:
      stored.CALL_EVENTS_SIGNING_SECRET ?? randomBytes(24).toString('hex'),
    ADMIN_API_KEY: stored.ADMIN_API_KEY ?? randomBytes(24).toString('hex'),
    SERVICE_API_KEY: stored.SERVICE_API_KEY ?? randomBytes(24).toString('hex'),
    PLIVO_AUTH_ID: stored.PLIVO_AUTH_ID ?? `MA${randomBytes(9).toString('hex').toUpperCase()}`,
    PLIVO_AUTH_TOKEN: stored.PLIVO_AUTH_TOKEN ?? randomBytes(20).toString('hex'),
    TENANT_SECRETS_KEYS: stored.TENANT_SECRETS_KEYS ?? JSON.stringify(newSecretKeyRing('dev-1')),
  };
  // Anything else kept there (the seeded people's credentials) stays.
  writeFileSync(file, JSON.stringify({ ...stored, ...made }, null, 2), { mode: 0o600 });
  const pick = (k: keyof DevSecrets): string => env[k] ?? made[k];
  return {
    CALL_EVENTS_SIGNING_SECRET: pick('CALL_EVENTS_SIGNING_SECRET'),
    ADMIN_API_KEY: pick('ADMIN_API_KEY'),
    SERVICE_API_KEY: pick('SERVICE_API_KEY'),
    PLIVO_AUTH_ID: pick('PLIVO_AUTH_ID'),
    PLIVO_AUTH_TOKEN: pick('PLIVO_AUTH_TOKEN'),
    TENANT_SECRETS_KEYS: pick('TENANT_SECRETS_KEYS'),
  };
}
