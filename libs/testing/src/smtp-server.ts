import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface RunningSmtpServer {
  /** `smtp://127.0.0.1:<port>`: what a service's `SMTP_URL` points at. */
  readonly url: string;
  /** Every message accepted so far, parsed (`mailparser`). */
  readonly messages: ParsedMail[];
  stop(): Promise<void>;
}

/**
 * A real SMTP server (`smtp-server`, from the nodemailer project) on 127.0.0.1 for tests: it
 * speaks the protocol and keeps what it is sent. Plain SMTP (no STARTTLS: no certificate here).
 */
export async function startSmtpServer(): Promise<RunningSmtpServer> {
  const messages: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          messages.push(mail);
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    stop: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
