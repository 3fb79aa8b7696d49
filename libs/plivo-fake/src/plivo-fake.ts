import { randomUUID } from 'node:crypto';
import { webhookNonce } from './nonce';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { SegmentedMessage } from 'sms-segments-calculator';
import { plivoSignatureHeaders } from '@textback/carrier-plivo';
import { exchangeWithin } from '@textback/exchange';

/**
 * A local Plivo that follows ../shared/docs/plivo.md: the Message API the real `plivo` SDK
 * talks to (through its `url` option), signed delivery reports, carrier opt-outs
 * (ErrorCode 200), the Lookup API, fault knobs, and an inspection API (`/__fake/*`).
 */
export type LineType = 'mobile' | 'fixed' | 'voip' | 'toll-free' | 'unknown';
export type DlrStatus = 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'rejected';
export type SignatureScheme = 'v2' | 'v3';

export type Fault =
  /** 429 with Plivo's error body: definitely not accepted. */
  | { kind: 'rate-limited' }
  /** 500 before anything was queued. */
  | { kind: 'server-error' }
  /** The request never gets an answer (the SDK has no default timeout). */
  | { kind: 'hang' }
  /**
   * The message IS queued (and will be delivered), but the answer is a 500. `reportsLost`: its
   * delivery reports never reach the sender either (its webhook was down through every retry).
   */
  | { kind: 'accepted-then-500'; reportsLost?: boolean }
  /** The message IS queued, then the connection is dropped without an answer. */
  | { kind: 'accepted-then-drop' }
  /** The message IS queued, the answer never comes, and its delivery reports wait until the sender gives up (times out or crashes). */
  | { kind: 'accepted-then-hang' }
  /** Answers normally after a delay. */
  | { kind: 'latency'; ms: number };

export interface FakeMessage {
  readonly uuid: string;
  readonly authId: string;
  readonly from: string;
  readonly to: string;
  readonly text: string;
  readonly units: number;
  readonly encoding: string;
  readonly statusUrl: string | undefined;
  readonly statusMethod: 'GET' | 'POST';
  readonly direction: 'outbound' | 'inbound';
  /** `api`: sent through the Message API; `carrier`: Plivo's own STOP/HELP auto-reply. */
  readonly origin: 'api' | 'carrier' | 'customer';
  readonly createdAt: Date;
  status: DlrStatus | 'received';
  errorCode: number | undefined;
  sequence: number;
}

export interface DeliveryOutcome {
  readonly status: 'delivered' | 'undelivered' | 'failed';
  readonly errorCode?: number;
}

export interface PlivoFakeOptions {
  /** authId → authToken of the accounts the fake accepts. */
  readonly accounts: Readonly<Record<string, string>>;
  readonly port?: number;
  /** The address it listens on (default 127.0.0.1; a cluster's sandbox carrier: 0.0.0.0). */
  readonly host?: string;
  /** Gap between queued → sent → delivered reports (ms). */
  readonly dlrStepMs?: number;
  /** Plivo retries a failed report at +60 s, +120 s, +240 s; scaled so tests need not wait. */
  readonly dlrRetryDelaysMs?: readonly number[];
  /** Which signature headers reports and inbound messages carry (plivo.md §5: docs say V2). */
  readonly messagingSignatures?: readonly SignatureScheme[];
  /** Where inbound messages are posted (the Plivo application's message_url). */
  readonly messageUrl?: string;
  /** The carrier's clock (message times): a test that pins its service's clock pins this too. */
  readonly clock?: { now(): Date };
}

const OPT_OUT = new Set([
  'STOP',
  'STOPALL',
  'STOP ALL',
  'END',
  'QUIT',
  'CANCEL',
  'UNSUB',
  'UNSUBSCRIBE',
]);
const OPT_IN = new Set(['START', 'YES', 'UNSTOP', 'RESUME', 'GO']);
const HELP = new Set(['HELP', 'INFO']);

/** Plivo's own keyword reading (plivo.md §4): the whole message, case-insensitive, trimmed. */
export function plivoMessageIntent(text: string): 'optout' | 'optin' | 'help' | '' {
  const t = text.trim().toUpperCase();
  if (OPT_OUT.has(t)) return 'optout';
  if (OPT_IN.has(t)) return 'optin';
  if (HELP.has(t)) return 'help';
  return '';
}

const digitsOnly = (n: string): string => n.replace(/[^0-9]/g, '');

