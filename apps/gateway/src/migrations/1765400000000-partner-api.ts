import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Permission names clients were registered and granted with, as partner scopes (#19). */
const asScopes = (column: string): string => `ARRAY(
  SELECT DISTINCT s FROM unnest(${column}) AS p(permission),
  LATERAL unnest(CASE p.permission
    WHEN 'inbox:read' THEN ARRAY['threads:read']
    WHEN 'inbox:write' THEN ARRAY['messages:write', 'leads:write']
    WHEN 'call-events:write' THEN ARRAY['calls:write']
    WHEN 'reports:read' THEN ARRAY['reports:read']
    WHEN 'consent:read' THEN ARRAY['consent:read']
    WHEN 'locations:write' THEN ARRAY['locations:read', 'locations:write']
    ELSE ARRAY[]::text[] END) AS s ORDER BY s)`;

/**
 * The partner API: clients' scopes become the partner catalogue's; each client's requests are
 * remembered by idempotency key (the first outcome, replayed for 24 hours), counted per day and
 * method (the usage a brand sees), and drawn from shared rate-limit windows; each client gets a
 * sandbox brand.
 */
export class PartnerApi1765400000000 implements MigrationInterface {
  name = 'PartnerApi1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE partner_client SET scopes = ${asScopes('scopes')}`);
    await q.query(`UPDATE partner_grant SET scopes = ${asScopes('scopes')}`);
    await q.query(`
      CREATE TABLE partner_request (
        client_id text NOT NULL,
        tenant_id text NOT NULL,
        request_key text NOT NULL,
        method text NOT NULL,
        fingerprint text NOT NULL,
        state text NOT NULL CHECK (state IN ('running', 'done')),
        outcome jsonb,
        started_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (client_id, tenant_id, request_key)
      )`);
    await q.query('CREATE INDEX partner_request_expiry ON partner_request (expires_at)');
    await q.query(`
      CREATE TABLE partner_usage (
        client_id text NOT NULL,
        tenant_id text NOT NULL,
        day date NOT NULL,
        method text NOT NULL,
        calls integer NOT NULL DEFAULT 0,
        refused integer NOT NULL DEFAULT 0,
        failed integer NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, client_id, day, method)
      )`);
    // A partner client's sandbox brand: its texts go to the sandbox carrier only.
    await q.query('ALTER TABLE tenant ADD COLUMN sandbox boolean NOT NULL DEFAULT false');
    await q.query(`
      CREATE TABLE rate_limit (
        key varchar(255) PRIMARY KEY,
        points integer NOT NULL DEFAULT 0,
        expire bigint
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE rate_limit');
    await q.query('ALTER TABLE tenant DROP COLUMN sandbox');
    await q.query('DROP TABLE partner_usage');
    await q.query('DROP TABLE partner_request');
  }
}
