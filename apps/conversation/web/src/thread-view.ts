import { api, post, type Message, type TeamMember, type ThreadView } from './api';
import { composer } from './composer';
import { actions } from './thread-actions';
import { $, el, time } from './dom';

/**
 * One conversation: who and where, what to know before typing (opt-out, the customer's clock),
 * the team's actions, the messages with their authors and delivery, internal notes, and the
 * composer. A live update redraws all of it but the composer and a field being typed in.
 */
export const current = { threadId: undefined as string | undefined, mayWrite: false };

function authorOf(m: Message, customer: string): string {
  if (m.direction === 'inbound') return customer;
  if (m.author === 'automation') return 'Automatic';
  return m.authorName ?? 'A teammate';
}

/** One message: its author, time and delivery state; a text not sent says why. */
function messageView(m: Message, customer: string): HTMLElement {
  const failed = m.status === 'failed';
  const state =
    m.direction === 'inbound' ? '' : m.status === 'requested' ? 'sending…' : failed ? '' : m.status;
  return el(
    'div',
    {
      className: `message ${m.direction}${failed ? ' failed' : ''}${m.status === 'requested' ? ' pending' : ''}`,
    },
    el('div', { className: 'body', textContent: m.body ?? '' }),
    ...(failed
      ? [
          el('div', {
            className: 'failure',
            textContent: `Not delivered: ${m.failureReason ?? 'the carrier refused it'}`,
          }),
        ]
      : []),
    el('div', {
      className: 'meta author',
      textContent: [authorOf(m, customer), time(m.at), state].filter(Boolean).join(' · '),
    }),
  );
}

const tierNames = ['the team', 'the managers', "the brand's on-call"];

function heading(v: ThreadView): HTMLElement[] {
  const t = v.thread;
  const clock = v.customerClock;
  const notices: HTMLElement[] = [];
  if (t.optedOut)
    notices.push(
      el('p', {
        className: 'notice optout',
        textContent:
          'This customer opted out (STOP): texts to them are refused until they opt back in.',
      }),
    );
  if (clock)
    notices.push(
      el('p', {
        className: `notice clock${clock.quietHours ? ' quiet' : ''}`,
        textContent: clock.quietHours
          ? `Customer's time ${clock.localTime}: quiet hours until ${clock.windowOpensAt ? time(clock.windowOpensAt) : 'morning'}. A reply to their message still goes; follow-ups wait.`
          : `Customer's time ${clock.localTime}.`,
      }),
    );
  if (v.escalation.length > 0 && t.waitingSince)
    notices.push(
      el('p', {
        className: 'notice escalation',
        textContent: `Waiting since ${time(t.waitingSince)}. Told: ${v.escalation
          .map((s) => `${tierNames[s.tier] ?? `tier ${s.tier}`} ${time(s.at)}`)
          .join(', ')}.`,
      }),
    );
  return [
    el('button', { type: 'button', id: 'back', textContent: '← Conversations' }),
    el('h2', {
      textContent: t.customerName ? `${t.customerName} · ${t.customerNumber}` : t.customerNumber,
    }),
    el('div', {
      className: 'meta',
      textContent: [
        t.brandName && t.locationName ? `${t.brandName} — ${t.locationName}` : t.locationId,
        t.urgent ? 'urgent' : undefined,
        `lead ${v.lead?.status ?? '—'}`,
        v.lead?.serviceType,
        v.lead?.zip,
        t.status === 'closed'
          ? `closed ${t.closeOutcome ?? ''}${t.closeReason ? `: ${t.closeReason}` : ''}`
          : 'open',
        t.automation ? 'automatic questions on' : undefined,
      ]
        .filter(Boolean)
        .join(' · '),
    }),
    ...notices,
  ];
}

function notesView(threadId: string, v: ThreadView): HTMLElement {
  const text = el('textarea', {
    name: 'note',
    placeholder: 'Internal note (the customer never sees it)',
  });
  const form = el(
    'form',
    { className: 'note-form' },
    text,
    el('button', { type: 'submit', textContent: 'Add note' }),
  );
  form.onsubmit = (e) => {
    e.preventDefault();
    if (!text.value.trim()) return;
    void post(`/threads/${threadId}/notes`, { text: text.value.trim() }).then(() => {
      text.value = '';
      return refreshThread({ notes: true });
    });
  };
  return el(
    'section',
    { className: 'notes', ariaLabel: 'Notes' },
    el('h3', { textContent: 'Notes' }),
    ...v.notes.map((n) =>
      el(
        'div',
        { className: 'note' },
        n.body,
        el('div', {
          className: 'meta',
          textContent: `${n.authorName ?? 'A teammate'} · ${time(n.at)}`,
        }),
      ),
    ),
    ...(current.mayWrite ? [form] : []),
  );
}

let team: TeamMember[] = [];

/** Opens a thread: the whole pane, the composer with the reader's saved draft. */
export async function openThread(threadId: string, mayWrite: boolean): Promise<void> {
  current.threadId = threadId;
  current.mayWrite = mayWrite;
  const pane = $('thread');
  let v: ThreadView;
  try {
    [v, team] = await Promise.all([
      api<ThreadView>(`/threads/${threadId}`),
      mayWrite ? api<TeamMember[]>('/team') : Promise.resolve([]),
    ]);
  } catch (err) {
    // A stale or mistyped link: say so instead of leaving the pane blank.
    current.threadId = undefined;
    pane.replaceChildren(
      el('p', {
        className: 'error',
        textContent: `Cannot open this conversation: ${(err as Error).message}`,
      }),
    );
    return;
  }
  if (current.threadId !== threadId) return;
  document.body.classList.add('thread-open');
  pane.replaceChildren(
    el('div', { id: 'thread-head' }, ...heading(v)),
    ...(mayWrite ? [actions(threadId, team, v)] : []),
    el(
      'div',
      { className: 'messages' },
      ...v.messages.map((m) => messageView(m, v.thread.customerName ?? 'Customer')),
    ),
    el('div', { id: 'notes' }, notesView(threadId, v)),
    mayWrite
      ? composer(threadId, v.draft?.body ?? '')
      : el('p', {
          className: 'read-only',
          textContent: 'Read-only: your role may read this conversation, not reply to it.',
        }),
  );
  wireBack();
}

/**
 * After a live change: everything but the composer and a field being typed in (`notes`: the
 * notes too, once the person's own note was added).
 */
export async function refreshThread(redraw: { notes?: boolean } = {}): Promise<void> {
  const threadId = current.threadId;
  if (!threadId) return;
  const v = await api<ThreadView>(`/threads/${threadId}`).catch(() => undefined);
  if (!v || current.threadId !== threadId) return;
  $('thread-head').replaceChildren(...heading(v));
  wireBack();
  const messages = document.querySelector('#thread .messages');
  messages?.replaceChildren(
    ...v.messages.map((m) => messageView(m, v.thread.customerName ?? 'Customer')),
  );
  const assign = document.getElementById('assign') as HTMLSelectElement | null;
  if (assign && document.activeElement !== assign) assign.value = v.thread.assignedTo ?? '';
  const notes = $('notes');
  if (redraw.notes || !notes.contains(document.activeElement))
    notes.replaceChildren(notesView(threadId, v));
}

function wireBack(): void {
  $('back').onclick = () => {
    document.body.classList.remove('thread-open');
    current.threadId = undefined;
  };
}

export function closeThread(): void {
  current.threadId = undefined;
  document.body.classList.remove('thread-open');
  $('thread').replaceChildren();
}