const segmentCache = new Map<string, { units: number; encoding: string }>();
/** Units and encoding as Plivo bills them; memoised (texts repeat, and counting is slow). */
function segmentsOf(text: string): { units: number; encoding: string } {
  let s = segmentCache.get(text);
  if (!s) {
    const m = new SegmentedMessage(text);
    s = { units: m.segmentsCount, encoding: m.encodingName };
    if (segmentCache.size > 1_000) segmentCache.clear();
    segmentCache.set(text, s);
  }
  return s;
}
const apiId = (): string => randomUUID();
const plivoTime = (d: Date): string =>
  d.toISOString().replace('T', ' ').replace('Z', '000').slice(0, 26);

export class PlivoFake {
  readonly messages = new Map<string, FakeMessage>();
  private readonly optOuts = new Set<string>();
  private readonly lineTypes = new Map<string, LineType>();
  /** Lookup requests per number (digits): a cache in front of Lookup must ask once. */
  private readonly lookups = new Map<string, number>();
  private readonly outcomes = new Map<string, DeliveryOutcome>();
  private readonly faults: Fault[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly pending = new Set<Promise<unknown>>();
  private server: Server | undefined;
  private messageUrl: string | undefined;
  private sequence = 0;
  url = '';

  constructor(private readonly options: PlivoFakeOptions) {
    this.messageUrl = options.messageUrl;
  }

  async start(): Promise<this> {
    const app = express();
    app.disable('x-powered-by');
    // Not strict: the SDK sends a JSON `""` body with GET requests.
    app.use(express.json({ limit: '1mb', strict: false }));
    app.use(express.urlencoded({ extended: false }));
    app.post(
      '/v1/Account/:authId/Message/',
      (req, res, next) => void this.createMessage(req, res).catch(next),
    );
    app.get('/v1/Account/:authId/Message/', (req, res) => this.listMessages(req, res));
    app.get('/v1/Account/:authId/Message/:uuid/', (req, res) => this.getMessage(req, res));
    app.get('/v1/Number/:number', (req, res) => this.lookup(req, res));
    app.get('/__fake/messages', (req, res) =>
      res.json(this.list(req.query['to'], req.query['from'])),
    );
    app.post('/__fake/faults', (req, res) => {
      this.injectFault(req.body as Fault, Number((req.body as { times?: number }).times ?? 1));
      res.status(204).end();
    });
    app.post('/__fake/line-types', (req, res) => {
      const { number, type } = req.body as { number: string; type: LineType };
      this.setLineType(number, type);
      res.status(204).end();
    });
    app.post('/__fake/inbound', (req, res, next) => {
      const { from, to, text } = req.body as { from: string; to: string; text: string };
      this.receiveFromCustomer({ from, to, text }).then((r) => res.json(r), next);
    });
    app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
      res.status(500).json({ api_id: apiId(), error: err.message });
    });
    await new Promise<void>((resolve) => {
      this.server = app.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () =>
        resolve(),
      );
    });
    this.server?.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    const address = this.server?.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
    await Promise.allSettled([...this.pending]);
  }

  /** The `url` option for `new plivo.Client(id, token, { url })`. */
  apiBaseUrl(authId: string): string {
    return `${this.url}/v1/Account/${authId}`;
  }

  setMessageUrl(url: string): void {
    this.messageUrl = url;
  }

  injectFault(fault: Fault, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push(fault);
  }

  setLineType(number: string, type: LineType): void {
    this.lineTypes.set(digitsOnly(number), type);
  }

  /** How many times Lookup was asked about this number. */
  lookupsOf(number: string): number {
    return this.lookups.get(digitsOnly(number)) ?? 0;
  }

  /**
   * The recipient opted out at the carrier without us seeing it (e.g. a STOP to another number of
   * the same 10DLC campaign): later sends get 202, then fail with ErrorCode 200.
   */
  blockAtCarrier(from: string, to: string): void {
    this.optOuts.add(`${digitsOnly(from)}>${digitsOnly(to)}`);
  }

  /** The next texts to this number end this way instead of `delivered`. */
  setDeliveryOutcome(number: string, outcome: DeliveryOutcome): void {
    this.outcomes.set(digitsOnly(number), outcome);
  }

  list(to?: unknown, from?: unknown): FakeMessage[] {
    const want = (v: unknown): string | undefined =>
      typeof v === 'string' && v ? digitsOnly(v) : undefined;
    const t = want(to);
    const f = want(from);
    return [...this.messages.values()].filter((m) => (!t || m.to === t) && (!f || m.from === f));
  }

  /** Texts our platform sent (not Plivo's own auto-replies), optionally to one number. */
  sentTo(number: string): FakeMessage[] {
    return this.list(number).filter((m) => m.origin === 'api');
  }

  /** Waits until background work (delivery reports, inbound posts) has finished. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /**
   * A customer texts a business number: Plivo's keyword handling (opt-out blocks later sends
   * from that number; auto-replies to STOP/HELP), then a signed post to the message_url.
   */
  async receiveFromCustomer(input: {
    from: string;
    to: string;
    text: string;
    intent?: 'optout' | 'optin' | 'help' | '';
  }): Promise<{ messageUuid: string; intent: string; status: number }> {
    const from = digitsOnly(input.from);
    const to = digitsOnly(input.to);
    // Plivo's keyword lists vary by number type and change over time (plivo.md §4): a test may set the intent Plivo reports.
    const intent = input.intent ?? plivoMessageIntent(input.text);
    const uuid = randomUUID();
    this.record({
      uuid,
      authId: '',
      from,
      to,
      text: input.text,
      direction: 'inbound',
      origin: 'customer',
      statusUrl: undefined,
      statusMethod: 'POST',
      status: 'received',
    });
    if (intent === 'optout') {
      this.optOuts.add(`${to}>${from}`);
      this.autoReply(
        to,
        from,
        'You have been unsubscribed and will receive no further messages. Reply START to resubscribe.',
      );
    } else if (intent === 'optin') {
      this.optOuts.delete(`${to}>${from}`);
      this.autoReply(to, from, 'You have been resubscribed. Reply STOP to unsubscribe.');
    } else if (intent === 'help') {
      this.autoReply(to, from, 'Reply STOP to unsubscribe. Msg&data rates may apply.');
    }
    if (!this.messageUrl) return { messageUuid: uuid, intent, status: 0 };
    const params = {
      From: from,
      To: to,
      Text: input.text,
      Type: 'sms',
      MessageUUID: uuid,
      MessageIntent: intent,
      Units: String(segmentsOf(input.text).units),
      TotalRate: '0.00000',
      TotalAmount: '0.00000',
      PowerpackUUID: '',
    };
    const status = await this.postSigned(this.messageUrl, params);
    return { messageUuid: uuid, intent, status };
  }

  private autoReply(from: string, to: string, text: string): void {
    this.record({
      uuid: randomUUID(),
      authId: '',
      from,
      to,
      text,
      direction: 'outbound',
      origin: 'carrier',
      statusUrl: undefined,
      statusMethod: 'POST',
      status: 'delivered',
    });
  }

  private record(
    m: Omit<FakeMessage, 'units' | 'encoding' | 'createdAt' | 'errorCode' | 'sequence'>,
  ): FakeMessage {
    const message: FakeMessage = {
      ...m,
      ...segmentsOf(m.text),
      createdAt: this.options.clock?.now() ?? new Date(),
      errorCode: undefined,
      sequence: 0,
    };
    this.messages.set(message.uuid, message);
    return message;
  }

  private authenticate(req: Request, res: Response): string | undefined {
    const header = req.headers.authorization ?? '';
    const [scheme, encoded] = header.split(' ');
    const [id, token] = Buffer.from(encoded ?? '', 'base64')
      .toString('utf8')
      .split(':');
    const authId = String(req.params['authId'] ?? id ?? '');
    if (
      scheme !== 'Basic' ||
      !id ||
      (id !== authId && req.params['authId'] !== undefined) ||
      this.options.accounts[id] !== token
    ) {
      // Plivo's 401 body may lack api_id (plivo-php#367).
      res.status(401).json({ error: 'authentication_failed' });
      return undefined;
    }
    return id;
  }

  private async createMessage(req: Request, res: Response): Promise<void> {
    const authId = this.authenticate(req, res);
    if (!authId) return;
    const fault = this.faults.shift();
    if (fault?.kind === 'latency') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === 'rate-limited')
      return void res.status(429).json({ api_id: apiId(), error: 'rate_limit_exceeded' });
    if (fault?.kind === 'server-error')
      return void res.status(500).json({ api_id: apiId(), error: 'internal server error' });
    if (fault?.kind === 'hang') return; // never answered; the socket is destroyed on stop()

    const body = req.body as Record<string, unknown>;
    const src = typeof body['src'] === 'string' ? body['src'].replace(/[^A-Za-z0-9]/g, '') : '';
    const powerpack = typeof body['powerpack_uuid'] === 'string' ? body['powerpack_uuid'] : '';
    const dst = typeof body['dst'] === 'string' ? body['dst'] : '';
    const text = typeof body['text'] === 'string' ? body['text'] : '';
    const type = typeof body['type'] === 'string' ? body['type'] : 'sms';
    const bad = (error: string): void => void res.status(400).json({ api_id: apiId(), error });
    if (!dst) return bad('dst is required');
    if (!src === !powerpack) return bad('specify either src or powerpack_uuid');
    if (type === 'sms' && !text) return bad('text is required for sms');
    if (src && /^\d+$/.test(src) && src.length > 14)
      return bad(`'${src}' is not a valid source number`);
    if (segmentsOf(text).encoding === 'GSM-7' ? text.length > 1600 : text.length > 737)
      return bad('text exceeds the maximum length');

    const destinations = dst.split('<').map((d) => d.replace(/[/\-.+() ]/g, ''));
    const valid = destinations.filter((d) => /^\d{8,15}$/.test(d));
    const invalid = destinations.filter((d) => !/^\d{8,15}$/.test(d));
    if (valid.length === 0) return bad(`'${destinations.join(', ')}' is not a valid phone number.`);
    const statusUrl = typeof body['url'] === 'string' ? body['url'] : undefined;
    const statusMethod = body['method'] === 'GET' ? 'GET' : 'POST';
    // A request that hangs holds its delivery reports until the caller gives up on it (a
    // carrier stuck mid-request), so a test can act while the send is still in flight.
    const hang = fault?.kind === 'accepted-then-hang';
    const uuids = valid.map((to) => {
      const m = this.record({
        uuid: randomUUID(),
        authId,
        from: src,
        to,
        text,
        direction: 'outbound',
        origin: 'api',
        statusUrl: fault?.kind === 'accepted-then-500' && fault.reportsLost ? undefined : statusUrl,
        statusMethod,
        status: 'queued',
      });
      if (hang) req.socket.once('close', () => this.track(this.deliver(m)));
      else this.track(this.deliver(m));
      return m.uuid;
    });
    if (fault?.kind === 'accepted-then-500')
      return void res.status(500).json({ api_id: apiId(), error: 'internal server error' });
    if (fault?.kind === 'accepted-then-drop') return void req.socket.destroy();
    if (hang) return;
    res.status(202).json({
      api_id: apiId(),
      message: 'message(s) queued',
      message_uuid: uuids,
      ...(invalid.length > 0 ? { invalid_number: invalid } : {}),
    });
  }

  private mdr(m: FakeMessage): Record<string, unknown> {
    return {
      api_id: apiId(),
      message_uuid: m.uuid,
      from_number: m.from,
      to_number: m.to,
      message_direction: m.direction,
      message_type: 'sms',
      message_state: m.status,
      error_code: m.errorCode === undefined ? '' : String(m.errorCode),
      units: m.units,
      total_amount: (m.units * 0.005).toFixed(5),
      total_rate: '0.00500',
      message_time: plivoTime(m.createdAt),
      resource_uri: `/v1/Account/${m.authId}/Message/${m.uuid}/`,
    };
  }

  private getMessage(req: Request, res: Response): void {
    if (!this.authenticate(req, res)) return;
    const m = this.messages.get(String(req.params['uuid']));
    if (!m || m.origin !== 'api')
      return void res.status(404).json({ api_id: apiId(), error: 'not found' });
    res.json(this.mdr(m));
  }

  /** The list API with the filters reconciliation needs; unknown filters are ignored, as Plivo would. */
  private listMessages(req: Request, res: Response): void {
    const authId = this.authenticate(req, res);
    if (!authId) return;
    // Plivo's message_time filters (`YYYY-MM-DD HH:MM:SS`, UTC): __gt, __gte, __lt, __lte.
    const bound = (op: string): number | undefined => {
      const v = req.query[`message_time__${op}`];
      return typeof v === 'string' ? Date.parse(`${v.replace(' ', 'T')}Z`) : undefined;
    };
    const [gt, gte, lt, lte] = ['gt', 'gte', 'lt', 'lte'].map(bound);
    const inWindow = (t: number): boolean =>
      (gt === undefined || t > gt) &&
      (gte === undefined || t >= gte) &&
      (lt === undefined || t < lt) &&
      (lte === undefined || t <= lte);
    const direction = req.query['message_direction'];
    const limit = Math.min(Number(req.query['limit'] ?? 20), 20);
    const offset = Number(req.query['offset'] ?? 0);
    const all = [...this.messages.values()]
      .filter(
        (m) =>
          m.authId === authId &&
          inWindow(Math.floor(m.createdAt.getTime() / 1000) * 1000) &&
          (!direction || m.direction === direction),
      )
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    const page = all.slice(offset, offset + limit);
    res.json({
      api_id: apiId(),
      meta: {
        limit,
        offset,
        next: offset + limit < all.length ? `?offset=${offset + limit}` : null,
        previous: null,
      },
      objects: page.map((m) => this.mdr(m)),
    });
  }

  private lookup(req: Request, res: Response): void {
    if (!this.authenticate(req, res)) return;
    const raw = String(req.params['number']);
    const digits = digitsOnly(raw);
    if (!/^\d{8,15}$/.test(digits))
      return void res
        .status(404)
        .json({ api_id: apiId(), error_code: 20404, message: 'Phone number is invalid' });
    this.lookups.set(digits, (this.lookups.get(digits) ?? 0) + 1);
    const type = this.lineTypes.get(digits) ?? 'mobile';
    const fixed = type === 'fixed';
    res.json({
      api_id: apiId(),
      phone_number: `+${digits}`,
      country: { name: 'United States', iso2: 'US', iso3: 'USA' },
      format: {
        e164: `+${digits}`,
        national: digits,
        international: `+${digits}`,
        rfc3966: `tel:+${digits}`,
      },
      carrier: {
        mobile_country_code: fixed ? '' : '310',
        mobile_network_code: fixed ? '' : '160',
        name: fixed ? 'Example Telco' : 'Example Wireless',
        type,
        ported: 'no',
      },
      resource_uri: `/v1/Number/+${digits}?type=carrier`,
    });
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** queued → sent → delivered, or failed with ErrorCode 200 when the recipient opted out. */
  private async deliver(m: FakeMessage): Promise<void> {
    const step = this.options.dlrStepMs ?? 20;
    const pause = (): Promise<void> => new Promise((r) => setTimeout(r, step));
    const optedOut = this.optOuts.has(`${m.from}>${m.to}`);
    await pause();
    await this.report(m, 'queued');
    if (optedOut) {
      await pause();
      return this.report(m, 'failed', 200);
    }
    await pause();
    await this.report(m, 'sent');
    await pause();
    const outcome = this.outcomes.get(m.to) ?? { status: 'delivered' };
    await this.report(m, outcome.status, outcome.errorCode);
  }

  private async report(m: FakeMessage, status: DlrStatus, errorCode?: number): Promise<void> {
    m.status = status;
    m.errorCode = errorCode;
    m.sequence = ++this.sequence;
    if (!m.statusUrl) return;
    const now = this.options.clock?.now() ?? new Date();
    const params: Record<string, string> = {
      MessageUUID: m.uuid,
      ParentMessageUUID: m.uuid,
      From: m.from,
      To: m.to,
      Type: 'sms',
      Status: status,
      Units: String(m.units),
      TotalRate: '0.00500',
      TotalAmount: (m.units * 0.005).toFixed(5),
      MCC: '310',
      MNC: '160',
      PartInfo: '1 of 1',
      Sequence: String(m.sequence),
      MessageTime: plivoTime(m.createdAt),
      QueuedTime: plivoTime(m.createdAt),
      SentTime: status === 'queued' ? '' : plivoTime(now),
      DeliveryReportTime: plivoTime(now),
      PowerpackUUID: '',
      ...(errorCode !== undefined ? { ErrorCode: String(errorCode) } : {}),
    };
    const delays = this.options.dlrRetryDelaysMs ?? [60, 120, 240];
    for (let attempt = 0; attempt <= delays.length; attempt++) {
      const status = await this.postSigned(m.statusUrl, params, m.statusMethod);
      if (status >= 200 && status < 300) return;
      const wait = delays[attempt];
      if (wait === undefined) return;
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** Posts a form-encoded, signed callback the way Plivo does; returns the status (0 = no answer). */
  private async postSigned(
    url: string,
    params: Record<string, string>,
    method: 'GET' | 'POST' = 'POST',
  ): Promise<number> {
    const authToken = Object.values(this.options.accounts)[0] ?? '';
    const headers = plivoSignatureHeaders({
      method,
      url,
      params,
      authToken,
      nonce: webhookNonce(),
      schemes: this.options.messagingSignatures ?? ['v2'],
    });
    const query = new URLSearchParams(params).toString();
    try {
      const answer = await exchangeWithin(
        method === 'GET' ? `${url}${url.includes('?') ? '&' : '?'}${query}` : url,
        {
          method,
          headers: {
            ...headers,
            ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          },
          ...(method === 'POST' ? { body: query } : {}),
        },
        { timeoutMs: 8_000 },
      );
      return answer.status;
    } catch {
      return 0;
    }
  }
}
