import {
  permissionsOf,
  showSignedInAs,
  showSignInForm,
  wireChoosePassword,
  wireSingleSignOn,
} from '@textback/page-session';
import { showAlertSettings } from './alert-settings';
import { accessToken, onSignedOut, page, session } from './api';
import { $ } from './dom';
import {
  clearThreads,
  listState,
  loadLocations,
  loadThreads,
  markSelected,
  refreshThreads,
  wireFilters,
} from './thread-list';
import { closeThread, current, openThread, refreshThread } from './thread-view';
import './style.css';

/**
 * The team inbox: the signed-in person's locations' threads (filters, search, paging), one
 * conversation at a time with the team's actions, notes and a composer whose draft lives on the
 * server, kept current by a live stream. On a phone the list and the conversation take turns.
 */
const showSignedIn = (): void => showSignedInAs(session.tenant);

function signedOut(message = ''): void {
  stream?.close();
  $('alerts-panel').hidden = true;
  clearThreads();
  closeThread();
  showSignInForm(message);
}
onSignedOut.show = signedOut;

async function open(threadId: string): Promise<void> {
  markSelected(threadId);
  const mayWrite = permissionsOf(await accessToken()).includes('inbox:write');
  await openThread(threadId, mayWrite);
}
listState().onOpen = (threadId) => void open(threadId);

page.wireBrandSignIn($<HTMLFormElement>('signin'), async (brand) => {
  session.tenant = brand;
  showSignedIn();
  await start();
});

$('alerts-button').addEventListener('click', () => {
  const panel = $('alerts-panel');
  if (!panel.hidden) panel.hidden = true;
  else void showAlertSettings().catch((err: unknown) => window.alert((err as Error).message));
});

$('signout').addEventListener('click', () => {
  void page.signOut().then(() => signedOut());
});
const linked = new URLSearchParams(location.search);
/** An invitation or password reset link: the person chooses a password, then signs in with it. */
wireChoosePassword('/inbox', () => showSignInForm('Password set: sign in with it.'));
wireSingleSignOn('/inbox', $('sso'), () => $<HTMLInputElement>('tenant').value.trim());
wireFilters();

/** A link from the reports' calls list opens its thread (`?tenant=…&thread=…`). */
async function start(): Promise<void> {
  await Promise.all([loadThreads(), loadLocations().catch(() => undefined)]);
  const thread = linked.get('thread');
  if (thread && !current.threadId) await open(thread);
  listen();
}

/**
 * Live updates (Server-Sent Events, authorized by the session cookie): the stream names the
 * thread that changed; the list and the open thread are read again — never the composer. The
 * server re-checks the session and says `signed-out` when it ended or access went.
 */
let stream: EventSource | undefined;
function listen(): void {
  stream?.close();
  const query = new URLSearchParams({ tenant: session.tenant, csrf: page.csrf() });
  const events = new EventSource(`/inbox/events?${query.toString()}`);
  stream = events;
  let refresh: number | undefined;
  let openChanged = false;
  // (Re)connected: what changed while the stream was down is read once.
  let first = true;
  events.addEventListener('ready', () => {
    if (!first) void Promise.all([refreshThreads(), refreshThread()]);
    first = false;
  });
  events.addEventListener('change', (e) => {
    const { threadId } = JSON.parse((e as MessageEvent<string>).data) as { threadId: string };
    openChanged ||= threadId === current.threadId;
    // A burst of changes (a message and its delivery report): one refresh.
    clearTimeout(refresh);
    refresh = window.setTimeout(() => {
      void refreshThreads();
      if (openChanged) void refreshThread();
      openChanged = false;
    }, 150);
  });
  events.addEventListener('signed-out', (e) => {
    events.close();
    clearTimeout(refresh);
    const { message } = JSON.parse((e as MessageEvent<string>).data) as { message: string };
    signedOut(message);
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
