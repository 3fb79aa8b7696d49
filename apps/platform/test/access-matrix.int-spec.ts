import { randomBytes, randomUUID } from 'node:crypto';
import { rolePermissions, type Permission } from '@textback/auth';
import { SettableClock } from '@textback/testing';
import { routeInventory } from '../../../tools/helm/edge-routes';
import { startTestPlatform, type TestPlatform } from './test-platform';

/** Where a request points: its tenant, a location and a thread there, a customer's number. */
interface Target {
  tenant: string;
  location: string;
  number: string;
  thread: string;
}
interface Req {
  method?: string;
  path: string;
  body?: unknown;
  contentType?: string;
}
/**
 * One row per route. `needs`: the permission (or public / internal). `elsewhere`: how a request
 * about another location is answered to a credential without it — 403 (the location is named),
 * 404 (the thing is not found in its scope) or 200 (a list, narrowed); absent: the route is
 * tenant-wide and answers as for its own location.
 */
interface Row {
  /** `person`: any person's own (sessions, password, second factor), never a key's or client's. */
  needs: Permission | 'person' | 'public' | 'internal' | 'partner';
  call?: (t: Target) => Req;
  elsewhere?: 403 | 404 | 200;
  why?: string;
}

const tenantBody = {
  brandName: 'Cool Breeze Heating & Air',
  vertical: 'hvac',
  campaignId: 'CMPCOOLBREEZE1',
  brandDailyCap: 2000,
  monthlyPrice: { amountMinor: 29900, currency: 'USD' },
};
const numberOf: Record<string, string> = {
  'atlanta-north': '+14045550100',
  'atlanta-south': '+14045550110',
  'denver-downtown': '+13035550130',
};
const locationBody = (l: string) => ({
  name: l,
  businessNumbers: [numberOf[l]],
  forwardTo: '+14045550190',
  timezone: 'America/New_York',
});
const unique = () => randomBytes(4).toString('hex');
const day = new Date().toISOString().slice(0, 10);

const publicRow = (why: string): Row => ({ needs: 'public', why });

