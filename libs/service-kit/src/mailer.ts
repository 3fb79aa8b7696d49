import { createTransport, type Transporter } from 'nodemailer';

/** A message to one person: plain text (links stay visible, nothing to render). */
export interface Mail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

/**
 * E-mail through the deployment's SMTP server (`nodemailer`, the maintained Node mailer), when one
 * is configured: `SMTP_URL` (`smtp://user:pass@host:587`, `smtps://…:465`; from a Secret) and a
 * `from` address. Without a URL there is no mailer and nothing claims to have mailed.
 */
export class Mailer {
  private constructor(
    private readonly transport: Transporter,
    private readonly from: string,
  ) {}

  static fromUrl(url: string | undefined, from: string): Mailer | undefined {
    if (!url) return undefined;
    return new Mailer(
      createTransport(url, { connectionTimeout: 10_000, greetingTimeout: 10_000 }),
      from,
    );
  }

  /** Resolves once the server accepted the message; rejects with its reason otherwise. */
  async send(mail: Mail): Promise<void> {
    await this.transport.sendMail({ from: this.from, ...mail });
  }

  close(): void {
    this.transport.close();
  }
}
