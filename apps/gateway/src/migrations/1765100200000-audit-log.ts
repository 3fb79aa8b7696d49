import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log: one row per audited call of any service (from `audit.recorded.v1`), appended
 * only — the one later change is the redaction of numbers and addresses after retention.
 */
export class AuditLog1765100200000 implements MigrationInterface {
  name = 'AuditLog1765100200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        audit_id uuid PRIMARY KEY,
        at timestamptz NOT NULL,
        service text NOT NULL,
        tenant_key text NOT NULL,
        actor_kind text NOT NULL,
        actor_subject text NOT NULL,
        action text NOT NULL,
        resource text NOT NULL,
        outcome integer NOT NULL,
        address text,
        redacted_at timestamptz
      )`);
    await q.query('CREATE INDEX audit_log_tenant_at ON audit_log (tenant_key, at DESC)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE audit_log');
  }
}
