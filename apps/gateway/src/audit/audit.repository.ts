import { z } from 'zod';
import type { AuditRecordedV1 } from '@textback/contracts';
import {
  col,
  type Database,
  type SystemScope,
  type TenantScope,
  type Tx,
} from '@textback/persistence';

const AuditRow = z.object({
  auditId: col.uuid,
  at: col.timestamp,
  service: col.text,
  actorKind: col.text,
  actorSubject: col.text,
  action: col.text,
  resource: col.text,
  outcome: col.int,
  address: col.text.nullable(),
});
export type AuditRow = z.output<typeof AuditRow>;

/** A tenant's audit log, appended by the consumer; numbers and addresses redacted after retention. */
export const auditRepository = {
  /** The record, once (a redelivery adds nothing). */
  async append(tx: Tx, _scope: SystemScope, r: AuditRecordedV1): Promise<void> {
    await tx.mutate(
      `INSERT INTO audit_log (audit_id, at, service, tenant_key, actor_kind, actor_subject, action, resource, outcome, address)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (audit_id) DO NOTHING`,
      [
        r.auditId,
        r.at,
        r.service,
        r.tenantKey,
        r.actor.kind,
        r.actor.subject,
        r.action,
        r.resource,
        r.outcome,
        r.address,
      ],
    );
  },

  /** The tenant's entries in a time range, newest first. */
  entries(db: Database, scope: TenantScope, range: { from: Date; to: Date; limit: number }) {
    return db.select(
      AuditRow,
      `SELECT audit_id, at, service, actor_kind, actor_subject, action, resource, outcome, address
       FROM audit_log WHERE tenant_key = $1 AND at >= $2 AND at < $3 ORDER BY at DESC LIMIT $4`,
      [scope.tenantId, range.from, range.to, range.limit],
    );
  },

  /**
   * Masks phone numbers in the paths and drops the addresses of entries older than `before`:
   * the entry stays (who, what, when, outcome), the personal data it named goes.
   */
  redactBefore(db: Database, _scope: SystemScope, before: Date, now: Date): Promise<number> {
    return db.mutate(
      `UPDATE audit_log
       SET resource = regexp_replace(resource, '(%2B|\\+)?[0-9]{7,15}', '[number]', 'g'),
           address = NULL, redacted_at = $2
       WHERE at < $1 AND redacted_at IS NULL`,
      [before, now],
    );
  },
};
