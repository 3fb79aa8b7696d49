import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  Tooltip,
} from 'chart.js';
import { PageSession, SignedOutError, wireSingleSignOn } from '@textback/page-session';
import './style.css';

/**
 * The analyst page: a tenant's funnel and ROI for a date range, as key figures and two charts
 * (Chart.js), from the reporting API; and the ROI what-if for an uploaded call log.
 */
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

interface Roi {
  currency: string;
  revenueMinor: number;
  messageCostMinor: number;
  subscriptionMinor: number;
  costMinor: number;
  roi: number | null;
  assumptions: { smsCostMicrosPerSegment: number; days: number; monthlyPriceMinor: number };
}
interface Percentiles {
  count: number;
  p50: number | null;
  p95: number | null;
}
interface Funnel {
  tenantId: string;
  totals: Record<string, number>;
  timings: {
    timeToText: Percentiles;
    timeToFirstHumanReply: Percentiles & ReplyBuckets;
  };
  series: { period: string; metrics: Record<string, number>; roi: Roi }[];
  roi: Roi;
}

/**
 * The funnel's stages, in order, and the counter each reads: one population (missed calls and
 * the texts sent for them), so each stage is part of the one before. Leads from people who texted
 * without calling are counted beside the chart, not inside it.
 */
const STAGES: [label: string, metric: string][] = [
  ['Missed calls', 'calls_missed'],
  ['Texted', 'textbacks_sent'],
  ['Delivered', 'textbacks_delivered'],
  ['Replied', 'textbacks_replied'],
  ['Qualified', 'textbacks_qualified'],
  ['Booked', 'textbacks_booked'],
];

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
const money = (minor: number, currency: string): string =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 0 }).format(
    minor / 100,
  );
/** ROI as a percentage return on cost: 0.5 → "+50%". */
const percent = (roi: number | null): string =>
  roi === null ? '—' : `${roi >= 0 ? '+' : ''}${Math.round(roi * 100)}%`;
const seconds = (s: number | null): string =>
  s === null ? '—' : s < 90 ? `${s.toFixed(1)} s` : `${(s / 60).toFixed(1)} min`;
type ReplyBuckets = Record<'count' | 'within5m' | 'within15m' | 'within60m' | 'sameDay', number>;
/** "4 / 6 / 7 / 7 of 7": first replies within each target, of all first replies. */
const replyBuckets = (r: ReplyBuckets): string =>
  r.count === 0
    ? '—'
    : `${r.within5m} / ${r.within15m} / ${r.within60m} / ${r.sameDay} of ${r.count}`;

const charts = new Map<string, Chart>();
function draw(
  id: string,
  labels: string[],
  datasets: { label: string; data: number[]; backgroundColor: string }[],
): void {
  charts.get(id)?.destroy();
  const canvas = $<HTMLCanvasElement>(id);
  // The plotted numbers, for people with screen readers and for the page's test.
  canvas.dataset['values'] = JSON.stringify(
    Object.fromEntries(datasets.map((d) => [d.label, d.data])),
  );
  canvas.setAttribute(
    'aria-label',
    datasets
      .map((d) => `${d.label}: ${labels.map((l, i) => `${l} ${d.data[i]}`).join(', ')}`)
      .join('; '),
  );
  charts.set(
    id,
    new Chart(canvas, {
      type: 'bar',
      data: { labels, datasets },
      options: {
        animation: false,
        responsive: true,
        plugins: { legend: { display: datasets.length > 1 } },
      },
    }),
  );
}

function kpi(metric: string, label: string, value: string): HTMLElement {
  const card = el(
    'div',
    { className: 'kpi' },
    el('div', { className: 'label', textContent: label }),
    el('div', { className: 'value', textContent: value }),
  );
  card.dataset['metric'] = metric;
  return card;
}

/** The signed-in session (libs/page-session). */
const page = new PageSession('/reports');

/** What the API takes: the API key typed in, else an access token of the signed-in session. */
async function credential(): Promise<string> {
  const key = $<HTMLInputElement>('key').value;
  if (key) return key;
  try {
    return await page.accessToken();
  } catch (err) {
    if (err instanceof SignedOutError) showSignedIn(false);
    throw new Error(`sign in, or enter an API key (${(err as Error).message})`);
  }
}

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, {
    ...init,
    headers: { authorization: `Bearer ${await credential()}`, ...(init.headers ?? {}) },
  });
  if (!res.ok)
    throw new Error(
      ((await res.json().catch(() => ({}))) as { message?: string }).message ??
        `HTTP ${res.status}`,
    );
  return (await res.json()) as T;
}

