import { api, post } from './api';
import { $, el } from './dom';

/**
 * The person's alerts: by which channels they are told of customers waiting, when they are on
 * shift (off shift only urgent threads reach them), and Web Push on this device (a service
 * worker shows the alert; conversation sends it with its VAPID key).
 */
interface AlertSettings {
  channels: string[];
  timezone: string | null;
  shifts: Record<string, { open: string; close: string }[]> | null;
  reachable: { sms: boolean; email: boolean; push: number };
  vapidPublicKey: string | null;
}

const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const channelLabels: Record<string, string> = {
  sms: 'Text message',
  push: 'Push on my devices',
  email: 'E-mail',
};

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const raw = atob(base64url.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

/** A browser promise that may never settle (no push service reachable), bounded. */
function withTimeout<T>(p: Promise<T>, what: string, ms = 15_000): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} did not answer`)), ms),
    ),
  ]);
}

/** Subscribes this browser to push and tells conversation where to send. */
async function enablePush(vapidKey: string): Promise<void> {
  if (!('serviceWorker' in navigator) || !('PushManager' in window))
    throw new Error('this browser does not support push notifications');
  if ((await Notification.requestPermission()) !== 'granted')
    throw new Error('notifications are blocked for this site');
  // The page is `/inbox` itself: the worker's scope is that path (the server allows it).
  await navigator.serviceWorker.register('/inbox/sw.js', { scope: '/inbox' });
  const registration = await withTimeout(navigator.serviceWorker.ready, 'the service worker');
  const subscription = await withTimeout(
    registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(vapidKey),
    }),
    "the browser's push service",
  );
  await post('/push-subscriptions', subscription.toJSON());
}

export async function showAlertSettings(): Promise<void> {
  const panel = $('alerts-panel');
  const s = await api<AlertSettings>('/alert-settings');
  const status = el('p', { className: 'meta', id: 'alerts-status', role: 'status' });
  const boxes = (['sms', 'push', 'email'] as const).map((c) => {
    const box = el('input', {
      type: 'checkbox',
      name: `channel-${c}`,
      checked: s.channels.includes(c),
    });
    const reach =
      c === 'push' ? s.reachable.push > 0 : c === 'sms' ? s.reachable.sms : s.reachable.email;
    return el('label', {}, box, ` ${channelLabels[c] ?? c}`, reach ? '' : ' (not set up)');
  });
  const anyShift = s.shifts !== null;
  const first = s.shifts ? Object.values(s.shifts).flat()[0] : undefined;
  const onShift = el('input', { type: 'checkbox', id: 'has-shift', checked: anyShift });
  const from = el('input', { type: 'time', id: 'shift-from', value: first?.open ?? '08:00' });
  const to = el('input', { type: 'time', id: 'shift-to', value: first?.close ?? '17:00' });
  const dayBoxes = days.map((d) =>
    el(
      'label',
      {},
      el('input', {
        type: 'checkbox',
        name: `day-${d}`,
        checked: !s.shifts || (s.shifts[d]?.length ?? 0) > 0,
      }),
      ` ${d}`,
    ),
  );
  const save = el('button', { type: 'button', id: 'alerts-save', textContent: 'Save' });
  save.onclick = () => {
    const channels = boxes.flatMap((b, i) =>
      b.querySelector('input')?.checked ? [['sms', 'push', 'email'][i] ?? ''] : [],
    );
    const shifts = onShift.checked
      ? Object.fromEntries(
          days.flatMap((d, i) =>
            dayBoxes[i]?.querySelector('input')?.checked
              ? [[d, [{ open: from.value, close: to.value }]]]
              : [],
          ),
        )
      : null;
    const timezone = s.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
    void post('/alert-settings', { channels, timezone, shifts }, 'PUT')
      .then(() => (status.textContent = 'Saved.'))
      .catch((err: unknown) => (status.textContent = `Not saved: ${(err as Error).message}`));
  };
  const push = el('button', {
    type: 'button',
    id: 'push-enable',
    textContent: 'Enable push on this device',
  });
  push.hidden = !s.vapidPublicKey;
  push.onclick = () =>
    void enablePush(s.vapidPublicKey ?? '')
      .then(() => (status.textContent = 'Push enabled on this device.'))
      .catch(
        (err: unknown) => (status.textContent = `Push not enabled: ${(err as Error).message}`),
      );
  panel.replaceChildren(
    el('h2', { textContent: 'My alerts' }),
    el('p', { className: 'meta', textContent: 'When a customer waits for a reply, tell me by:' }),
    ...boxes,
    el(
      'p',
      {},
      el('label', {}, onShift, ' I work shifts: outside them, only urgent threads alert me'),
    ),
    el('p', {}, 'From ', from, ' to ', to, ' on ', ...dayBoxes),
    el('p', {}, save, ' ', push),
    status,
  );
  panel.hidden = false;
}
