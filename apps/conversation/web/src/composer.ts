import { api, post } from './api';
import { el } from './dom';
import { refreshThread } from './thread-view';

/**
 * The reply box: canned replies filled in for this customer, the draft saved on the server as
 * the person types (another device, a reload, a live update never lose it), and Send.
 */
export function composer(threadId: string, draft: string): HTMLElement {
  const text = el('textarea', {
    name: 'reply',
    placeholder: 'Reply as the business…',
    value: draft,
  });
  const send = el('button', { type: 'submit', textContent: 'Send' });
  const saved = el('span', {
    className: 'meta draft-state',
    textContent: draft ? 'Draft saved' : '',
  });
  const canned = el(
    'select',
    { name: 'canned', ariaLabel: 'Canned reply' },
    el('option', { value: '', textContent: 'Canned replies…' }),
  );
  const error = el('p', { className: 'error', role: 'alert' });
  const form = el(
    'form',
    { className: 'reply' },
    el('div', { className: 'tools' }, canned, saved),
    text,
    send,
    error,
  );

  type Filled = { replyId: string; title: string; text: string }[];
  const filledNow = () => api<Filled>(`/threads/${threadId}/canned-replies`);
  void filledNow()
    .then((replies) =>
      canned.append(
        ...replies.map((r) => el('option', { value: r.replyId, textContent: r.title })),
      ),
    )
    .catch(() => (canned.hidden = true));
  // Filled in when chosen: the customer's name may have been noted since the box opened.
  canned.onchange = () => {
    const replyId = canned.value;
    canned.value = '';
    void filledNow().then((replies) => {
      const chosen = replies.find((r) => r.replyId === replyId);
      if (!chosen) return;
      text.value = text.value.trim() ? `${text.value.trimEnd()} ${chosen.text}` : chosen.text;
      text.focus();
      text.dispatchEvent(new Event('input'));
    });
  };

  // Saved a moment after the typing stops; the last save wins.
  let pause: number | undefined;
  let saving = Promise.resolve();
  const save = () => {
    const body = text.value;
    saving = saving
      .then(() => post(`/threads/${threadId}/draft`, { text: body }, 'PUT'))
      .then(() => {
        saved.textContent = body.trim() ? 'Draft saved' : '';
      })
      .catch(() => {
        saved.textContent = 'Draft not saved';
      });
    return saving;
  };
  text.addEventListener('input', () => {
    saved.textContent = '';
    clearTimeout(pause);
    pause = window.setTimeout(() => void save(), 600);
  });

  form.onsubmit = (e) => {
    e.preventDefault();
    const body = text.value.trim();
    if (!body) return;
    clearTimeout(pause);
    send.disabled = true;
    error.textContent = '';
    void saving
      .then(() => post(`/threads/${threadId}/reply`, { text: body }))
      .then(() => {
        // Sent: the server dropped the draft with it.
        text.value = '';
        saved.textContent = '';
        return refreshThread();
      })
      .catch((err: unknown) => (error.textContent = `Not sent: ${(err as Error).message}`))
      .finally(() => (send.disabled = false));
  };
  return form;
}