async function show(): Promise<void> {
  const params = new URLSearchParams({
    from: $<HTMLInputElement>('from').value,
    to: $<HTMLInputElement>('to').value,
    interval: $<HTMLSelectElement>('interval').value,
  });
  const tenant = $<HTMLInputElement>('tenant').value.trim();
  if (tenant) params.set('tenantId', tenant);
  $('status').textContent = 'Loading…';
  try {
    const f = await api<Funnel>(`/v1/reports/funnel?${params}`);
    const t = (m: string): number => f.totals[m] ?? 0;
    const cards: [string, string, string][] = [
      ['calls_missed', 'Missed calls', String(t('calls_missed'))],
      ['textbacks_sent', 'Texted back', String(t('textbacks_sent'))],
      [
        'reply_rate',
        'Reply rate',
        t('textbacks_sent')
          ? `${Math.round((t('textbacks_replied') / t('textbacks_sent')) * 100)}%`
          : '—',
      ],
      ['leads_booked', 'Booked', String(t('leads_booked'))],
      ['revenue', 'Revenue recovered', money(f.roi.revenueMinor, f.roi.currency)],
      ['cost', 'Cost', money(f.roi.costMinor, f.roi.currency)],
      ['roi', 'ROI', percent(f.roi.roi)],
      ['time_to_text_p95', 'Time to text (p95)', seconds(f.timings.timeToText.p95)],
      [
        'first_human_reply_p50',
        'First human reply (median)',
        seconds(f.timings.timeToFirstHumanReply.p50),
      ],
      [
        'first_human_reply_buckets',
        'Answered within 5 / 15 / 60 min / same day',
        replyBuckets(f.timings.timeToFirstHumanReply),
      ],
    ];
    $('kpis').replaceChildren(...cards.map(([metric, label, value]) => kpi(metric, label, value)));
    draw(
      'funnel-chart',
      STAGES.map(([label]) => label),
      [{ label: 'Count', data: STAGES.map(([, m]) => t(m)), backgroundColor: '#3b6fd8' }],
    );
    const otherLeads = t('leads_booked') - t('textbacks_booked');
    $('funnel-note').textContent =
      `Stages count the texted calls: qualified and booked are of the callers who replied. All leads, including people who texted without calling or were booked by phone: ${t('leads_qualified')} qualified, ${t('leads_booked')} booked${otherLeads > 0 ? ` (${otherLeads} outside the chart)` : ''}.`;
    const a = f.roi.assumptions;
    $('cost-note').textContent =
      `Cost ${money(f.roi.costMinor, f.roi.currency)} = subscription ${money(f.roi.subscriptionMinor, f.roi.currency)} (${money(a.monthlyPriceMinor, f.roi.currency)}/month × ${a.days} days ÷ 30) + messages ${money(f.roi.messageCostMinor, f.roi.currency)} (${t('segments')} segments × ${(a.smsCostMicrosPerSegment / 1_000_000).toFixed(4)}); the chart shows each period's share.`;
    draw(
      'roi-chart',
      f.series.map((s) => s.period),
      [
        {
          label: `Revenue (${f.roi.currency})`,
          data: f.series.map((s) => s.roi.revenueMinor / 100),
          backgroundColor: '#2e9d5b',
        },
        {
          label: `Cost (${f.roi.currency})`,
          data: f.series.map((s) => s.roi.costMinor / 100),
          backgroundColor: '#d98b2b',
        },
      ],
    );
    $('status').textContent = `${f.tenantId}, ${params.get('from')} to ${params.get('to')}`;
    shown = params;
    for (const id of ['download-funnel', 'download-calls'])
      $<HTMLButtonElement>(id).disabled = false;
    await showCalls();
  } catch (err) {
    $('status').replaceChildren(
      el('span', {
        className: 'error',
        textContent: `Could not load the report: ${(err as Error).message}`,
      }),
    );
  }
}

interface CallItem {
  endedAt: string | null;
  locationId: string;
  caller: string | null;
  outcome: string | null;
  textback: string;
  whyNot: string | null;
  secondsToText: number | null;
  leadStatus: string | null;
  threadUrl: string | null;
}

/** The query of the report on screen (the calls list and the exports use the same). */
let shown: URLSearchParams | undefined;
let nextCursor: string | null = null;

