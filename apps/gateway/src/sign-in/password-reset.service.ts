import { Inject, Injectable } from '@nestjs/common';
import { systemScope, type SystemScope } from '@textback/persistence';
import { RUNTIME, type ServiceRuntime, UnauthorizedError } from '@textback/service-kit';
import { newCredential, presentedRow } from '../identity/secret-credential';
import { passwordResetRepository as resets } from './password-reset.repository';
import { SignInService } from './sign-in.service';

const RESET_MS = 3_600_000;

/**
 * Password reset links (`txp_…`, one hour, once), made by someone who manages the person (the API
 * or the CLI return the link; texting it to the person comes with staff texts). Using one sets
 * the new password under the policy and ends every session of the person.
 */
@Injectable()
export class PasswordResetService {
  private readonly presented: SystemScope;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly signIn: SignInService,
  ) {
    this.presented = systemScope('gateway: password reset links presented', runtime.logger);
  }

  async create(userId: string, createdBy: string): Promise<{ reset: string; expiresAt: string }> {
    const made = newCredential('txp');
    const expiresAt = new Date(this.runtime.clock.now().getTime() + RESET_MS);
    await resets.insert(this.runtime.db, this.presented, {
      resetId: made.id,
      userId,
      secretSha256: made.sha256,
      createdBy,
      expiresAt,
    });
    return { reset: made.presented, expiresAt: expiresAt.toISOString() };
  }

  async use(presented: string, password: string): Promise<void> {
    const db = this.runtime.db;
    const now = this.runtime.clock.now();
    const row = await presentedRow('txp', presented, (id) => resets.reset(db, this.presented, id));
    if (!row || row.usedAt || row.expiresAt <= now)
      throw new UnauthorizedError('unauthorized', 'reset link unknown, used or expired');
    await this.signIn.checkPassword(row.userId, password);
    if (!(await resets.use(db, this.presented, row.resetId, now)))
      throw new UnauthorizedError('unauthorized', 'reset link unknown, used or expired');
    await this.signIn.setPassword(row.userId, password);
    await resets.endSessions(db, this.presented, row.userId, now);
  }
}
