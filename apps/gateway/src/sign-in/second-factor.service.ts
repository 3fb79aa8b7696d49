import { Inject, Injectable } from '@nestjs/common';
import { Secret, TOTP } from 'otpauth';
import { SecretBox } from '@textback/auth';
import { systemScope, type SystemScope } from '@textback/persistence';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import type { GatewayConfig } from '../config';
import { GatewayError } from '../errors';
import { signInRepository as signIn } from './sign-in.repository';

/**
 * A person's TOTP second factor (RFC 6238, `otpauth`): enrolled by the person (the secret shown
 * once as an otpauth:// URI), confirmed by a first code, checked at sign-in at the service's own
 * time. The secret is sealed at rest (it must be read back to check a code).
 */
@Injectable()
export class SecondFactorService {
  private readonly presented: SystemScope;
  private readonly secrets: SecretBox | undefined;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime<GatewayConfig>) {
    this.presented = systemScope("gateway: a person's second factor, by user id", runtime.logger);
    const ring = runtime.config.TENANT_SECRETS_KEYS;
    this.secrets = ring ? SecretBox.parse(ring) : undefined;
  }

  /** Starts TOTP enrollment: a new secret (sealed), confirmed by a first code. */
  async enroll(userId: string): Promise<{ otpauthUri: string; secret: string }> {
    const box = this.box();
    const user = await signIn.credentialsOf(this.runtime.db, this.presented, userId);
    if (!user) throw new GatewayError('not-found', 'no such user');
    if (user.totpEnabled)
      throw new GatewayError('invalid-request', 'second factor already enrolled');
    const totp = new TOTP({
      issuer: 'Textback',
      label: user.email,
      secret: new Secret({ size: 20 }),
    });
    const sealed = await box.seal(totp.secret.base32, `totp:${userId}`);
    await signIn.setTotp(this.runtime.db, this.presented, userId, { sealed, enabled: false });
    return { otpauthUri: totp.toString(), secret: totp.secret.base32 };
  }

  async confirm(userId: string, code: string): Promise<void> {
    const user = await signIn.credentialsOf(this.runtime.db, this.presented, userId);
    if (!user?.totpSealed) throw new GatewayError('invalid-request', 'no enrollment under way');
    if (!(await this.matches(user.totpSealed, userId, code)))
      throw new GatewayError('invalid-request', 'code: does not match (check the device clock)');
    await signIn.setTotp(this.runtime.db, this.presented, userId, {
      sealed: user.totpSealed,
      enabled: true,
    });
  }

  /**
   * Whether `code` is the person's current code (one step of drift either way, at the service's
   * own time), used for the first time: a code seen once is refused after (no replay).
   */
  async matches(sealed: string | null, userId: string, code: string | undefined) {
    if (!sealed || !code || !/^\d{6}$/.test(code)) return false;
    const secret = await this.box().open(sealed, `totp:${userId}`);
    const totp = new TOTP({ secret: Secret.fromBase32(secret) });
    const now = this.runtime.clock.now().getTime();
    const delta = totp.validate({ token: code, window: 1, timestamp: now });
    if (delta === null) return false;
    const step = Math.floor(now / 1000 / totp.period) + delta;
    return signIn.useTotpStep(this.runtime.db, this.presented, userId, step);
  }

  private box(): SecretBox {
    if (!this.secrets)
      throw new GatewayError(
        'invalid-request',
        'second factor unavailable: TENANT_SECRETS_KEYS unset',
      );
    return this.secrets;
  }
}
