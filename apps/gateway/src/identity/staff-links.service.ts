import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { E164, TenantId } from '@textback/contracts';
import { addToOutbox, systemScope, tenantScope, type SystemScope } from '@textback/persistence';
import { Mailer, RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import type { GatewayConfig } from '../config';
import { identityRepository as identity } from './identity.repository';
import { announceMember } from './member-view';
import { staffLinksRepository as phones } from './staff-links.repository';

export type LinkKind = 'invitation' | 'password-reset';

/** What the API answers about a link: the link itself, and whether it was texted and mailed. */
export interface DeliveredLink {
  link: string;
  texted: boolean;
  mailed: boolean;
}

/**
 * Sign-in links (invitations, password resets) as people open them — the settings page with the
 * one-time credential — and, when the person agreed to sign-in texts on their phone, a text of the
 * link from the platform's own number (`staff-text.requested.v1`; sms-dispatch sends it, never
 * into a customer thread).
 */
@Injectable()
export class StaffLinks {
  private readonly people: SystemScope;
  private readonly mailer: Mailer | undefined;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime<GatewayConfig>) {
    this.people = systemScope("gateway: a person's phone for sign-in texts", runtime.logger);
    this.mailer = Mailer.fromUrl(runtime.config.SMTP_URL, runtime.config.MAIL_FROM);
  }

  /** Records the person's phone; `consentBy` names who vouches they agreed to sign-in texts. */
  async setPhone(userId: string, phone: E164 | null, consentBy: string | null): Promise<void> {
    const at = this.runtime.clock.now();
    await this.runtime.transaction(async (tx) => {
      await phones.setPhone(tx, this.people, {
        userId,
        phone,
        consentBy: phone ? consentBy : null,
        at,
      });
      // Each brand's inbox learns where it may text the person now.
      for (const m of await identity.membershipsOf(tx, this.people, userId))
        if (m.tenantId) await announceMember(tx, tenantScope(m.tenantId), m, false, at);
    });
  }

  async deliver(
    userId: string,
    tenantId: TenantId | null,
    kind: LinkKind,
    credential: { value: string; expiresAt: string },
  ): Promise<DeliveredLink> {
    const base = (
      this.runtime.config.PUBLIC_BASE_URL ??
      this.runtime.listeningUrl ??
      'http://localhost:3007'
    ).replace(/\/$/, '');
    const query = new URLSearchParams({
      [kind === 'invitation' ? 'invitation' : 'reset']: credential.value,
      ...(tenantId ? { tenant: tenantId } : {}),
    });
    const link = `${base}/settings?${query.toString()}`;
    const contact = await phones.contact(this.runtime.db, this.people, userId);
    const brand = tenantId
      ? ((await phones.brandName(this.runtime.db, this.people, tenantId)) ?? tenantId)
      : 'Textback';
    const until = credential.expiresAt.slice(0, 16).replace('T', ' ');
    const what =
      kind === 'invitation'
        ? {
            subject: `${brand} invited you to Textback`,
            line: `${brand} invited you to its inbox. Choose your password: ${link} (until ${until} UTC).`,
          }
        : {
            subject: `Reset your ${brand} password`,
            line: `Reset your ${brand} password: ${link} (valid 1 hour). Not you? Ignore this.`,
          };
    const mailed = contact ? await this.mail(contact.email, what.subject, what.line) : false;
    // Platform administrators have no brand to text for; a person without consent is not texted.
    const to = contact?.consented ? contact.phone : null;
    if (!tenantId || !to) return { link, texted: false, mailed };
    const text = `Textback: ${what.line} Reply STOP to stop these texts.`;
    await this.runtime.transaction((tx) =>
      addToOutbox(tx, 'staff-text.requested.v1', {
        textId: randomUUID(),
        tenantId,
        userId,
        to,
        text,
        kind,
        requestedAt: this.runtime.clock.now().toISOString(),
      }),
    );
    return { link, texted: true, mailed };
  }

  /** Mails a link when a mailer is configured; a refusal is logged and answered as not mailed. */
  private async mail(to: string, subject: string, text: string): Promise<boolean> {
    if (!this.mailer) return false;
    try {
      await this.mailer.send({ to, subject, text: `${text}\n\n— Textback` });
      return true;
    } catch (err) {
      this.runtime.logger.warn({ err: (err as Error).message }, 'sign-in link not mailed');
      return false;
    }
  }
}
