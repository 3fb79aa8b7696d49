import { api, type ThreadRow } from './api';
import { $, ago, el } from './dom';

/**
 * The thread list: the filters as the person set them, one page at a time (a cursor for the
 * next), and a live refresh that updates the rows it shows without losing the pages loaded.
 */
interface Page {
  threads: ThreadRow[];
  nextCursor: string | null;
}

const state = {
  rows: [] as ThreadRow[],
  next: null as string | null,
  selected: undefined as string | undefined,
  /** Bumped on sign-out and on every new query: an answer to an older one is not shown. */
  generation: 0,
  onOpen: (_threadId: string): void => undefined,
};

export function listState() {
  return state;
}

function filters(): Record<string, string> {
  const value = (id: string) => $<HTMLInputElement | HTMLSelectElement>(id).value.trim();
  return {
    q: value('search'),
    locationId: value('f-location'),
    status: value('f-status'),
    assignee: value('f-assignee'),
    order: value('f-order'),
    urgent: $<HTMLInputElement>('f-urgent').checked ? 'true' : '',
    limit: '50',
  };
}

function row(t: ThreadRow): HTMLElement {
  const who = t.customerName ? `${t.customerName} · ${t.customerNumber}` : t.customerNumber;
  const tags = [
    ...(t.optedOut ? [el('span', { className: 'tag optout', textContent: 'opted out' })] : []),
    ...(t.status === 'closed'
      ? [el('span', { className: 'tag', textContent: t.closeOutcome ?? 'closed' })]
      : []),
    ...(t.waitingSince && t.status === 'open'
      ? [el('span', { className: 'tag waiting', textContent: `waiting ${ago(t.waitingSince)}` })]
      : []),
  ];
  return el(
    'button',
    {
      type: 'button',
      className:
        `${t.urgent ? 'urgent' : ''} ${t.threadId === state.selected ? 'selected' : ''}`.trim(),
      onclick: () => state.onOpen(t.threadId),
    },
    el('strong', { textContent: who }),
    ...(t.urgent ? [el('span', { className: 'badge', textContent: 'urgent' })] : []),
    ...tags,
    el('div', { className: 'preview', textContent: t.preview ?? '' }),
    el('div', {
      className: 'meta',
      textContent: [
        t.locationName ?? t.locationId,
        t.assigneeName ? `→ ${t.assigneeName}` : t.assignedTo ? '→ assigned' : 'unassigned',
        t.leadStatus ?? 'no lead',
        ago(t.lastMessageAt),
      ].join(' · '),
    }),
  );
}

function draw(): void {
  const list = $('threads');
  list.replaceChildren(
    ...(state.rows.length === 0
      ? [el('p', { className: 'hint', textContent: 'No conversations match.' })]
      : state.rows.map(row)),
  );
  $('more').hidden = state.next === null;
  list.dataset['loaded'] = 'true';
}

/** The first page for the filters as set now. */
export async function loadThreads(): Promise<void> {
  const asked = ++state.generation;
  try {
    const page = await api<Page>('/threads', {}, filters());
    if (asked !== state.generation) return;
    state.rows = page.threads;
    state.next = page.nextCursor;
    draw();
  } catch (err) {
    if (asked !== state.generation) return;
    $('threads').replaceChildren(
      el('p', {
        className: 'error',
        textContent: `Could not load threads: ${(err as Error).message}`,
      }),
    );
  }
}

/** The next page, after the rows shown. */
export async function loadMore(): Promise<void> {
  if (!state.next) return;
  const asked = state.generation;
  const page = await api<Page>('/threads', {}, { ...filters(), cursor: state.next });
  if (asked !== state.generation) return;
  const shown = new Set(state.rows.map((r) => r.threadId));
  state.rows.push(...page.threads.filter((r) => !shown.has(r.threadId)));
  state.next = page.nextCursor;
  draw();
}

/**
 * After a live change: the first page again, merged with the pages loaded beyond it (a thread
 * that moved to the top is shown once, at the top).
 */
export async function refreshThreads(): Promise<void> {
  const asked = state.generation;
  const page = await api<Page>('/threads', {}, filters()).catch(() => undefined);
  if (!page || asked !== state.generation) return;
  const top = new Set(page.threads.map((r) => r.threadId));
  const beyond = state.rows.slice(page.threads.length).filter((r) => !top.has(r.threadId));
  state.rows = [...page.threads, ...beyond];
  if (state.rows.length === page.threads.length) state.next = page.nextCursor;
  draw();
}

export function markSelected(threadId: string | undefined): void {
  state.selected = threadId;
  draw();
}

export function clearThreads(): void {
  state.generation += 1;
  state.rows = [];
  state.next = null;
  $('threads').replaceChildren();
  $('more').hidden = true;
}

/** The filters re-query as they change (typing in search waits for a pause). */
export function wireFilters(): void {
  let typing: number | undefined;
  $('search').addEventListener('input', () => {
    clearTimeout(typing);
    typing = window.setTimeout(() => void loadThreads(), 300);
  });
  for (const id of ['f-location', 'f-status', 'f-assignee', 'f-order', 'f-urgent'])
    $(id).addEventListener('change', () => void loadThreads());
  $('filters').addEventListener('submit', (e) => {
    e.preventDefault();
    void loadThreads();
  });
  $('more').addEventListener('click', () => void loadMore());
}

export async function loadLocations(): Promise<void> {
  const locations = await api<{ locationId: string; locationName: string }[]>('/locations');
  $('f-location').replaceChildren(
    el('option', { value: '', textContent: 'All locations' }),
    ...locations.map((l) => el('option', { value: l.locationId, textContent: l.locationName })),
  );
}
