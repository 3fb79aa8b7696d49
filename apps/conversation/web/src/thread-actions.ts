import { post, type TeamMember, type ThreadView } from './api';
import { $, el } from './dom';
import { refreshThread } from './thread-view';

/** The team's actions on the thread; each refreshes the view when done. */
export function actions(threadId: string, team: TeamMember[], v: ThreadView): HTMLElement {
  const act = (what: Promise<unknown>) =>
    what
      .then(() => refreshThread())
      .catch((err: unknown) => ($('action-error').textContent = (err as Error).message));
  const assign = el(
    'select',
    { id: 'assign', ariaLabel: 'Assigned to' },
    el('option', { value: '', textContent: 'Unassigned' }),
    ...team.map((m) => el('option', { value: m.userId, textContent: m.displayName })),
  );
  assign.value = v.thread.assignedTo ?? '';
  assign.onchange = () =>
    void act(post(`/threads/${threadId}/assign`, { assignee: assign.value || null }));
  const name = el('input', {
    id: 'customer-name',
    placeholder: 'Customer name',
    value: v.thread.customerName ?? '',
  });
  name.onchange = () =>
    void act(
      post(
        `/threads/${threadId}/customer-name`,
        { customerName: name.value.trim() || null },
        'PUT',
      ),
    );
  const amount = el('input', {
    id: 'book-amount',
    type: 'number',
    min: '0',
    step: '0.01',
    placeholder: 'Value $',
  });
  const book = el('button', { type: 'button', id: 'book', textContent: 'Book' });
  book.onclick = () => {
    const dollars = Number(amount.value);
    const value =
      amount.value && Number.isFinite(dollars)
        ? { amountMinor: Math.round(dollars * 100), currency: 'USD' }
        : undefined;
    void act(post(`/threads/${threadId}/book`, value ? { value } : {}));
  };
  const outcome = el(
    'select',
    { id: 'close-outcome', ariaLabel: 'Outcome' },
    el('option', { value: 'won', textContent: 'Won' }),
    el('option', { value: 'lost', textContent: 'Lost' }),
  );
  const reason = el('input', { id: 'close-reason', placeholder: 'Reason' });
  const close = el('button', { type: 'button', id: 'close', textContent: 'Close' });
  close.onclick = () =>
    void act(
      post(`/threads/${threadId}/close`, {
        outcome: outcome.value,
        ...(reason.value.trim() ? { reason: reason.value.trim() } : {}),
      }),
    );
  return el(
    'div',
    { className: 'actions' },
    el('label', {}, 'Assigned ', assign),
    name,
    el('span', { className: 'group' }, amount, book),
    el('span', { className: 'group' }, outcome, reason, close),
    el('p', { id: 'action-error', className: 'error', role: 'alert' }),
  );
}
