import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Staff phones that texted STOP (or START again) to the platform's own number. */
export class StaffTextConsent1765300300000 implements MigrationInterface {
  name = 'StaffTextConsent1765300300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE staff_text_consent (
        phone text PRIMARY KEY,
        opted_out boolean NOT NULL,
        changed_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE staff_text_consent');
  }
}
