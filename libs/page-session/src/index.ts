/**
 * The pages' signed-in session, shared by the inbox and the analyst page (browser code, bundled
 * into each by Vite). The session is an HttpOnly cookie the page's script never sees; the page
 * trades it for a short-lived access token kept in memory, echoing the session's CSRF token (the
 * readable `tb_csrf` cookie). Every call goes to the page's own origin (`<base>/sign-in`,
 * `/token`, `/sign-out`), which relays it to the gateway (decision 0012).
 */
import './page.css';

export class SignedOutError extends Error {}

export class PageSession {
  private token = '';
  private renewAt = 0;
  /** The tenant requires a second factor this person has not set up: the token only sets one up. */
  secondFactorRequired = false;

  constructor(private readonly base: string) {}

  csrf(): string {
    return decodeURIComponent(/(?:^|;\s*)tb_csrf=([^;]*)/.exec(document.cookie)?.[1] ?? '');
  }

  signedIn(): boolean {
    return this.csrf() !== '';
  }

  /** An access token for the APIs (renewed before it expires); `SignedOutError` when the session ended. */
  async accessToken(): Promise<string> {
    if (this.token && Date.now() < this.renewAt) return this.token;
    const res = await fetch(`${this.base}/token`, {
      method: 'POST',
      headers: { 'x-csrf-token': this.csrf() },
    });
    const body = (await res.json().catch(() => ({}))) as {
      access_token?: string;
      expires_in?: number;
      message?: string;
      second_factor_required?: boolean;
    };
    if (!res.ok || !body.access_token) {
      const message = body.message ?? `HTTP ${res.status}`;
      throw res.status === 401 ? new SignedOutError(message) : new Error(message);
    }
    this.token = body.access_token;
    this.secondFactorRequired = body.second_factor_required === true;
    this.renewAt = Date.now() + Math.max(10, (body.expires_in ?? 60) - 30) * 1000;
    return this.token;
  }

  async signOut(): Promise<void> {
    await fetch(`${this.base}/sign-out`, {
      method: 'POST',
      headers: { 'x-csrf-token': this.csrf() },
    });
    this.token = '';
  }

  /**
   * The sign-in form with its brand field (`#tenant`): the brand named, else the person's only
   * one, is kept for the tab and handed to `onSignedIn`.
   */
  wireBrandSignIn(
    form: HTMLFormElement,
    onSignedIn: (brand: string) => void | Promise<void>,
  ): void {
    const named = (): string =>
      (document.getElementById('tenant') as HTMLInputElement | null)?.value.trim() ?? '';
    this.wireSignInForm(form, {
      extra: (): Record<string, string> => (named() ? { tenantId: named() } : {}),
      onSignedIn: async ({ tenantId }) => {
        const brand = named() || tenantId || '';
        sessionStorage.setItem('tenant', brand);
        await onSignedIn(brand);
      },
    });
  }

  /**
   * Wires a sign-in form with `#email`, `#password`, `#code` (inside `#code-field`, shown when the
   * gateway asks for the second factor) and `#signin-error`; `extra` adds fields (the brand).
   */
  wireSignInForm(
    form: HTMLFormElement,
    o: {
      extra?: () => Record<string, string>;
      onSignedIn: (answer: { tenantId?: string }) => void | Promise<void>;
    },
  ): void {
    const field = (id: string) => document.getElementById(id) as HTMLInputElement;
    const error = document.getElementById('signin-error');
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void (async () => {
        const code = field('code').value.trim();
        const res = await fetch(`${this.base}/sign-in`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            email: field('email').value.trim(),
            password: field('password').value,
            ...(code ? { totp: code } : {}),
            ...o.extra?.(),
          }),
        });
        const body = (await res.json().catch(() => ({}))) as {
          tenantId?: string;
          message?: string;
        };
        if (!res.ok) {
          if (body.message?.startsWith('second factor required')) {
            const codeField = document.getElementById('code-field');
            if (codeField) codeField.hidden = false;
          }
          if (error) error.textContent = body.message ?? `HTTP ${res.status}`;
          return;
        }
        this.token = '';
        field('password').value = '';
        field('code').value = '';
        if (error) error.textContent = '';
        await o.onSignedIn(body);
      })();
    });
  }
}

