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
 * The operator inbox: threads of a tenant (urgent first, and marked), one conversation at a
 * time, and a reply box that sends from the business number through the inbox API.
 */
interface ThreadRow {
  threadId: string;
  locationId: string;
  customerNumber: string;
  urgent: boolean;
  status: string;
  leadStatus: string | null;
  lastMessageAt: string;
}
interface Message {
  messageId: string;
  direction: 'inbound' | 'outbound';
  author: string;
  body: string | null;
  status: string;
  failureReason: string | null;
  at: string;
}
interface ThreadView {
  thread: ThreadRow & { automation: boolean };
  lead?: { status: string; serviceType: string | null; zip: string | null; urgent: boolean };
  messages: Message[];
}

/** The signed-in session (libs/page-session) and the brand this page shows. */
const page = new PageSession('/inbox');
const session = { tenant: initialBrand() };

async function accessToken(): Promise<string> {
  try {
    const token = await page.accessToken();
    if (page.secondFactorRequired)
      $('signin-error').textContent =
        'Your brand requires a second factor: set one up on the settings page (/settings), then sign in again with its code.';
    return token;
  } catch (err) {
    if (err instanceof SignedOutError) showSignIn(err.message);
    throw err;
  }
}
let selected: string | undefined;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const el = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

/** Every inbox route names the tenant it reads. */
async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const url = new URL(`/v1/inbox${path}`, location.origin);
  url.searchParams.set('tenantId', session.tenant);
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

/** Bumped when the page signs out: a list still loading then is not shown. */
let shownSince = 0;

async function renderThreads(): Promise<void> {
  const list = $('threads');
  const asked = shownSince;
  try {
    const threads = await api<ThreadRow[]>('/threads');
    if (asked !== shownSince) return;
    list.replaceChildren(
      ...(threads.length === 0
        ? [el('p', { className: 'hint', textContent: 'No conversations yet.' })]
        : []),
      ...threads.map((t) =>
        el(
          'button',
          {
            className:
              `${t.urgent ? 'urgent' : ''} ${t.threadId === selected ? 'selected' : ''}`.trim(),
            onclick: () => void openThread(t.threadId),
          },
          el('strong', { textContent: t.customerNumber }),
          ...(t.urgent ? [el('span', { className: 'badge', textContent: 'urgent' })] : []),
          el('div', {
            className: 'meta',
            textContent: `${t.locationId} · ${t.leadStatus ?? 'no lead'} · ${new Date(t.lastMessageAt).toLocaleString()}`,
          }),
        ),
      ),
    );
    list.dataset['loaded'] = 'true';
  } catch (err) {
    if (asked !== shownSince) return;
    list.replaceChildren(
      el('p', {
        className: 'error',
        textContent: `Could not load threads: ${(err as Error).message}`,
      }),
    );
  }
}

/** One message; a text that was not sent (or failed) says so, with the reason. */
function messageView(m: Message): HTMLElement {
  const failed = m.status === 'failed';
  return el(
    'div',
    {
      className: `message ${m.direction}${failed ? ' failed' : ''}${m.status === 'requested' ? ' pending' : ''}`,
      title: `${m.author} · ${m.status}`,
    },
    m.body ?? '',
    ...(failed
      ? [
          el('div', {
            className: 'failure',
            textContent: `Not delivered: ${m.failureReason ?? 'the carrier refused it'}`,
          }),
        ]
      : []),
    ...(m.status === 'requested'
      ? [el('div', { className: 'meta', textContent: 'sending…' })]
      : []),
  );
}

