import { PageSession, SignedOutError, initialBrand } from '@textback/page-session';

/** The inbox API's shapes, as the page reads them. */
export interface ThreadRow {
  threadId: string;
  locationId: string;
  locationName: string | null;
  customerNumber: string;
  customerName: string | null;
  urgent: boolean;
  optedOut: boolean;
  status: 'open' | 'closed';
  closeOutcome: 'won' | 'lost' | null;
  assignedTo: string | null;
  assigneeName: string | null;
  waitingSince: string | null;
  leadStatus: string | null;
  lastMessageAt: string;
  preview: string | null;
}
export interface Message {
  messageId: string;
  direction: 'inbound' | 'outbound';
  author: string;
  authorName: string | null;
  body: string | null;
  status: string;
  failureReason: string | null;
  at: string;
}
export interface ThreadView {
  thread: ThreadRow & { automation: boolean; closeReason: string | null; brandName: string | null };
  lead: { status: string; serviceType: string | null; zip: string | null } | null;
  messages: Message[];
  notes: { noteId: string; body: string; authorName: string | null; at: string }[];
  draft: { body: string } | null;
  /** Each tier told while the customer waited: 0 team, 1 managers, 2 the brand's on-call. */
  escalation: { tier: number; people: number; at: string }[];
  customerClock: { localTime: string; quietHours: boolean; windowOpensAt?: string } | null;
}
export interface TeamMember {
  userId: string;
  displayName: string;
  role: string;
}

/** The signed-in session (libs/page-session) and the brand this page shows. */
export const page = new PageSession('/inbox');
export const session = { tenant: initialBrand() };

/** Set by the page: what to do when the session has ended (show the sign-in form). */
export const onSignedOut = { show: (_message: string): void => undefined };

export async function accessToken(): Promise<string> {
  try {
    const token = await page.accessToken();
    const error = document.getElementById('signin-error');
    if (page.secondFactorRequired && error)
      error.textContent =
        'Your brand requires a second factor: set one up on the settings page (/settings), then sign in again with its code.';
    return token;
  } catch (err) {
    if (err instanceof SignedOutError) onSignedOut.show(err.message);
    throw err;
  }
}

/** Every inbox route names the tenant it reads; an error carries the API's reason. */
export async function api<T>(
  path: string,
  init: RequestInit = {},
  query: Record<string, string> = {},
): Promise<T> {
  const url = new URL(`/v1/inbox${path}`, location.origin);
  url.searchParams.set('tenantId', session.tenant);
  for (const [k, v] of Object.entries(query)) if (v) url.searchParams.set(k, v);
  const res = await fetch(url, {
    ...init,
    headers: {
      authorization: `Bearer ${await accessToken()}`,
      'content-type': 'application/json',
      ...(init.headers ?? {}),
    },
  });
  if (!res.ok)
    throw new Error(
      ((await res.json().catch(() => ({}))) as { message?: string }).message ??
        `HTTP ${res.status}`,
    );
  return res.status === 204 ? (undefined as T) : ((await res.json()) as T);
}

export const post = <T = void>(path: string, body: unknown, method = 'POST'): Promise<T> =>
  api<T>(path, { method, body: JSON.stringify(body) });

/** The user id in the access token (`user:<id>`), to mark what is the reader's own. */
export async function myUserId(): Promise<string | undefined> {
  try {
    const part = ((await accessToken()).split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/');
    const sub = (JSON.parse(atob(part)) as { sub?: string }).sub ?? '';
    return sub.startsWith('user:') ? sub.slice(5) : undefined;
  } catch {
    return undefined;
  }
}