async function showCalls(more = false): Promise<void> {
  if (!shown) return;
  const params = new URLSearchParams(shown);
  params.delete('interval');
  params.set('limit', '25');
  if (more && nextCursor) params.set('cursor', nextCursor);
  const page = await api<{ items: CallItem[]; nextCursor: string | null }>(
    `/v1/reports/calls?${params}`,
  );
  nextCursor = page.nextCursor;
  const rows = page.items.map((c) =>
    el(
      'tr',
      { className: `call ${c.textback}` },
      el('td', { textContent: c.endedAt ? new Date(c.endedAt).toLocaleString() : '—' }),
      el('td', { textContent: c.locationId }),
      el('td', { textContent: c.caller ?? '—' }),
      el('td', { textContent: c.outcome ?? '—' }),
      el('td', { textContent: c.textback === 'texted' ? 'yes' : `no: ${c.whyNot ?? c.textback}` }),
      el('td', { textContent: seconds(c.secondsToText) }),
      el('td', { textContent: c.leadStatus ?? '—' }),
      el(
        'td',
        {},
        c.threadUrl ? el('a', { href: c.threadUrl, textContent: 'open', target: '_blank' }) : '—',
      ),
    ),
  );
  if (more) $('call-rows').append(...rows);
  else $('call-rows').replaceChildren(...rows);
  $('more-calls').hidden = !nextCursor;
}

/** CSV exports need the key in a header, so they are fetched and handed to the browser as a file. */
async function download(path: 'funnel' | 'calls'): Promise<void> {
  if (!shown) return;
  const params = new URLSearchParams(shown);
  params.set('format', 'csv');
  if (path === 'calls') params.delete('interval');
  const res = await fetch(`/v1/reports/${path}?${params}`, {
    headers: { authorization: `Bearer ${await credential()}` },
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const link = el('a', {
    href: URL.createObjectURL(await res.blob()),
    download: `${path}-${params.get('from')}-${params.get('to')}.csv`,
  });
  document.body.append(link);
  link.click();
  link.remove();
}

async function whatIf(): Promise<void> {
  const file = $<HTMLInputElement>('call-log').files?.[0];
  if (!file) return;
  const params = new URLSearchParams();
  const tenant = $<HTMLInputElement>('tenant').value.trim();
  if (tenant) params.set('tenantId', tenant);
  for (const [id, name] of [
    ['reply-rate', 'replyRate'],
    ['qualification-rate', 'qualificationRate'],
  ] as const) {
    const v = $<HTMLInputElement>(id).value;
    if (v) params.set(name, v);
  }
  const out = $('what-if-result');
  try {
    const w = await api<{
      calls: { total: number; missed: number };
      projection: { texts: number; leads: number; qualifiedLeads: number; revenueMinor: number };
      rejectedCount: number;
      roi: number | null;
      assumptions: { name: string; value: number | string; source: string }[];
    }>(`/v1/reports/what-if?${params}`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: await file.text(),
    });
    const currency = String(w.assumptions.find((a) => a.name === 'currency')?.value ?? 'USD');
    out.replaceChildren(
      el('p', {
        textContent: `${w.calls.total} calls, ${w.calls.missed} missed${w.rejectedCount ? `, ${w.rejectedCount} lines rejected` : ''}: ${w.projection.texts} texts → ${w.projection.leads} leads → ${w.projection.qualifiedLeads} qualified → ${money(w.projection.revenueMinor, currency)}${w.roi === null ? '' : ` (ROI ${percent(w.roi)})`}.`,
      }),
      el(
        'table',
        {},
        ...w.assumptions.map((a) =>
          el(
            'tr',
            {},
            el('th', { textContent: a.name }),
            el('td', { textContent: String(a.value) }),
            el('td', { className: 'hint', textContent: a.source }),
          ),
        ),
      ),
    );
  } catch (err) {
    out.replaceChildren(el('p', { className: 'error', textContent: (err as Error).message }));
  }
}

const query = new URLSearchParams(location.search);
const today = new Date();
const monthAgo = new Date(today.getTime() - 29 * 86_400_000);
$<HTMLInputElement>('tenant').value = query.get('tenant') ?? '';
$<HTMLInputElement>('from').value = query.get('from') ?? monthAgo.toISOString().slice(0, 10);
$<HTMLInputElement>('to').value = query.get('to') ?? today.toISOString().slice(0, 10);
function showSignedIn(signedIn: boolean): void {
  $('signin').hidden = signedIn;
  $('signed-in').hidden = !signedIn;
}

page.wireSignInForm($<HTMLFormElement>('signin'), {
  onSignedIn: ({ tenantId }) => {
    if (tenantId && !$<HTMLInputElement>('tenant').value)
      $<HTMLInputElement>('tenant').value = tenantId;
    showSignedIn(true);
  },
});

$('signout').addEventListener('click', () => {
  void page.signOut().then(() => showSignedIn(false));
});
showSignedIn(page.signedIn());
// The brand is the one in the query form (the page's `?tenant=`).
wireSingleSignOn('/reports', $('sso'), () => $<HTMLInputElement>('tenant').value.trim());

$('query').addEventListener('submit', (e) => {
  e.preventDefault();
  void show();
});
$('more-calls').addEventListener('click', () => void showCalls(true));
$('download-funnel').addEventListener('click', () => void download('funnel'));
$('download-calls').addEventListener('click', () => void download('calls'));
$('what-if-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void whatIf();
});
