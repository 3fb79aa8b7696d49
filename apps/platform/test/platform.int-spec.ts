import type { Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { Client } from 'pg';
import { routesOf, unguardedRoutes } from '@textback/service-kit';
import { routeInventory } from '../../../tools/helm/edge-routes';
import { signCallEvent } from '@textback/call-ingest';
import { eventually } from '@textback/testing';
import type { RunningPlatform } from '../src/platform';
import { secrets, startTestPlatform, type TestPlatform } from './test-platform';

const secret = secrets.CALL_EVENTS_SIGNING_SECRET;

describe.each(['in-process', 'kafka'] as const)('the platform on the %s transport', (transport) => {
  let t: TestPlatform;
  let platform: RunningPlatform;
  let db: Client;
  let prefix: string;

  beforeAll(async () => {
    const started = Date.now();
    t = await startTestPlatform({ transport, name: transport });
    ({ platform, db, prefix } = t);
    for (const s of platform.services.values()) {
      const res = await fetch(`${s.url}/readyz`);
      expect(res.status).toBe(200);
    }
    process.stdout.write(`platform (${transport}) ready in ${Date.now() - started} ms\n`);
  });

  afterAll(async () => {
    await t?.stop();
  });

  const url = (service: string): string => platform.services.get(service)!.url;

  async function postCallEvent(body: object, sign = true): Promise<Response> {
    const raw = JSON.stringify(body);
    return fetch(`${url('call-ingest')}/v1/call-events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(sign
          ? { 'x-textback-signature': signCallEvent(secret, raw, Math.floor(Date.now() / 1000)) }
          : {}),
      },
      body: raw,
    });
  }

  let callerSeq = Math.floor(Math.random() * 8000);
  const call = (callId: string, outcome: string) => ({
    callId,
    tenantId: 'cool-breeze-hvac',
    locationId: 'atlanta-north',
    businessNumber: '+14045550100',
    callerNumber: `(404) 555-${String(1000 + (callerSeq++ % 8999))}`,
    outcome,
    endedAt: new Date().toISOString(),
  });

  async function decisionOf(
    callId: string,
  ): Promise<{ outcome: string; reason: string | null } | undefined> {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const { rows } = await db.query<{ outcome: string; reason: string | null }>(
        `SELECT outcome, reason FROM "${prefix}_decision".textback_decision WHERE call_id = $1`,
        [callId],
      );
      if (rows[0]) return rows[0];
      await new Promise((r) => setTimeout(r, 100));
    }
    return undefined;
  }

  it('carries a missed call from call-ingest to a text-back request in decision', async () => {
    const res = await postCallEvent(call('missed-1', 'no-answer'));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: true, duplicate: false });
    expect(await decisionOf('missed-1')).toEqual({ outcome: 'requested', reason: null });
    // The decision and its event commit together; the relay publishes it right after.
    const published = await eventually(
      async () => {
        const { rows } = await db.query<{ topic: string }>(
          `SELECT topic FROM "${prefix}_decision".outbox_message WHERE published_at IS NOT NULL`,
        );
        return rows.some((r) => r.topic === 'textback.requested.v1') ? rows : undefined;
      },
      { what: 'textback.requested.v1 to be published' },
    );
    expect(published.map((r) => r.topic)).toContain('textback.requested.v1');
  });

  it('suppresses an answered call with its reason', async () => {
    expect((await postCallEvent(call('answered-1', 'answered'))).status).toBe(202);
    expect(await decisionOf('answered-1')).toEqual({
      outcome: 'suppressed',
      reason: 'call-answered',
    });
  });

  it('acknowledges a repeated call event without deciding twice', async () => {
    expect((await postCallEvent(call('repeat-1', 'busy'))).status).toBe(202);
    const again = await postCallEvent(call('repeat-1', 'busy'));
    expect(await again.json()).toEqual({ accepted: true, duplicate: true });
    await decisionOf('repeat-1');
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM "${prefix}_decision".textback_decision WHERE call_id = 'repeat-1'`,
    );
    expect(rows[0]).toEqual({ n: 1 });
  });

  it('refuses unsigned and forged requests, and says why a payload is malformed', async () => {
    const unsigned = await postCallEvent(call('unsigned-1', 'no-answer'), false);
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({
      error: 'invalid-signature',
      message: 'signature missing',
    });

    const forged = await fetch(`${url('call-ingest')}/v1/call-events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-textback-signature': signCallEvent(
          'not-the-secret-000000',
          '{}',
          Math.floor(Date.now() / 1000),
        ),
      },
      body: JSON.stringify(call('forged-1', 'no-answer')),
    });
    expect(forged.status).toBe(401);

    const malformed = await postCallEvent({
      ...call('bad-number-1', 'no-answer'),
      callerNumber: '555-CALL-ME',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({
      error: 'invalid-payload',
      message: expect.stringContaining('callerNumber'),
    });

    const { rows } = await db.query(
      `SELECT call_id FROM "${prefix}_call_ingest".call_event WHERE call_id IN ('unsigned-1', 'forged-1', 'bad-number-1')`,
    );
    expect(rows).toEqual([]);
  });

  it('guards every HTTP route of every service, or marks it public on purpose (#12 item 6)', () => {
    const all = [...platform.services.values()].flatMap((s) =>
      routesOf(
        [...s.app.get(ModulesContainer).values()].flatMap((m) =>
          [...m.controllers.values()].map((w) => w.metatype as Type),
        ),
      ).map((r) => ({ service: s.name, ...r })),
    );
    expect(all.length).toBeGreaterThan(40);
    expect(unguardedRoutes(all)).toEqual([]);
    // The static inventory (the Ingress and the access matrix read it) is every running route.
    const key = (r: { service: string; method: string; path: string }) =>
      `${r.service} ${r.method} ${r.path}`;
    expect(routeInventory().map(key).sort()).toEqual(
      all
        .filter((r) => r.public?.kind !== 'probe' && r.path !== '/metrics')
        .map(key)
        .sort(),
    );
    // The public ones, from their marks: signed webhooks, the three pages, the JWKS, and the probes.
    const publicRoutes = all
      .filter((r) => r.public && r.public.kind !== 'probe')
      .map((r) => `${r.service} ${r.method} ${r.path} (${r.public!.kind})`);
    expect(publicRoutes.sort()).toEqual([
      'call-ingest POST /v1/call-events (signed-webhook)',
      'call-ingest POST /v1/plivo/voice/answer (signed-webhook)',
      'call-ingest POST /v1/plivo/voice/dial-action (signed-webhook)',
      'call-ingest POST /v1/plivo/voice/dial-events (signed-webhook)',
      'call-ingest POST /v1/plivo/voice/hangup (signed-webhook)',
      'call-ingest POST /v1/plivo/voice/screen (signed-webhook)',
      'conversation GET /inbox (page)',
      'conversation GET /inbox/assets/:file (page)',
      'conversation GET /inbox/events (session-stream)',
      'conversation GET /inbox/sso (credential-exchange)',
      'conversation GET /inbox/sso/callback (credential-exchange)',
      'conversation GET /inbox/sw.js (page)',
      'conversation POST /inbox/accept-invitation (credential-exchange)',
      'conversation POST /inbox/reset-password (credential-exchange)',
      'conversation POST /inbox/sign-in (credential-exchange)',
      'conversation POST /inbox/sign-out (credential-exchange)',
      'conversation POST /inbox/token (credential-exchange)',
      'conversation POST /v1/crm/leads/:leadId/booked (signed-webhook)',
      'conversation POST /v1/plivo/sms/inbound (signed-webhook)',
      'gateway GET /.well-known/jwks.json (discovery)',
      'gateway GET /settings (page)',
      'gateway GET /settings/assets/:file (page)',
      'gateway GET /settings/sso (credential-exchange)',
      'gateway GET /settings/sso/callback (credential-exchange)',
      'gateway GET /v1/auth/sso/callback (credential-exchange)',
      'gateway GET /v1/auth/sso/start (credential-exchange)',
      'gateway GET /v1/partner/docs (page)',
      'gateway GET /v1/partner/docs/:asset (page)',
      'gateway GET /v1/partner/openapi.json (discovery)',
      'gateway POST /settings/accept-invitation (credential-exchange)',
      'gateway POST /settings/reset-password (credential-exchange)',
      'gateway POST /settings/sign-in (credential-exchange)',
      'gateway POST /settings/sign-out (credential-exchange)',
      'gateway POST /settings/token (credential-exchange)',
      'gateway POST /v1/auth/invitations/accept (credential-exchange)',
      'gateway POST /v1/auth/password-reset (credential-exchange)',
      'gateway POST /v1/auth/revoke (credential-exchange)',
      'gateway POST /v1/auth/session/token (credential-exchange)',
      'gateway POST /v1/auth/sign-in (credential-exchange)',
      'gateway POST /v1/auth/sign-out (credential-exchange)',
      'gateway POST /v1/auth/token (credential-exchange)',
      'reporting GET /reports (page)',
      'reporting GET /reports/assets/:file (page)',
      'reporting GET /reports/sso (credential-exchange)',
      'reporting GET /reports/sso/callback (credential-exchange)',
      'reporting POST /reports/accept-invitation (credential-exchange)',
      'reporting POST /reports/reset-password (credential-exchange)',
      'reporting POST /reports/sign-in (credential-exchange)',
      'reporting POST /reports/sign-out (credential-exchange)',
      'reporting POST /reports/token (credential-exchange)',
      'sms-dispatch POST /v1/plivo/sms/status (signed-webhook)',
    ]);
  });

  it('exposes health, readiness and consumer metrics on every service', async () => {
    await decisionOf('missed-1');
    for (const [name, s] of platform.services) {
      expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      expect(metrics).toContain(`${name.replace(/-/g, '_')}_process_cpu_user_seconds_total`);
    }
    const decisionMetrics = await (await fetch(`${url('decision')}/metrics`)).text();
    expect(decisionMetrics).toMatch(
      /decision_consumer_handled_total\{topic="call.ended.v1",service="decision"\} [1-9]/,
    );
    expect(decisionMetrics).not.toMatch(/\+1404/);
  });
});
