import { z } from 'zod';
import { col, type Sql, type SystemScope, type TenantScope } from '@textback/persistence';

const RequestRow = z.object({
  method: col.text,
  fingerprint: col.text,
  state: z.enum(['running', 'done']),
  outcome: z.unknown().nullable(),
  claimed: col.bool,
});
export type RequestRow = z.output<typeof RequestRow>;

const UsageRow = z.object({
  clientId: col.text,
  day: col.text,
  method: col.text,
  calls: col.int,
  refused: col.int,
  failed: col.int,
});
export type UsageRow = z.output<typeof UsageRow>;

/** A request's idempotency key within its client and tenant. */
export interface RequestKey {
  readonly clientId: string;
  readonly key: string;
}

/**
 * The partner API's memory: each client's requests by idempotency key (claimed, then their
 * outcome), and its calls counted per day and method.
 */
export const partnerRepository = {
  /**
   * Claims the key for this request, or takes over a claim older than `leaseMs` (its holder
   * died); `claimed` says whether this caller now holds it. Otherwise the row as it stands.
   */
  async claim(
    db: Sql,
    scope: TenantScope,
    r: RequestKey & { method: string; fingerprint: string; now: Date; keepHours: number },
    leaseMs: number,
  ): Promise<RequestRow> {
    // A holder that lets its key go between the two statements: claim again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const held = await partnerRepository.claimOnce(db, scope, r, leaseMs);
      if (held) return held;
    }
    throw new Error('idempotency key let go three times while being claimed');
  },

  async claimOnce(
    db: Sql,
    scope: TenantScope,
    r: RequestKey & { method: string; fingerprint: string; now: Date; keepHours: number },
    leaseMs: number,
  ): Promise<RequestRow | undefined> {
    const claimed = await db.select(
      RequestRow,
      `INSERT INTO partner_request (client_id, tenant_id, request_key, method, fingerprint, state, started_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, 'running', $6::timestamptz, $6::timestamptz + make_interval(hours => $7::int))
       ON CONFLICT (client_id, tenant_id, request_key) DO UPDATE SET started_at = EXCLUDED.started_at
         WHERE partner_request.state = 'running' AND partner_request.fingerprint = EXCLUDED.fingerprint
           AND partner_request.started_at < EXCLUDED.started_at - make_interval(secs => $8::double precision / 1000)
       RETURNING method, fingerprint, state, outcome, true AS claimed`,
      [r.clientId, scope.tenantId, r.key, r.method, r.fingerprint, r.now, r.keepHours, leaseMs],
    );
    if (claimed[0]) return claimed[0];
    // Held by another request: read it in a statement of its own (the insert's snapshot may
    // predate the commit it waited for).
    const held = await db.selectFirst(
      RequestRow,
      `SELECT method, fingerprint, state, outcome, false AS claimed FROM partner_request
       WHERE client_id = $1 AND tenant_id = $2 AND request_key = $3`,
      [r.clientId, scope.tenantId, r.key],
    );
    return held;
  },

  async finish(db: Sql, scope: TenantScope, r: RequestKey, outcome: unknown): Promise<void> {
    await db.mutate(
      `UPDATE partner_request SET state = 'done', outcome = $4
       WHERE client_id = $1 AND tenant_id = $2 AND request_key = $3`,
      [r.clientId, scope.tenantId, r.key, JSON.stringify(outcome)],
    );
  },

  /** Lets the key go (the request failed in a way a retry may fix). */
  async release(db: Sql, scope: TenantScope, r: RequestKey): Promise<void> {
    await db.mutate(
      `DELETE FROM partner_request WHERE client_id = $1 AND tenant_id = $2 AND request_key = $3 AND state = 'running'`,
      [r.clientId, scope.tenantId, r.key],
    );
  },

  /** Forgets keys past their time, every tenant's. */
  async expire(db: Sql, _scope: SystemScope, now: Date): Promise<number> {
    return db.mutate('DELETE FROM partner_request WHERE expires_at < $1', [now]);
  },

  async count(
    db: Sql,
    scope: TenantScope,
    u: { clientId: string; day: string; method: string; outcome: 'ok' | 'refused' | 'failed' },
  ): Promise<void> {
    await db.mutate(
      `INSERT INTO partner_usage (client_id, tenant_id, day, method, calls, refused, failed)
       VALUES ($1, $2, $3::date, $4, 1, $5, $6)
       ON CONFLICT (tenant_id, client_id, day, method) DO UPDATE SET calls = partner_usage.calls + 1,
         refused = partner_usage.refused + EXCLUDED.refused, failed = partner_usage.failed + EXCLUDED.failed`,
      [
        u.clientId,
        scope.tenantId,
        u.day,
        u.method,
        u.outcome === 'refused' ? 1 : 0,
        u.outcome === 'failed' ? 1 : 0,
      ],
    );
  },

  usage(db: Sql, scope: TenantScope, since: string): Promise<UsageRow[]> {
    return db.select(
      UsageRow,
      `SELECT client_id, to_char(day, 'YYYY-MM-DD') AS day, method, calls, refused, failed
       FROM partner_usage WHERE tenant_id = $1 AND day >= $2::date ORDER BY day DESC, client_id, method`,
      [scope.tenantId, since],
    );
  },
};