/** Every route of every service, and who may call it (a route without a row fails the test). */
const rows: Record<string, Row> = {
  'call-ingest POST /v1/call-events': {
    needs: 'call-events:write',
    elsewhere: 403,
    call: (t) => ({
      path: '/v1/call-events',
      body: {
        callId: randomUUID(),
        tenantId: t.tenant,
        locationId: t.location,
        businessNumber: numberOf[t.location],
        callerNumber: '+14045550177',
        outcome: 'no-answer',
        endedAt: new Date().toISOString(),
      },
    }),
  },
  'call-ingest POST /v1/plivo/voice/answer': publicRow('Plivo-signed; tests: plivo-voice'),
  'call-ingest POST /v1/plivo/voice/dial-action': publicRow('Plivo-signed'),
  'call-ingest POST /v1/plivo/voice/dial-events': publicRow('Plivo-signed'),
  'call-ingest POST /v1/plivo/voice/hangup': publicRow('Plivo-signed'),
  'call-ingest POST /v1/plivo/voice/screen': publicRow('Plivo-signed'),
  'sms-dispatch POST /v1/plivo/sms/status': publicRow('Plivo-signed'),
  'conversation POST /v1/plivo/sms/inbound': publicRow('Plivo-signed'),
  'conversation POST /v1/crm/leads/:leadId/booked': publicRow(
    "signed with the tenant's CRM secret",
  ),
  'conversation POST /inbox/token': publicRow('passes a credential to the gateway'),
  'conversation POST /inbox/sign-in': publicRow('relayed to the gateway'),
  'conversation POST /inbox/accept-invitation': publicRow('relayed to the gateway'),
  'conversation POST /inbox/reset-password': publicRow('relayed to the gateway'),
  'conversation POST /inbox/sign-out': publicRow('relayed to the gateway'),
  'conversation GET /inbox': publicRow('the page; its data comes from guarded APIs'),
  'conversation GET /inbox/assets/:file': publicRow('the page assets'),
  'conversation GET /inbox/sw.js': publicRow("the page's service worker (shows pushed alerts)"),
  'conversation GET /inbox/sso': publicRow('relayed to the gateway'),
  'conversation GET /inbox/events': publicRow(
    'checks the session at the gateway; tests: inbox-stream',
  ),
  'conversation GET /inbox/sso/callback': publicRow('relayed to the gateway'),
  'reporting POST /reports/token': publicRow('passes a credential to the gateway'),
  'reporting POST /reports/sign-in': publicRow('relayed to the gateway'),
  'reporting POST /reports/accept-invitation': publicRow('relayed to the gateway'),
  'reporting POST /reports/reset-password': publicRow('relayed to the gateway'),
  'reporting POST /reports/sign-out': publicRow('relayed to the gateway'),
  'reporting GET /reports': publicRow('the page'),
  'reporting GET /reports/assets/:file': publicRow('the page assets'),
  'reporting GET /reports/sso': publicRow('relayed to the gateway'),
  'reporting GET /reports/sso/callback': publicRow('relayed to the gateway'),
  'gateway GET /v1/auth/sso/start': publicRow("sends the browser to the tenant's provider"),
  'gateway GET /v1/auth/sso/callback': publicRow("checks the provider's code, state and nonce"),
  'gateway GET /settings': publicRow('the page'),
  'gateway GET /settings/assets/:file': publicRow('the page assets'),
  'gateway GET /settings/sso': publicRow('relayed to the gateway'),
  'gateway GET /settings/sso/callback': publicRow('relayed to the gateway'),
  'gateway POST /settings/token': publicRow('passes a credential to the gateway'),
  'gateway POST /settings/sign-in': publicRow('relayed to the gateway'),
  'gateway POST /settings/accept-invitation': publicRow('relayed to the gateway'),
  'gateway POST /settings/reset-password': publicRow('relayed to the gateway'),
  'gateway POST /settings/sign-out': publicRow('relayed to the gateway'),
  'gateway GET /.well-known/jwks.json': publicRow('public keys'),
  'gateway POST /v1/auth/token': publicRow('checks the credential it is given'),
  'gateway POST /v1/auth/invitations/accept': publicRow('checks the invitation'),
  'gateway POST /v1/auth/revoke': publicRow('only a holder can name its token'),
  'gateway POST /v1/auth/sign-in': publicRow('checks the password it is given; throttled'),
  'gateway POST /v1/auth/password-reset': publicRow('checks the reset link it is given'),
  'gateway POST /v1/admin/tenants/:tenantId/users/:userId/password-reset': {
    needs: 'users:manage',
    call: (t) => ({
      path: `/v1/admin/tenants/${t.tenant}/users/${randomUUID()}/password-reset`,
      body: {},
    }),
  },
  'gateway POST /v1/auth/session/token': publicRow('checks the session cookie and CSRF token'),
  'gateway POST /v1/auth/sign-out': publicRow('ends the session its cookie names'),
  'gateway GET /v1/auth/sessions': {
    needs: 'person',
    call: () => ({ path: '/v1/auth/sessions' }),
  },
  'gateway DELETE /v1/auth/sessions/:sessionId': {
    needs: 'person',
    call: () => ({ method: 'DELETE', path: `/v1/auth/sessions/${randomBytes(8).toString('hex')}` }),
  },
  'gateway POST /v1/auth/password': {
    needs: 'person',
    call: () => ({ path: '/v1/auth/password', body: { password: 'short' } }),
  },
  'gateway PUT /v1/auth/phone': {
    needs: 'person',
    call: () => ({
      method: 'PUT',
      path: '/v1/auth/phone',
      body: { phone: '+14045550188', textConsent: true },
    }),
  },
  'gateway DELETE /v1/auth/phone': {
    needs: 'person',
    call: () => ({ method: 'DELETE', path: '/v1/auth/phone' }),
  },
  'gateway POST /v1/auth/totp': {
    needs: 'person',
    call: () => ({ path: '/v1/auth/totp', body: {} }),
  },
  'gateway POST /v1/auth/totp/confirm': {
    needs: 'person',
    call: () => ({ path: '/v1/auth/totp/confirm', body: { code: '000000' } }),
  },
  'gateway POST /v1/admin/tenants/:tenantId/users/:userId/unlock': {
    needs: 'users:manage',
    call: (t) => ({ path: `/v1/admin/tenants/${t.tenant}/users/${randomUUID()}/unlock`, body: {} }),
  },
  'compliance POST /internal/v1/consent/inbound': { needs: 'internal' },
  'compliance POST /internal/v1/consent/checks': { needs: 'internal' },

  'decision GET /v1/decisions/:callId': {
    needs: 'decisions:read',
    call: (t) => ({ path: `/v1/decisions/${randomUUID()}?tenantId=${t.tenant}` }),
  },
  'conversation GET /v1/inbox/threads': {
    needs: 'inbox:read',
    elsewhere: 200,
    call: (t) => ({ path: `/v1/inbox/threads?tenantId=${t.tenant}&locationId=${t.location}` }),
  },
  'conversation GET /v1/inbox/threads/:threadId': {
    needs: 'inbox:read',
    elsewhere: 404,
    call: (t) => ({ path: `/v1/inbox/threads/${t.thread}?tenantId=${t.tenant}` }),
  },
  'conversation POST /v1/inbox/threads/:threadId/reply': {
    needs: 'inbox:write',
    elsewhere: 404,
    call: (t) => ({
      path: `/v1/inbox/threads/${t.thread}/reply?tenantId=${t.tenant}`,
      body: { text: 'On our way.' },
    }),
  },
  'conversation POST /v1/inbox/threads/:threadId/assign': {
    needs: 'inbox:write',
    elsewhere: 404,
    call: (t) => ({
      path: `/v1/inbox/threads/${t.thread}/assign?tenantId=${t.tenant}`,
      body: { assignee: null },
    }),
  },
  'conversation POST /v1/inbox/threads/:threadId/close': {
    needs: 'inbox:write',
    elsewhere: 404,
    call: (t) => ({
      path: `/v1/inbox/threads/${t.thread}/close?tenantId=${t.tenant}`,
      body: { outcome: 'lost', reason: 'Price' },
    }),
  },
  'conversation POST /v1/inbox/threads/:threadId/book': {
    needs: 'inbox:write',
    elsewhere: 404,
    call: (t) => ({ path: `/v1/inbox/threads/${t.thread}/book?tenantId=${t.tenant}`, body: {} }),
  },
  'conversation PUT /v1/inbox/threads/:threadId/lead/stage': {
    needs: 'inbox:write',
    elsewhere: 404,
    call: (t) => ({
      method: 'PUT',
      path: `/v1/inbox/threads/${t.thread}/lead/stage?tenantId=${t.tenant}`,
      body: { stage: 'qualified' },
    }),
  },
  'conversation PUT /v1/inbox/threads/:threadId/customer-name': {
    needs: 'inbox:write',
    elsewhere: 404,
    call: (t) => ({
      method: 'PUT',
      path: `/v1/inbox/threads/${t.thread}/customer-name?tenantId=${t.tenant}`,
      body: { customerName: 'Maria' },
    }),
  },
  'conversation POST /v1/inbox/threads/:threadId/notes': {
    needs: 'inbox:write',
    elsewhere: 404,
    call: (t) => ({
      path: `/v1/inbox/threads/${t.thread}/notes?tenantId=${t.tenant}`,
      body: { text: 'Prefers mornings' },
    }),
  },
  'conversation PUT /v1/inbox/threads/:threadId/draft': {
    needs: 'inbox:write',
    elsewhere: 404,
    call: (t) => ({
      method: 'PUT',
      path: `/v1/inbox/threads/${t.thread}/draft?tenantId=${t.tenant}`,
      body: { text: 'On our' },
    }),
  },
  'conversation GET /v1/inbox/threads/:threadId/canned-replies': {
    needs: 'inbox:read',
    elsewhere: 404,
    call: (t) => ({ path: `/v1/inbox/threads/${t.thread}/canned-replies?tenantId=${t.tenant}` }),
  },
  /** A person's own alert settings and push subscriptions (a machine's credential: 400, none). */
  'conversation GET /v1/inbox/alert-settings': {
    needs: 'inbox:read',
    call: (t) => ({ path: `/v1/inbox/alert-settings?tenantId=${t.tenant}` }),
  },
  'conversation PUT /v1/inbox/alert-settings': {
    needs: 'inbox:read',
    call: (t) => ({
      method: 'PUT',
      path: `/v1/inbox/alert-settings?tenantId=${t.tenant}`,
      body: { channels: ['email'], timezone: 'America/New_York', shifts: null },
    }),
  },
  'conversation POST /v1/inbox/push-subscriptions': {
    needs: 'inbox:read',
    call: (t) => ({
      path: `/v1/inbox/push-subscriptions?tenantId=${t.tenant}`,
      body: {
        endpoint: 'https://push.example.net/send/abc',
        keys: { p256dh: `B${'A'.repeat(86)}`, auth: 'AAAAAAAAAAAAAAAAAAAAAA' },
      },
    }),
  },
  'conversation DELETE /v1/inbox/push-subscriptions': {
    needs: 'inbox:read',
    call: (t) => ({
      method: 'DELETE',
      path: `/v1/inbox/push-subscriptions?tenantId=${t.tenant}&endpoint=${encodeURIComponent('https://push.example.net/send/abc')}`,
    }),
  },
  'conversation GET /v1/inbox/locations': {
    needs: 'inbox:read',
    call: (t) => ({ path: `/v1/inbox/locations?tenantId=${t.tenant}` }),
  },
  'conversation GET /v1/inbox/team': {
    needs: 'inbox:read',
    elsewhere: 403,
    call: (t) => ({ path: `/v1/inbox/team?tenantId=${t.tenant}&locationId=${t.location}` }),
  },
  'conversation GET /v1/inbox/canned-replies': {
    needs: 'inbox:read',
    call: (t) => ({ path: `/v1/inbox/canned-replies?tenantId=${t.tenant}` }),
  },
  /** A brand-wide reply is the brand's settings (a location's own needs locations:write there). */
  'conversation POST /v1/inbox/canned-replies': {
    needs: 'tenant:settings',
    call: (t) => ({
      path: `/v1/inbox/canned-replies?tenantId=${t.tenant}`,
      body: { title: `Greeting ${unique()}`, text: 'Hi {{customerName}}!' },
    }),
  },
  'conversation DELETE /v1/inbox/canned-replies/:replyId': {
    needs: 'locations:write',
    call: (t) => ({
      method: 'DELETE',
      path: `/v1/inbox/canned-replies/${randomUUID()}?tenantId=${t.tenant}`,
    }),
  },
  'conversation GET /v1/inbox/response-times': {
    needs: 'inbox:read',
    call: (t) => ({ path: `/v1/inbox/response-times?tenantId=${t.tenant}` }),
  },
  'conversation PUT /v1/crm/endpoints/:tenantId': {
    needs: 'crm:manage',
    call: (t) => ({
      method: 'PUT',
      path: `/v1/crm/endpoints/${t.tenant}`,
      body: { url: 'https://93.184.216.34/hook', secret: 'matrix-crm-secret-0123' },
    }),
  },
  'conversation GET /v1/crm/deliveries': {
    needs: 'crm:manage',
    call: (t) => ({ path: `/v1/crm/deliveries?tenantId=${t.tenant}` }),
  },
  'conversation POST /v1/crm/deliveries/:deliveryId/retry': {
    needs: 'crm:manage',
    call: (t) => ({
      method: 'POST',
      path: `/v1/crm/deliveries/${randomUUID()}/retry?tenantId=${t.tenant}`,
    }),
  },
  'compliance GET /v1/consent/:tenantId/export': {
    needs: 'consent:export',
    call: (t) => ({ path: `/v1/consent/${t.tenant}/export` }),
  },
  'compliance GET /v1/consent/:tenantId/:phone': {
    needs: 'consent:read',
    call: (t) => ({ path: `/v1/consent/${t.tenant}/${encodeURIComponent(t.number)}` }),
  },
  'compliance POST /v1/consent/:tenantId/:phone/opt-out': {
    needs: 'consent:write',
    call: (t) => ({
      path: `/v1/consent/${t.tenant}/${encodeURIComponent(t.number)}/opt-out`,
      body: { actor: 'matrix', reason: 'asked by phone' },
    }),
  },
  'compliance POST /v1/consent/:tenantId/:phone/opt-in': {
    needs: 'consent:write',
    call: (t) => ({
      path: `/v1/consent/${t.tenant}/${encodeURIComponent(t.number)}/opt-in`,
      body: { actor: 'matrix', reason: 'asked to be texted again' },
    }),
  },
  'reporting GET /v1/reports/funnel': {
    needs: 'reports:read',
    elsewhere: 200,
    call: (t) => ({
      path: `/v1/reports/funnel?tenantId=${t.tenant}&locationId=${t.location}&from=${day}&to=${day}`,
    }),
  },
  'reporting GET /v1/reports/calls': {
    needs: 'reports:read',
    elsewhere: 200,
    call: (t) => ({
      path: `/v1/reports/calls?tenantId=${t.tenant}&locationId=${t.location}&from=${day}&to=${day}`,
    }),
  },
  'reporting POST /v1/reports/what-if': {
    needs: 'reports:read',
    call: (t) => ({
      path: `/v1/reports/what-if?tenantId=${t.tenant}`,
      contentType: 'text/csv',
      body: 'time,caller,outcome,duration\n2026-11-02 09:15,+14045550101,no-answer,0\n',
    }),
  },
  'gateway GET /v1/admin/tenants': {
    needs: 'tenants:manage',
    call: () => ({ path: '/v1/admin/tenants' }),
  },
  'gateway PUT /v1/admin/tenants/:tenantId': {
    needs: 'tenant:settings',
    call: (t) => ({ method: 'PUT', path: `/v1/admin/tenants/${t.tenant}`, body: tenantBody }),
  },
  'gateway GET /v1/admin/tenants/:tenantId': {
    needs: 'tenant:settings',
    call: (t) => ({ path: `/v1/admin/tenants/${t.tenant}` }),
  },
  'gateway GET /v1/admin/tenants/:tenantId/locations': {
    needs: 'tenant:settings',
    call: (t) => ({ path: `/v1/admin/tenants/${t.tenant}/locations` }),
  },
  'gateway PUT /v1/admin/tenants/:tenantId/locations/:locationId': {
    needs: 'locations:write',
    elsewhere: 403,
    call: (t) => ({
      method: 'PUT',
      path: `/v1/admin/tenants/${t.tenant}/locations/${t.location}`,
      body: locationBody(t.location),
    }),
  },
  'gateway GET /v1/admin/tenants/:tenantId/locations/:locationId': {
    needs: 'locations:write',
    elsewhere: 403,
    call: (t) => ({ path: `/v1/admin/tenants/${t.tenant}/locations/${t.location}` }),
  },
  'gateway POST /v1/admin/tenants/:tenantId/api-keys': {
    needs: 'tenant:settings',
    call: (t) => ({
      path: `/v1/admin/tenants/${t.tenant}/api-keys`,
      body: { name: 'matrix', permissions: ['inbox:read'] },
    }),
  },
  'gateway GET /v1/admin/tenants/:tenantId/api-keys': {
    needs: 'tenant:settings',
    call: (t) => ({ path: `/v1/admin/tenants/${t.tenant}/api-keys` }),
  },
  'gateway DELETE /v1/admin/tenants/:tenantId/api-keys/:keyId': {
    needs: 'tenant:settings',
    call: (t) => ({
      method: 'DELETE',
      path: `/v1/admin/tenants/${t.tenant}/api-keys/${randomBytes(8).toString('hex')}`,
    }),
  },
  'gateway POST /v1/admin/tenants/:tenantId/users': {
    needs: 'users:manage',
    elsewhere: 403,
    call: (t) => ({
      path: `/v1/admin/tenants/${t.tenant}/users`,
      body: {
        email: `op-${unique()}@matrix.example`,
        name: 'Op',
        role: 'operator',
        locationIds: [t.location],
      },
    }),
  },
  'gateway GET /v1/admin/tenants/:tenantId/users': {
    needs: 'users:manage',
    call: (t) => ({ path: `/v1/admin/tenants/${t.tenant}/users` }),
  },
  'gateway DELETE /v1/admin/tenants/:tenantId/users/:userId': {
    needs: 'users:manage',
    call: (t) => ({
      method: 'DELETE',
      path: `/v1/admin/tenants/${t.tenant}/users/${randomUUID()}`,
    }),
  },
  'gateway POST /v1/admin/tenants/:tenantId/groups': {
    needs: 'tenant:settings',
    call: (t) => ({
      path: `/v1/admin/tenants/${t.tenant}/groups`,
      body: { groupId: `g-${unique()}`, name: 'Group', locationIds: [t.location] },
    }),
  },
  'gateway GET /v1/admin/tenants/:tenantId/audit': {
    needs: 'tenant:settings',
    call: (t) => ({ path: `/v1/admin/tenants/${t.tenant}/audit?from=${day}&to=${day}` }),
  },
  'gateway GET /v1/admin/tenants/:tenantId/sign-in-settings': {
    needs: 'tenant:settings',
    call: (t) => ({ path: `/v1/admin/tenants/${t.tenant}/sign-in-settings` }),
  },
  'gateway PUT /v1/admin/tenants/:tenantId/sign-in-settings': {
    needs: 'tenant:settings',
    call: (t) => ({
      method: 'PUT',
      path: `/v1/admin/tenants/${t.tenant}/sign-in-settings`,
      body: { requireSecondFactor: false },
    }),
  },
  'gateway GET /v1/admin/tenants/:tenantId/groups': {
    needs: 'tenant:settings',
    call: (t) => ({ path: `/v1/admin/tenants/${t.tenant}/groups` }),
  },
  'gateway POST /v1/admin/platform-admins': {
    needs: 'tenants:manage',
    call: () => ({
      path: '/v1/admin/platform-admins',
      body: { email: `root-${unique()}@matrix.example`, name: 'Root' },
    }),
  },
  'gateway GET /v1/admin/platform-admins': {
    needs: 'tenants:manage',
    call: () => ({ path: '/v1/admin/platform-admins' }),
  },
  'gateway POST /v1/admin/clients': {
    needs: 'tenants:manage',
    call: () => ({ path: '/v1/admin/clients', body: { name: 'Matrix', scopes: ['threads:read'] } }),
  },
  'gateway GET /v1/admin/clients': {
    needs: 'tenants:manage',
    call: () => ({ path: '/v1/admin/clients' }),
  },
  'gateway DELETE /v1/admin/clients/:clientId': {
    needs: 'tenants:manage',
    call: () => ({
      method: 'DELETE',
      path: `/v1/admin/clients/txc_${randomBytes(8).toString('hex')}`,
    }),
  },
  'gateway GET /v1/admin/tenants/:tenantId/partner-usage': {
    needs: 'tenant:settings',
    call: (t) => ({ path: `/v1/admin/tenants/${t.tenant}/partner-usage` }),
  },
  'gateway GET /v1/partner/openapi.json': publicRow('the API description: no data'),
  'gateway GET /v1/partner/docs': publicRow('the docs page over openapi.json'),
  'gateway GET /v1/partner/docs/:asset': publicRow("Swagger UI's static files"),
  'gateway POST /v1/admin/tenants/:tenantId/grants': {
    needs: 'tenant:settings',
    call: (t) => ({
      path: `/v1/admin/tenants/${t.tenant}/grants`,
      body: { clientId: partnerClient, scopes: ['threads:read'] },
    }),
  },
  'gateway GET /v1/admin/tenants/:tenantId/grants': {
    needs: 'tenant:settings',
    call: (t) => ({ path: `/v1/admin/tenants/${t.tenant}/grants` }),
  },
  'gateway DELETE /v1/admin/tenants/:tenantId/grants/:clientId': {
    needs: 'tenant:settings',
    call: (t) => ({
      method: 'DELETE',
      path: `/v1/admin/tenants/${t.tenant}/grants/txc_${randomBytes(8).toString('hex')}`,
    }),
  },
};
// The partner API's routes, one per RPC: partner-api.int-spec holds each to its own matrix
// (no credential, wrong scope, other tenant, revoked grant) on gRPC and REST alike.
for (const r of routeInventory())
  if (r.handler.startsWith('PartnerRestController.'))
    rows[`${r.service} ${r.method} ${r.path}`] = { needs: 'partner', why: 'partner-api.int-spec' };
