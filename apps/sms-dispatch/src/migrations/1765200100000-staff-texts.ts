import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Texts to staff (sign-in links) share the send machinery but belong to no location: they go
 * from the platform's own number. One per request id, like replies.
 */
export class StaffTexts1765200100000 implements MigrationInterface {
  name = 'StaffTexts1765200100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE outbound_sms ALTER COLUMN location_id DROP NOT NULL');
    await q.query(
      `ALTER TABLE outbound_sms ADD CONSTRAINT outbound_sms_location_unless_staff
         CHECK ((location_id IS NULL) = (purpose = 'staff'))`,
    );
    await q.query(
      'CREATE UNIQUE INDEX outbound_sms_staff_request ON outbound_sms (call_id) WHERE location_id IS NULL',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX outbound_sms_staff_request');
    await q.query('ALTER TABLE outbound_sms DROP CONSTRAINT outbound_sms_location_unless_staff');
    await q.query('ALTER TABLE outbound_sms ALTER COLUMN location_id SET NOT NULL');
  }
}
