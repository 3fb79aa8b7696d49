import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** A person at the test provider: the claims it releases (groups with the `profile` scope). */
export interface ProviderAccount {
  email: string;
  email_verified?: boolean;
  name?: string;
  groups?: string[];
}

export interface RunningOpenIdProvider {
  readonly issuer: string;
  /** Adds or changes a person (by login); takes effect at their next sign-in. */
  setAccount(login: string, account: ProviderAccount | undefined): void;
  stop(): Promise<void>;
}

/**
 * Starts a real OpenID provider (`oidc-provider`) in a child process on 127.0.0.1, with one
 * confidential client. Its development sign-in form takes any password for a known login.
 */
export async function startOpenIdProvider(client: {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}): Promise<RunningOpenIdProvider> {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-'));
  const accountsFile = join(dir, 'accounts.json');
  const accounts: Record<string, ProviderAccount> = {};
  const save = (): void => writeFileSync(accountsFile, JSON.stringify(accounts));
  save();
  const child = spawn(process.execPath, [resolve(__dirname, 'openid-provider-server.mjs')], {
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      OIDC_TEST_CONFIG: JSON.stringify({
        accountsFile,
        clients: [
          {
            client_id: client.clientId,
            client_secret: client.clientSecret,
            redirect_uris: client.redirectUris,
          },
        ],
      }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const issuer = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`OpenID provider did not start: ${stderr}`)),
      30_000,
    );
    child.stdout.on('data', (d: Buffer) => {
      const m = /READY (\S+)/.exec(d.toString());
      if (m?.[1]) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    child.on('exit', (code) => fail(new Error(`OpenID provider exited (${code}): ${stderr}`)));
  });
  return {
    issuer,
    setAccount(login, account) {
      if (account) accounts[login] = account;
      else delete accounts[login];
      save();
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((ok) => child.once('exit', ok));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
