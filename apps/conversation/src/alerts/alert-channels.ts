import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import webpush from 'web-push';
import type { TenantScope } from '@textback/persistence';
import { egressFetch, Mailer, RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import type { ConversationConfig } from '../config';
import { alertSettingsRepository as settings } from './alert-settings.repository';

export interface AlertMessage {
  title: string;
  body: string;
  /** The thread in the inbox. */
  link: string;
  urgent: boolean;
}

/** A push or mail the provider did not take (retried by the worker). */
export class AlertNotDelivered extends Error {
  override readonly name = 'AlertNotDelivered';
}

/**
 * The ways out for alerts that are not texts: Web Push (`web-push` encrypts per RFC 8291 and signs
 * the VAPID JWT per RFC 8292; the request goes through the egress helper, since a browser chose
 * the push service's URL) and e-mail (nodemailer, through the service kit's Mailer).
 */
@Injectable()
export class AlertChannels implements OnModuleDestroy {
  private readonly mailer: Mailer | undefined;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime<ConversationConfig>) {
    this.mailer = Mailer.fromUrl(runtime.config.SMTP_URL, runtime.config.MAIL_FROM);
  }

  /** The key pages subscribe with; undefined when push is not configured. */
  vapidPublicKey(): string | undefined {
    const c = this.runtime.config;
    return c.VAPID_PUBLIC_KEY && c.VAPID_PRIVATE_KEY ? c.VAPID_PUBLIC_KEY : undefined;
  }

  mailEnabled(): boolean {
    return this.mailer !== undefined;
  }

  /**
   * To each of the person's browsers; a subscription the push service no longer knows (404, 410)
   * is removed. Throws when no browser took it and some may later.
   */
  async push(scope: TenantScope, userId: string, m: AlertMessage): Promise<number> {
    const c = this.runtime.config;
    if (!c.VAPID_PUBLIC_KEY || !c.VAPID_PRIVATE_KEY)
      throw new AlertNotDelivered('push is not configured (VAPID keys)');
    const subscriptions = await settings.subscriptions(this.runtime.db, scope, userId);
    let delivered = 0;
    const failures: string[] = [];
    for (const s of subscriptions) {
      const request = webpush.generateRequestDetails(
        { endpoint: s.endpoint, keys: { p256dh: s.p256dh, auth: s.auth } },
        JSON.stringify({ title: m.title, body: m.body, url: m.link }),
        {
          vapidDetails: {
            subject: c.VAPID_SUBJECT,
            publicKey: c.VAPID_PUBLIC_KEY,
            privateKey: c.VAPID_PRIVATE_KEY,
          },
          TTL: 3600,
          urgency: m.urgent ? 'high' : 'normal',
          contentEncoding: 'aes128gcm',
        },
      );
      try {
        const res = await egressFetch(
          request.endpoint,
          { method: request.method, headers: request.headers, body: request.body ?? null },
          { allowInsecure: c.EGRESS_ALLOW_INSECURE },
          // A push service that does not answer costs this alert one wait, not the worker.
          { timeoutMs: 10_000 },
        );
        if (res.ok) delivered += 1;
        else if (res.status === 404 || res.status === 410)
          await settings.forget(this.runtime.db, scope, s.endpoint);
        else failures.push(`push service answered ${res.status}`);
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
    if (delivered === 0 && failures.length > 0) throw new AlertNotDelivered(failures.join('; '));
    return delivered;
  }

  async email(to: string, m: AlertMessage): Promise<void> {
    if (!this.mailer) throw new AlertNotDelivered('e-mail is not configured (SMTP_URL)');
    await this.mailer.send({
      to,
      subject: m.title,
      text: `${m.body}\n\n${m.link}\n`,
    });
  }

  onModuleDestroy(): void {
    this.mailer?.close();
  }
}