async function openThread(threadId: string): Promise<void> {
  selected = threadId;
  const pane = $('thread');
  let view: ThreadView;
  try {
    view = await api<ThreadView>(`/threads/${threadId}`);
  } catch (err) {
    // A stale or mistyped link: say so instead of leaving the pane blank.
    selected = undefined;
    pane.replaceChildren(
      el('p', {
        className: 'error',
        textContent: `Cannot open this conversation: ${(err as Error).message}`,
      }),
    );
    return;
  }
  const text = el('textarea', { name: 'reply', placeholder: 'Reply as the business…' });
  const send = el('button', { type: 'submit', textContent: 'Send' });
  const form = el('form', { className: 'reply' }, text, send);
  form.onsubmit = (e) => {
    e.preventDefault();
    if (!text.value.trim()) return;
    send.disabled = true;
    void api(`/threads/${threadId}/reply`, {
      method: 'POST',
      body: JSON.stringify({ author: 'inbox', text: text.value.trim() }),
    })
      .then(() => openThread(threadId))
      .catch((err: unknown) =>
        form.append(
          el('p', { className: 'error', textContent: `Not sent: ${(err as Error).message}` }),
        ),
      )
      .finally(() => (send.disabled = false));
  };
  // The token says what the person may do (the API decides; the page only hides what would fail).
  const mayReply = permissionsOf(await accessToken()).includes('inbox:write');
  pane.replaceChildren(
    el('h2', { textContent: view.thread.customerNumber }),
    el('div', {
      className: 'meta',
      textContent: `Lead: ${view.lead?.status ?? '—'}${view.lead?.serviceType ? ` · ${view.lead.serviceType}` : ''}${view.lead?.zip ? ` · ${view.lead.zip}` : ''}${view.thread.automation ? ' · automatic questions on' : ''}`,
    }),
    el('div', { className: 'messages' }, ...view.messages.map(messageView)),
    mayReply
      ? form
      : el('p', {
          className: 'read-only',
          textContent: 'Read-only: your role may read this conversation, not reply to it.',
        }),
  );
  await renderThreads();
}

const showSignIn = showSignInForm;
const showSignedIn = (): void => showSignedInAs(session.tenant);

page.wireBrandSignIn($<HTMLFormElement>('signin'), async (brand) => {
  session.tenant = brand;
  showSignedIn();
  await start();
});

$('signout').addEventListener('click', () => {
  stream?.close();
  shownSince += 1;
  void page.signOut().then(() => {
    $('threads').replaceChildren();
    $('thread').replaceChildren();
    showSignIn();
  });
});
const linked = new URLSearchParams(location.search);
/** An invitation or password reset link: the person chooses a password, then signs in with it. */
wireChoosePassword('/inbox', () => showSignIn('Password set: sign in with it.'));
wireSingleSignOn('/inbox', $('sso'), () => $<HTMLInputElement>('tenant').value.trim());
/** A link from the reports' calls list opens its thread (`?tenant=…&thread=…`). */
async function start(): Promise<void> {
  await renderThreads();
  const thread = linked.get('thread');
  if (thread && !selected) await openThread(thread);
  listen();
}

/**
 * Live updates (Server-Sent Events, authorized by the session cookie): the stream names the
 * thread that changed and the page reloads what shows it. The server re-checks the session and
 * says `signed-out` when it ended or access went.
 */
let stream: EventSource | undefined;
function listen(): void {
  stream?.close();
  const query = new URLSearchParams({ tenant: session.tenant, csrf: page.csrf() });
  const events = new EventSource(`/inbox/events?${query.toString()}`);
  stream = events;
  let refresh: number | undefined;
  let selectedChanged = false;
  // (Re)connected: what changed while the stream was down is read once.
  let first = true;
  events.addEventListener('ready', () => {
    if (!first) void renderThreads();
    first = false;
  });
  events.addEventListener('change', (e) => {
    const { threadId } = JSON.parse((e as MessageEvent<string>).data) as { threadId: string };
    selectedChanged ||= threadId === selected;
    // A burst of changes (a message and its delivery report): one refresh.
    clearTimeout(refresh);
    refresh = window.setTimeout(() => {
      void (selectedChanged && selected ? openThread(selected) : renderThreads());
      selectedChanged = false;
    }, 150);
  });
  events.addEventListener('signed-out', (e) => {
    events.close();
    clearTimeout(refresh);
    shownSince += 1;
    const { message } = JSON.parse((e as MessageEvent<string>).data) as { message: string };
    $('threads').replaceChildren();
    $('thread').replaceChildren();
    showSignIn(message);
  });
  // Refused at the start (a session that ended): the token request says why and shows sign-in.
  events.onerror = () => {
    if (events.readyState === EventSource.CLOSED) void accessToken().catch(() => undefined);
  };
}

if (page.signedIn()) {
  showSignedIn();
  void start();
}
