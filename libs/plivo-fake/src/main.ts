import { PlivoFake } from './plivo-fake';

/** Runs the Plivo fake alone: `bash tools/run.sh plivo-fake` (see docs/development.md, "The Plivo fake"). */
async function main(): Promise<void> {
  const authId = process.env['PLIVO_AUTH_ID'] ?? 'MAFAKEACCOUNT00000000';
  const authToken = process.env['PLIVO_AUTH_TOKEN'] ?? 'fake-auth-token-change-me';
  const fake = await new PlivoFake({
    accounts: { [authId]: authToken },
    port: Number(process.env['PLIVO_FAKE_PORT'] ?? 4010),
    ...(process.env['PLIVO_FAKE_HOST'] ? { host: process.env['PLIVO_FAKE_HOST'] } : {}),
    ...(process.env['PLIVO_FAKE_MESSAGE_URL']
      ? { messageUrl: process.env['PLIVO_FAKE_MESSAGE_URL'] }
      : {}),
  }).start();
  process.stdout.write(
    `Plivo fake at ${fake.url}\n  SDK: new plivo.Client('${authId}', <token>, { url: '${fake.apiBaseUrl(authId)}' })\n  Lookup base URL: ${fake.url}\n  Inspect: GET ${fake.url}/__fake/messages?to=<number>\n`,
  );
  const stop = (): void => void fake.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
