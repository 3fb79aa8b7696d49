import QRCode from 'qrcode';
import {
  PageSession,
  permissionsOf,
  initialBrand,
  SignedOutError,
  showSignedInAs,
  showSignInForm,
  wireChoosePassword,
  wireSingleSignOn,
} from '@textback/page-session';
import './style.css';

/**
 * The settings page: a person's password, second factor and sessions, and — for a brand's
 * administrators — the brand's sign-in policy and single sign-on. Signed in like the other pages
 * (a session cookie traded for short-lived access tokens); every change goes to the gateway's API.
 */
const page = new PageSession('/settings');
const session = { tenant: initialBrand() };

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const status = (text: string, error = false): void => {
  $('status').textContent = text;
  $('status').className = error ? 'error' : '';
};

/** An access token of the session; a session that ended shows the sign-in form. */
async function accessToken(): Promise<string> {
  try {
    return await page.accessToken();
  } catch (err) {
    if (err instanceof SignedOutError) showSignIn(err.message);
    throw err;
  }
}

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const token = await accessToken();
  const res = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const answer = (text ? JSON.parse(text) : {}) as T & { message?: string };
  if (!res.ok) throw new Error(answer.message ?? `HTTP ${res.status}`);
  return answer;
}

/** Runs an action, showing what it said (or why it failed) in the status line. */
function act(done: string, work: () => Promise<unknown>): void {
  void work().then(
    () => status(done),
    (err: unknown) => status((err as Error).message, true),
  );
}

interface SessionView {
  sessionId: string;
  method: string;
  address: string | null;
  createdAt: string;
  lastSeenAt: string;
}

async function renderSessions(): Promise<void> {
  const rows = await api<SessionView[]>('GET', '/v1/auth/sessions');
  $('sessions-body').replaceChildren(
    ...rows.map((s) => {
      const tr = document.createElement('tr');
      tr.dataset['session'] = s.sessionId;
      for (const text of [
        new Date(s.createdAt).toLocaleString(),
        s.method,
        s.address ?? '',
        new Date(s.lastSeenAt).toLocaleString(),
      ])
        tr.append(Object.assign(document.createElement('td'), { textContent: text }));
      const revoke = Object.assign(document.createElement('button'), {
        type: 'button',
        textContent: 'Sign out there',
      });
      revoke.addEventListener('click', () =>
        act('Session ended.', async () => {
          await api('DELETE', `/v1/auth/sessions/${s.sessionId}`);
          await renderSessions();
        }),
      );
      const cell = document.createElement('td');
      cell.append(revoke);
      tr.append(cell);
      return tr;
    }),
  );
}

interface BrandSettings {
  requireSecondFactor: boolean;
  requireSso: boolean;
  sso: {
    issuer: string;
    clientId: string;
    groupsClaim: string;
    roleMappings: unknown[];
  } | null;
}

const brandUrl = (): string =>
  `/v1/admin/tenants/${encodeURIComponent(session.tenant)}/sign-in-settings`;

async function renderBrand(): Promise<void> {
  const s = await api<BrandSettings>('GET', brandUrl());
  $('brand-name').textContent = session.tenant;
  $<HTMLInputElement>('require-second-factor').checked = s.requireSecondFactor;
  $<HTMLInputElement>('require-sso').checked = s.requireSso;
  $<HTMLInputElement>('sso-issuer').value = s.sso?.issuer ?? '';
  $<HTMLInputElement>('sso-client-id').value = s.sso?.clientId ?? '';
  $<HTMLInputElement>('sso-groups-claim').value = s.sso?.groupsClaim ?? '';
  $<HTMLTextAreaElement>('sso-mappings').value = s.sso
    ? JSON.stringify(s.sso.roleMappings, null, 2)
    : '';
  $('redirect-uris').textContent = ['inbox', 'reports', 'settings']
    .map((p) => `${location.origin}/${p}/sso/callback`)
    .join(', ');
  $('brand').hidden = false;
}

interface GrantView {
  clientId: string;
  clientName: string;
  scopes: string[];
  locationIds: string[] | null;
  grantedAt: string;
  revokedAt: string | null;
}
interface UsageRow {
  clientId: string;
  calls: number;
  refused: number;
  failed: number;
}

const grantsUrl = (): string => `/v1/admin/tenants/${encodeURIComponent(session.tenant)}/grants`;

