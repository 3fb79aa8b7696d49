import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Cached line types (Lookup), and when a requested text may go out. */
export class DecisionInputs1763900200000 implements MigrationInterface {
  name = 'DecisionInputs1763900200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE line_type (
        phone_number text PRIMARY KEY,
        line_type text NOT NULL,
        looked_up_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('ALTER TABLE textback_decision ADD COLUMN send_after timestamptz');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE textback_decision DROP COLUMN send_after');
    await q.query('DROP TABLE line_type');
  }
}