/**
 * An invitation or password reset link (`?invitation=…` / `?reset=…`): wires `#choose-password`
 * (with `#new-password`) to accept it at `<base>/accept-invitation` or `<base>/reset-password`,
 * hiding `#signin` meanwhile; `onDone` runs once the password is set (then sign in with it).
 * Returns whether the page was opened by such a link.
 */
export function wireChoosePassword(base: string, onDone: () => void): boolean {
  const query = new URLSearchParams(location.search);
  const invitation = query.get('invitation');
  const reset = query.get('reset');
  const link = invitation
    ? { kind: 'invitation', value: invitation, path: 'accept-invitation' }
    : reset
      ? { kind: 'reset', value: reset, path: 'reset-password' }
      : undefined;
  const form = document.getElementById('choose-password');
  const error = document.getElementById('signin-error');
  const signIn = document.getElementById('signin');
  if (!link || !form) return false;
  if (signIn) signIn.hidden = true;
  form.hidden = false;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      const password = (document.getElementById('new-password') as HTMLInputElement).value;
      const res = await fetch(`${base}/${link.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ [link.kind]: link.value, password }),
      });
      const body = (await res.json().catch(() => ({}))) as { message?: string };
      if (!res.ok) {
        if (error) error.textContent = body.message ?? `HTTP ${res.status}`;
        return;
      }
      form.hidden = true;
      // The one-time credential leaves the address bar (and the history).
      query.delete(link.kind);
      history.replaceState(null, '', `${location.pathname}${query.size ? `?${query}` : ''}`);
      onDone();
    })();
  });
  return true;
}

/**
 * Wires a "Sign in with single sign-on" button: the browser goes to `<base>/sso?tenant=…`, the
 * tenant's identity provider, and back signed in. A refusal comes back as `?sso_error=…`, shown in
 * `#signin-error` (and dropped from the address bar).
 */
export function wireSingleSignOn(base: string, button: HTMLElement, tenant: () => string): void {
  const error = document.getElementById('signin-error');
  button.addEventListener('click', () => {
    const brand = tenant();
    if (!brand) {
      if (error) error.textContent = 'Brand: name your brand to sign in with its single sign-on';
      return;
    }
    location.assign(`${base}/sso?tenant=${encodeURIComponent(brand)}`);
  });
  const query = new URLSearchParams(location.search);
  const refused = query.get('sso_error');
  if (refused && error) {
    error.textContent = `Single sign-on: ${refused}`;
    query.delete('sso_error');
    history.replaceState(null, '', `${location.pathname}${query.size ? `?${query}` : ''}`);
  }
}

/**
 * The brand a page works for: `?tenant=` when the link names one (kept for the tab), else the one
 * this tab signed in to; shown in the sign-in form's `#tenant` field.
 */
export function initialBrand(): string {
  const linked = new URLSearchParams(location.search).get('tenant');
  if (linked) sessionStorage.setItem('tenant', linked);
  const brand = linked ?? sessionStorage.getItem('tenant') ?? '';
  const field = document.getElementById('tenant') as HTMLInputElement | null;
  if (field) field.value = brand;
  return brand;
}

/**
 * The header's two states, by the pages' shared ids: the sign-in form (`#signin`) with a message
 * in `#signin-error`, or who is signed in (`#signed-in`, `#who`).
 */
export function showSignInForm(message = ''): void {
  const signIn = document.getElementById('signin');
  const signedIn = document.getElementById('signed-in');
  const error = document.getElementById('signin-error');
  if (signIn) signIn.hidden = false;
  if (signedIn) signedIn.hidden = true;
  if (error) error.textContent = message;
}

export function showSignedInAs(brand: string): void {
  const signIn = document.getElementById('signin');
  const signedIn = document.getElementById('signed-in');
  const who = document.getElementById('who');
  const error = document.getElementById('signin-error');
  if (signIn) signIn.hidden = true;
  if (signedIn) signedIn.hidden = false;
  if (who) who.textContent = `Signed in${brand ? ` · ${brand}` : ''}`;
  if (error) error.textContent = '';
}

/** The permissions an access token carries (its `perm` claim), for what a page offers. */
export function permissionsOf(token: string): string[] {
  try {
    const part = (token.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/');
    return (JSON.parse(atob(part)) as { perm?: string[] }).perm ?? [];
  } catch {
    return [];
  }
}