let partnerClient = '';

interface Credential {
  token: string;
  person: boolean;
  permissions: readonly Permission[];
  tenant: string;
  locations: 'all' | string[];
}

/**
 * The access matrix (#15): every HTTP route from Nest's route metadata × no credential, each role
 * in its own scope, on another location, on another tenant, a location-group member, an API key,
 * an expired key and a revoked key — each cell's status as the roles table says.
 */
describe('the access matrix', () => {
  const clock = new SettableClock(new Date(Math.floor(Date.now() / 1000) * 1000));
  let t: TestPlatform;
  const creds: Record<string, Credential> = {};
  let expiredKey = '';
  let revokedKey = '';
  const rawKeys = { expiring: '', revoked: '' };
  const own: Target = {
    tenant: 'cool-breeze-hvac',
    location: 'atlanta-north',
    number: '+14045550177',
    thread: '',
  };
  const elsewhere: Target = { ...own, location: 'atlanta-south' };
  const otherTenant: Target = {
    ...own,
    tenant: 'bright-smile-dental',
    location: 'denver-downtown',
  };

  beforeAll(async () => {
    t = await startTestPlatform({
      transport: 'in-process',
      name: 'matrix',
      clock,
      env: { ACCESS_TOKEN_TTL_SECONDS: '300' },
    });
    const admin = await t.adminAuthorization();
    const gw = async (path: string, body: object) => {
      const res = await fetch(`${t.url('gateway')}${path}`, {
        method: 'POST',
        headers: { authorization: admin, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(201);
      return (await res.json()) as Record<string, string>;
    };
    const exchange = async (init: RequestInit) => {
      const res = await fetch(`${t.url('gateway')}/v1/auth/token`, { method: 'POST', ...init });
      expect(res.status).toBe(200);
      return ((await res.json()) as { access_token: string }).access_token;
    };
    const refresh = (refreshToken: string) =>
      exchange({
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
      });
    const users = '/v1/admin/tenants/cool-breeze-hvac/users';
    await gw('/v1/admin/tenants/cool-breeze-hvac/groups', {
      groupId: 'metro',
      name: 'Atlanta metro',
      locationIds: ['atlanta-north', 'atlanta-south'],
    });
    creds['platform-admin'] = {
      token: admin.slice(7),
      person: false, // the bootstrap credential
      permissions: rolePermissions['platform-admin'],
      tenant: '*',
      locations: 'all',
    };
    const people: [string, string, object, 'all' | string[]][] = [
      ['brand-admin', 'brand-admin', {}, 'all'],
      [
        'location-manager',
        'location-manager',
        { locationIds: ['atlanta-north'] },
        ['atlanta-north'],
      ],
      ['operator', 'operator', { locationIds: ['atlanta-north'] }, ['atlanta-north']],
      ['analyst', 'analyst', { locationIds: ['atlanta-north'] }, ['atlanta-north']],
      [
        'group member',
        'location-manager',
        { groupId: 'metro' },
        ['atlanta-north', 'atlanta-south'],
      ],
    ];
    for (const [name, role, scope, locations] of people) {
      const made = await gw(users, {
        email: `${name.replace(' ', '-')}@matrix.example`,
        name,
        role,
        signIn: 'refresh-token',
        ...scope,
      });
      creds[name] = {
        token: await refresh(made['refreshToken']!),
        person: true,
        permissions: rolePermissions[role as keyof typeof rolePermissions],
        tenant: 'cool-breeze-hvac',
        locations,
      };
    }
    const keyPermissions: Permission[] = [
      'inbox:read',
      'reports:read',
      'consent:read',
      'call-events:write',
    ];
    const key = await gw('/v1/admin/tenants/cool-breeze-hvac/api-keys', {
      name: 'wallboard',
      permissions: keyPermissions,
      locationIds: ['atlanta-north'],
    });
    creds['api key'] = {
      token: await exchange({ headers: { authorization: `Bearer ${key['key']!}` } }),
      person: false,
      permissions: keyPermissions,
      tenant: 'cool-breeze-hvac',
      locations: ['atlanta-north'],
    };
    // A key that expires in a minute (its token with it), and one revoked after its exchange.
    const expiring = await gw('/v1/admin/tenants/cool-breeze-hvac/api-keys', {
      name: 'expiring',
      permissions: keyPermissions,
      expiresAt: new Date(clock.now().getTime() + 60_000).toISOString(),
    });
    rawKeys.expiring = expiring['key']!;
    expiredKey = await exchange({ headers: { authorization: `Bearer ${expiring['key']!}` } });
    const revoked = await gw('/v1/admin/tenants/cool-breeze-hvac/api-keys', {
      name: 'revoked',
      permissions: keyPermissions,
    });
    rawKeys.revoked = revoked['key']!;
    revokedKey = await exchange({ headers: { authorization: `Bearer ${revoked['key']!}` } });
    const del = await fetch(
      `${t.url('gateway')}/v1/admin/tenants/cool-breeze-hvac/api-keys/${revoked['keyId']!}`,
      { method: 'DELETE', headers: { authorization: admin } },
    );
    expect(del.status).toBe(204);
    partnerClient = (await gw('/v1/admin/clients', { name: 'Partner', scopes: ['threads:read'] }))[
      'clientId'
    ]!;
    const thread = (location: string) => t.threadAt(location);
    own.thread = await thread('atlanta-north');
    elsewhere.thread = await thread('atlanta-south');
    otherTenant.thread = own.thread;
  }, 180_000);

  afterAll(async () => {
    await t?.stop();
  });

  const serviceOf = (key: string) => key.split(' ')[0]!;
  const send = async (key: string, req: Req, token?: string): Promise<number> => {
    const res = await fetch(`${t.url(serviceOf(key))}${req.path}`, {
      method: req.method ?? (req.body === undefined ? 'GET' : 'POST'),
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(req.body === undefined
          ? {}
          : { 'content-type': req.contentType ?? 'application/json' }),
      },
      ...(req.body === undefined
        ? {}
        : { body: typeof req.body === 'string' ? req.body : JSON.stringify(req.body) }),
    });
    await res.arrayBuffer();
    return res.status;
  };
  /** What a cell should answer: allowed (anything but 401/403 and never a 5xx), or a status. */
  const expected = (row: Row, c: Credential, where: 'own' | 'elsewhere' | 'other-tenant') => {
    if (row.needs === 'person') return c.person ? 'allowed' : 403;
    if (!c.permissions.includes(row.needs as Permission)) return 403;
    if (where === 'other-tenant') return c.tenant === '*' ? 'allowed' : 403;
    const covers = c.locations === 'all' || c.locations.includes(elsewhere.location);
    if (where === 'elsewhere' && !covers && row.elsewhere && row.elsewhere !== 200)
      return row.elsewhere;
    return 'allowed';
  };
  const verdict = (status: number) =>
    status === 401 || status === 403 || status >= 500 ? status : 'allowed';

  it('has a row for every route, and no row for a route that is gone', () => {
    const routes = routeInventory().map((r) => `${r.service} ${r.method} ${r.path}`);
    expect(Object.keys(rows).sort()).toEqual([...routes].sort());
  });

  it('answers every cell as the roles table says', async () => {
    const wrong: string[] = [];
    for (const [key, row] of Object.entries(rows)) {
      if (row.needs === 'public' || row.needs === 'partner') continue;
      if (row.needs === 'internal') {
        // Service-to-service only: no person's or key's token opens it.
        const path = key
          .split(' ')[2]!
          .replace(':tenantId', own.tenant)
          .replace(':phone', '%2B14045550177');
        const status = await send(
          key,
          { path, ...(key.includes('POST') ? { body: {} } : {}) },
          creds['platform-admin']!.token,
        );
        if (status !== 401) wrong.push(`${key} × platform-admin token: ${status}, expected 401`);
        continue;
      }
      const call = row.call!;
      const none = await send(key, call(own));
      if (none !== 401) wrong.push(`${key} × no credential: ${none}, expected 401`);
      for (const [name, c] of Object.entries(creds)) {
        for (const [where, target] of [
          ['own', own],
          ['elsewhere', elsewhere],
          ['other-tenant', otherTenant],
        ] as const) {
          const want = expected(row, c, where);
          const status = await send(key, call(target), c.token);
          const got = want === 'allowed' ? verdict(status) : status;
          if (got !== want) wrong.push(`${key} × ${name} (${where}): ${status}, expected ${want}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  }, 300_000);

  it('refuses an expired key and a revoked key on every route once their tokens end', async () => {
    const exchange = async (key: string) =>
      (
        await fetch(`${t.url('gateway')}/v1/auth/token`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}` },
        })
      ).status;
    const threads = (token: string) =>
      send(
        'conversation GET /v1/inbox/threads',
        rows['conversation GET /v1/inbox/threads']!.call!(own),
        token,
      );
    // No new token for either at once; the expiring key's token ends with the key itself …
    clock.advance(70_000); // past the key's expiry and the verifiers' 5 s tolerance
    expect(await exchange(rawKeys.expiring)).toBe(401);
    expect(await exchange(rawKeys.revoked)).toBe(401);
    expect(await threads(expiredKey)).toBe(401);
    expect(await threads(revokedKey)).toBe(200); // … the revoked key's within the token lifetime
    clock.advance(300_000);
    const wrong: string[] = [];
    for (const [key, row] of Object.entries(rows)) {
      if (!row.call) continue;
      for (const [name, token] of [
        ['expired key', expiredKey],
        ['revoked key', revokedKey],
      ] as const) {
        const status = await send(key, row.call(own), token);
        if (status !== 401) wrong.push(`${key} × ${name}: ${status}, expected 401`);
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000);
});