/** The brand's partner applications: what each may do, what it did, and a way to cut it off. */
async function renderPartners(): Promise<void> {
  const [grants, { usage }] = await Promise.all([
    api<GrantView[]>('GET', grantsUrl()),
    api<{ usage: UsageRow[] }>(
      'GET',
      `/v1/admin/tenants/${encodeURIComponent(session.tenant)}/partner-usage`,
    ),
  ]);
  const total = (clientId: string, key: 'calls' | 'refused' | 'failed'): string =>
    String(usage.filter((u) => u.clientId === clientId).reduce((n, u) => n + u[key], 0));
  $('grants-body').replaceChildren(
    ...grants
      .filter((g) => !g.revokedAt)
      .map((g) => {
        const tr = document.createElement('tr');
        tr.dataset['client'] = g.clientId;
        for (const text of [
          g.clientName,
          g.scopes.join(', '),
          g.locationIds?.join(', ') ?? 'all',
          new Date(g.grantedAt).toLocaleDateString(),
          total(g.clientId, 'calls'),
          total(g.clientId, 'refused'),
          total(g.clientId, 'failed'),
        ])
          tr.append(Object.assign(document.createElement('td'), { textContent: text }));
        const revoke = Object.assign(document.createElement('button'), {
          type: 'button',
          textContent: 'Revoke',
        });
        revoke.addEventListener('click', () =>
          act(`${g.clientName} no longer has access.`, async () => {
            await api('DELETE', `${grantsUrl()}/${g.clientId}`);
            await renderPartners();
          }),
        );
        const cell = document.createElement('td');
        cell.append(revoke);
        tr.append(cell);
        return tr;
      }),
  );
  $('partners').hidden = false;
}

async function start(): Promise<void> {
  const token = await accessToken();
  $('settings').hidden = false;
  $('policy-note').hidden = !page.secondFactorRequired;
  $('policy-note').textContent = page.secondFactorRequired
    ? 'Your brand requires a second factor: set one up below, then sign in again with its code.'
    : '';
  await renderSessions();
  if (session.tenant && permissionsOf(token).includes('tenant:settings')) {
    await renderBrand();
    await renderPartners();
  }
}

function showSignIn(message = ''): void {
  showSignInForm(message);
  $('settings').hidden = true;
}
const showSignedIn = (): void => showSignedInAs(session.tenant);

page.wireBrandSignIn($<HTMLFormElement>('signin'), async (brand) => {
  session.tenant = brand;
  showSignedIn();
  await start();
});
$('signout').addEventListener('click', () => {
  void page.signOut().then(() => showSignIn());
});

$('password-form').addEventListener('submit', (e) => {
  e.preventDefault();
  act('Password changed.', async () => {
    await api('POST', '/v1/auth/password', {
      password: $<HTMLInputElement>('changed-password').value,
    });
    $<HTMLInputElement>('changed-password').value = '';
  });
});

$('totp-start').addEventListener('click', () =>
  act('Scan the code, then type the code the app shows.', async () => {
    const { otpauthUri, secret } = await api<{ otpauthUri: string; secret: string }>(
      'POST',
      '/v1/auth/totp',
    );
    $<HTMLImageElement>('totp-qr').src = await QRCode.toDataURL(otpauthUri, { margin: 1 });
    $('totp-secret').textContent = secret;
    $('totp-confirm').hidden = false;
    $('totp-start').hidden = true;
  }),
);
$('totp-confirm').addEventListener('submit', (e) => {
  e.preventDefault();
  act('Second factor on: sign-ins now ask for its code.', async () => {
    await api('POST', '/v1/auth/totp/confirm', { code: $<HTMLInputElement>('totp-code').value });
    $('totp-confirm').hidden = true;
  });
});

$('policy-form').addEventListener('submit', (e) => {
  e.preventDefault();
  act('Sign-in settings saved.', async () => {
    const issuer = $<HTMLInputElement>('sso-issuer').value.trim();
    const secret = $<HTMLInputElement>('sso-client-secret').value;
    const claim = $<HTMLInputElement>('sso-groups-claim').value.trim();
    let roleMappings: unknown;
    try {
      roleMappings = JSON.parse($<HTMLTextAreaElement>('sso-mappings').value || '[]');
    } catch {
      throw new Error('Group → role mapping: not JSON');
    }
    await api('PUT', brandUrl(), {
      requireSecondFactor: $<HTMLInputElement>('require-second-factor').checked,
      requireSso: $<HTMLInputElement>('require-sso').checked,
      ...(issuer
        ? {
            sso: {
              issuer,
              clientId: $<HTMLInputElement>('sso-client-id').value.trim(),
              ...(secret ? { clientSecret: secret } : {}),
              ...(claim ? { groupsClaim: claim } : {}),
              roleMappings,
            },
          }
        : {}),
    });
    $<HTMLInputElement>('sso-client-secret').value = '';
    await renderBrand();
  });
});

wireSingleSignOn('/settings', $('sso'), () => $<HTMLInputElement>('tenant').value.trim());
wireChoosePassword('/settings', () => showSignIn('Password set: sign in with it.'));
if (page.signedIn()) {
  showSignedIn();
  start().catch((err: unknown) => {
    if (!(err instanceof SignedOutError)) status((err as Error).message, true);
  });
}
