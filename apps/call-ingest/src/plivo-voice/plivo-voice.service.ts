import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import * as plivo from 'plivo';
import type { EntityManager } from 'typeorm';
import {
  InvalidPhoneNumberError,
  maskPhone,
  toE164,
  type E164,
  type LocationProfile,
} from '@textback/contracts';
import { classifyPlivoCall, isOpenAt } from '@textback/domain';
import { addToOutbox, purgeNoncesPeriodically, rememberNonce } from '@textback/persistence';
import { counterOf, RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { activeTraceparent, inSpan, SpanKind } from '@textback/telemetry';
import { LocationDirectory } from '@textback/tenancy';
import type { CallIngestConfig } from '../config';
import { CallIngestError } from '../errors';

export type VoiceWebhookKind = 'answer' | 'dial-action' | 'dial-event' | 'hangup';

interface PlivoCallRow {
  call_uuid: string;
  tenant_id: string;
  location_id: string;
  business_number: E164;
  caller_number: E164 | null;
  dialed: boolean;
  screened: boolean;
  answered_at: Date;
  dial_status: string | null;
  dial_b_leg_uuid: string | null;
  dial_hangup_cause: string | null;
  dial_action_at: Date | null;
  b_leg_answered: boolean;
  b_leg_connected: boolean;
  hangup_cause: string | null;
  hangup_source: string | null;
  duration_seconds: number | null;
  hangup_at: Date | null;
  finalized_at: Date | null;
}

/** The SDK's XML builder, typed by what we use of it (its own typings return `object`). */
interface PlivoXmlElement {
  addNumber(body: string, attributes?: object): PlivoXmlElement;
}
interface PlivoXmlResponse {
  addDial(attributes: object): PlivoXmlElement;
  addSpeak(body: string, attributes?: object): unknown;
  addHangup(attributes?: object): unknown;
  toXML(): string;
}
const xmlResponse = (build: (r: PlivoXmlResponse) => void): string => {
  const r = new (plivo.Response as unknown as new () => PlivoXmlResponse)();
  build(r);
  return r.toXML();
};

/** Plivo sends numbers without '+'; a withheld caller id is not an error, just not textable. */
function callerOf(from: string | undefined): E164 | null {
  if (!from) return null;
  try {
    return toE164(from);
  } catch (err) {
    if (err instanceof InvalidPhoneNumberError) return null;
    throw err;
  }
}

/**
 * Plivo voice webhooks → one `call.ended.v1` per call. answer_url is answered from the in-memory
 * location directory plus one small insert (no broker in the caller's audio path); every later
 * webhook is recorded with its nonce before the 200, and the call is classified once the hangup
 * and the Dial's verdict are in (or the verdict is overdue).
 */
@Injectable()
export class PlivoVoiceService implements OnModuleInit, OnModuleDestroy {
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private stopPurge: () => void = () => undefined;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<CallIngestConfig>,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
  ) {}

  onModuleInit(): void {
    this.stopPurge = purgeNoncesPeriodically(
      this.runtime.dataSource,
      this.runtime.config.WEBHOOK_NONCE_WINDOW_HOURS,
    );
    const every = Math.max(
      100,
      Math.min(1_000, this.runtime.config.PLIVO_DIAL_ACTION_GRACE_MS / 2),
    );
    this.sweeper = setInterval(() => {
      this.sweeping ??= this.finalizeOverdue()
        .then(() => undefined)
        .catch((err: unknown) =>
          this.runtime.logger.error({ err: String(err) }, 'finalizing overdue calls failed'),
        )
        .finally(() => (this.sweeping = undefined));
    }, every);
    this.sweeper.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopPurge();
    if (this.sweeper) clearInterval(this.sweeper);
    await this.sweeping;
  }

  /** The URL Plivo should call for one of our routes, with its retry fragment. */
  callbackUrl(path: string): string {
    const base = (this.runtime.config.PUBLIC_BASE_URL ?? this.runtime.listeningUrl ?? '').replace(
      /\/$/,
      '',
    );
    return `${base}${path}#${this.runtime.config.PLIVO_CALLBACK_RETRY}`;
  }

  answer(params: Record<string, string>, nonce: string): Promise<string> {
    // The call's trace starts here; every later webhook of the call continues it.
    return inSpan('plivo.voice.answer', { service: 'call-ingest', kind: SpanKind.SERVER }, () =>
      this.answerInSpan(params, nonce),
    );
  }

  private async answerInSpan(params: Record<string, string>, nonce: string): Promise<string> {
    const { callUuid, to } = this.identify(params);
    const location = this.directory.locationOfNumber(to);
    if (!location) {
      this.runtime.logger.warn({ to: maskPhone(to) }, 'call to a number no location owns');
      return xmlResponse((r) => {
        r.addSpeak('Sorry, this number is not in service.');
        r.addHangup();
      });
    }
    const open = isOpenAt(location.businessHours, location.timezone, new Date());
    const dial = open || location.afterHoursCall === 'forward';
    await this.record(callUuid, 'answer', '', nonce, async (tx) => {
      await tx.query(
        `INSERT INTO plivo_call (call_uuid, tenant_id, location_id, business_number, caller_number, dialed, screened, traceparent)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (call_uuid) DO NOTHING`,
        [
          callUuid,
          location.tenantId,
          location.locationId,
          to,
          callerOf(params['From']),
          dial,
          dial && location.screenCalls,
          activeTraceparent() ?? null,
        ],
      );
    });
    return dial ? this.dialXml(location) : this.closedXml(location);
  }

  async dialAction(params: Record<string, string>, nonce: string): Promise<string> {
    const { callUuid } = this.identify(params);
    const status = params['DialStatus'] ?? '';
    await this.record(callUuid, 'dial-action', '', nonce, async (tx) => {
      await tx.query(
        `UPDATE plivo_call SET dial_status = $2, dial_b_leg_uuid = $3, dial_hangup_cause = $4, dial_action_at = now()
         WHERE call_uuid = $1 AND dial_action_at IS NULL`,
        [callUuid, status, params['DialBLegUUID'] ?? '', params['DialHangupCause'] ?? ''],
      );
      await this.finalizeIfComplete(tx, callUuid);
    });
    const bridged = status === 'completed' && !!params['DialBLegUUID'];
    return xmlResponse((r) => {
      if (!bridged) r.addSpeak("Sorry we couldn't take your call. We'll text you in a moment.");
      r.addHangup();
    });
  }

  async dialEvent(params: Record<string, string>, nonce: string): Promise<void> {
    const { callUuid } = this.identify(params);
    const action = (params['DialAction'] ?? params['Event'] ?? '').toLowerCase();
    await this.record(callUuid, 'dial-event', action, nonce, async (tx) => {
      if (action === 'answer' || action === 'dialanswer') {
        await tx.query('UPDATE plivo_call SET b_leg_answered = true WHERE call_uuid = $1', [
          callUuid,
        ]);
      } else if (action === 'connected') {
        await tx.query(
          'UPDATE plivo_call SET b_leg_answered = true, b_leg_connected = true WHERE call_uuid = $1',
          [callUuid],
        );
      }
    });
  }

  async hangup(params: Record<string, string>, nonce: string): Promise<void> {
    const { callUuid } = this.identify(params);
    const duration = plausibleDuration(params['Duration']);
    if (params['Duration'] && duration === null) {
      // The hangup itself is what matters (it ends the call); an impossible length is kept as unknown, not refused.
      this.runtime.logger.warn(
        { callUuid, duration: params['Duration'].slice(0, 40) },
        'hangup Duration is not a plausible length; stored as unknown',
      );
    }
    await this.record(callUuid, 'hangup', '', nonce, async (tx) => {
      await tx.query(
        `UPDATE plivo_call SET hangup_cause = $2, hangup_source = $3, duration_seconds = $4, hangup_at = now()
         WHERE call_uuid = $1 AND hangup_at IS NULL`,
        [
          callUuid,
          (params['HangupCause'] ?? '').slice(0, 100),
          (params['HangupSource'] ?? '').slice(0, 100),
          duration,
        ],
      );
      await this.finalizeIfComplete(tx, callUuid);
    });
  }

  /** Classifies calls whose Dial verdict is overdue (or whose hangup never came). */
  async finalizeOverdue(): Promise<number> {
    const grace = this.runtime.config.PLIVO_DIAL_ACTION_GRACE_MS;
    const due: { call_uuid: string; traceparent: string | null }[] =
      await this.runtime.dataSource.query(
        `SELECT call_uuid, traceparent FROM plivo_call WHERE finalized_at IS NULL
         AND ((hangup_at IS NOT NULL AND hangup_at < now() - make_interval(secs => $1::double precision / 1000))
           OR (dial_action_at IS NOT NULL AND dial_action_at < now() - interval '10 minutes'))
       LIMIT 100`,
        [grace],
      );
    for (const { call_uuid, traceparent } of due) {
      await inSpan('call.finalize-overdue', { service: 'call-ingest', parent: traceparent }, () =>
        this.runtime.dataSource.transaction((tx) => this.finalizeIfComplete(tx, call_uuid, true)),
      );
    }
    if (due.length > 0) this.runtime.outbox.wake();
    return due.length;
  }

  private identify(params: Record<string, string>): { callUuid: string; to: E164 } {
    const callUuid = params['CallUUID'] ?? params['DialALegUUID'] ?? '';
    if (!/^[A-Za-z0-9-]{8,64}$/.test(callUuid))
      throw new CallIngestError('invalid-payload', 'CallUUID: missing or malformed');
    const rawTo = params['To'];
    let to = '' as E164;
    if (rawTo !== undefined) {
      try {
        to = toE164(rawTo);
      } catch {
        throw new CallIngestError('invalid-payload', 'To: is not a valid phone number');
      }
    }
    return { callUuid, to };
  }

  /**
   * Records a webhook once per (CallUUID, kind, detail) with its nonce, in one transaction with
   * its effects. A repeated webhook (Plivo's retry) changes nothing; a reused nonce is a replay.
   */
  private async record(
    callUuid: string,
    kind: VoiceWebhookKind,
    detail: string,
    nonce: string,
    effects: (tx: EntityManager) => Promise<void>,
  ): Promise<void> {
    if (kind === 'answer') return this.recordInTransaction(callUuid, kind, detail, nonce, effects);
    const rows: { traceparent: string | null }[] = await this.runtime.dataSource.query(
      'SELECT traceparent FROM plivo_call WHERE call_uuid = $1',
      [callUuid],
    );
    return inSpan(
      `plivo.voice.${kind}`,
      { service: 'call-ingest', kind: SpanKind.SERVER, parent: rows[0]?.traceparent },
      () => this.recordInTransaction(callUuid, kind, detail, nonce, effects),
    );
  }

  private async recordInTransaction(
    callUuid: string,
    kind: VoiceWebhookKind,
    detail: string,
    nonce: string,
    effects: (tx: EntityManager) => Promise<void>,
  ): Promise<void> {
    await this.runtime.dataSource.transaction(async (tx) => {
      if (!(await rememberNonce(tx, nonce)))
        throw new CallIngestError(
          'replayed',
          'this request was already received (nonce seen before)',
        );
      const first: unknown[] = await tx.query(
        'INSERT INTO plivo_webhook (call_uuid, kind, detail) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING call_uuid',
        [callUuid, kind, detail],
      );
      if (first.length > 0) await effects(tx);
    });
    this.runtime.outbox.wake();
  }

  private async finalizeIfComplete(
    tx: EntityManager,
    callUuid: string,
    overdue = false,
  ): Promise<void> {
    const rows: PlivoCallRow[] = await tx.query(
      'SELECT * FROM plivo_call WHERE call_uuid = $1 FOR UPDATE SKIP LOCKED',
      [callUuid],
    );
    const call = rows[0];
    if (!call || call.finalized_at) return;
    const verdictIn = !call.dialed || call.dial_action_at !== null || call.b_leg_connected;
    if (!overdue && !(call.hangup_at && verdictIn)) return;
    const outcome = classifyPlivoCall({
      dialed: call.dialed,
      screened: call.screened,
      bLegAnswered: call.b_leg_answered,
      bLegConnected: call.b_leg_connected,
      ...(call.dial_status ? { dialStatus: call.dial_status } : {}),
      ...(call.dial_b_leg_uuid ? { dialBLegUuid: call.dial_b_leg_uuid } : {}),
      ...(call.dial_hangup_cause ? { dialHangupCause: call.dial_hangup_cause } : {}),
      ...(call.hangup_cause ? { hangupCause: call.hangup_cause } : {}),
      ...(call.hangup_source ? { hangupSource: call.hangup_source } : {}),
    });
    await tx.query(
      'UPDATE plivo_call SET outcome = $2, finalized_at = now() WHERE call_uuid = $1',
      [callUuid, outcome],
    );
    counterOf(
      this.runtime.registry,
      'call_ingest_calls_ended_total',
      'Calls to business numbers by how they ended (the top of the funnel)',
      ['outcome'],
    ).inc({ outcome });
    if (!call.caller_number) {
      this.runtime.logger.info(
        { callUuid, outcome },
        'call ended without a caller id: nobody to text',
      );
      return;
    }
    const endedAt = call.hangup_at ?? call.dial_action_at ?? new Date();
    await addToOutbox(tx, 'call.ended.v1', {
      callId: callUuid,
      provider: 'plivo',
      tenantId: call.tenant_id as never,
      locationId: call.location_id as never,
      businessNumber: call.business_number,
      callerNumber: call.caller_number,
      outcome,
      startedAt: call.answered_at.toISOString(),
      endedAt: endedAt.toISOString(),
      ...(call.duration_seconds !== null ? { durationSeconds: call.duration_seconds } : {}),
      ...(call.hangup_cause ? { hangupCause: call.hangup_cause.slice(0, 64) } : {}),
    });
  }

  private dialXml(location: LocationProfile): string {
    return xmlResponse((r) => {
      const dial = r.addDial({
        action: this.callbackUrl('/v1/plivo/voice/dial-action'),
        method: 'POST',
        callbackUrl: this.callbackUrl('/v1/plivo/voice/dial-events'),
        callbackMethod: 'POST',
        timeout: location.ringTimeoutSeconds,
        redirect: true,
        ...(location.screenCalls
          ? { confirmSound: this.callbackUrl('/v1/plivo/voice/screen'), confirmKey: '1' }
          : {}),
      });
      dial.addNumber(location.forwardTo.replace(/^\+/, ''));
    });
  }

  private closedXml(location: LocationProfile): string {
    return xmlResponse((r) => {
      r.addSpeak(
        `Thanks for calling ${location.brandName}. We're closed right now; we'll text you shortly so we can help.`,
      );
      r.addHangup();
    });
  }
}

/** Seconds, when the carrier's value is a whole number no call could exceed (a day); otherwise unknown. */
function plausibleDuration(raw: string | undefined): number | null {
  if (!raw || !/^\d{1,9}$/.test(raw)) return null;
  const seconds = Number(raw);
  return seconds <= 86_400 ? seconds : null;
}
