import type { DataSource } from 'typeorm';
import { z } from 'zod';
import type { E164 } from '@textback/contracts';
import { Database, openDataSource, poolOf, type TenantScope } from '@textback/persistence';
import { uniqueTestPrefix } from '@textback/testing';
import { callReportUpserts as upserts } from '../src/calls/call-report-upserts.repository';
import { CallReport1763990000000 } from '../src/migrations/1763990000000-call-report';

/**
 * A unit of events writes each kind of call-report change in one statement before it commits
 * (#17): a call changed twice in one unit keeps its newest change, and the kinds land in any
 * order with the same result as one statement per event.
 */
describe('call-report changes gathered per transaction, on PostgreSQL', () => {
  let ds: DataSource;
  let db: Database;
  const scope = { tenantId: 'cool-breeze-hvac' } as TenantScope;
  const caller = { number: '+14045550199' as E164, masked: '+1404***0199' };
  const base = { locationId: 'atlanta-north', caller };
  const textbackId = '8f1c2a2e-57a5-4c39-9d55-2f0b3b7a1a01';
  const Row = z.object({
    callId: z.string(),
    day: z.string().nullable(),
    outcome: z.string().nullable(),
    textbackId: z.string().nullable(),
    leadStatus: z.string().nullable(),
    leadVersion: z.number().nullable(),
    callerMasked: z.string().nullable(),
  });
  const rowOf = (callId: string) =>
    db.selectFirst(
      Row,
      `SELECT call_id, day::text, outcome, textback_id::text, lead_status, lead_version, caller_masked
         FROM call_report WHERE call_id = $1`,
      [callId],
    );
  const lead = (callId: string, version: number, status: string) => ({
    ...base,
    callId,
    leadId: '0b9d7f5e-1c1d-4d7e-9a55-5d0c1f1e2a01',
    threadId: '1c2e8a6f-2b3c-4f8a-8e11-6a7b8c9d0e01',
    status,
    version,
    valueMinor: version === 2 ? 45_000 : null,
    currency: version === 2 ? 'USD' : null,
  });

  beforeAll(async () => {
    ds = await openDataSource({
      url: process.env['DATABASE_URL']!,
      schema: uniqueTestPrefix('callreport'),
      migrations: [CallReport1763990000000],
    });
    db = new Database(poolOf(ds));
  });

  afterAll(async () => {
    await ds.destroy();
  });

  it('writes every change of a unit, the newest of each call, whatever the order', async () => {
    let statements = 0;
    db.countStatementsWith(() => (statements += 1));
    await db.transaction((tx) => {
      upserts.leadChanged(tx, scope, lead('call-a', 2, 'booked'));
      upserts.textbackRequested(tx, scope, {
        ...base,
        callId: 'call-a',
        day: null,
        endedAt: null,
        textbackId,
        sendAfter: '2026-12-07T10:00:05Z',
      });
      upserts.leadChanged(tx, scope, lead('call-a', 1, 'new')); // older: the newer stays
      upserts.callEnded(tx, scope, {
        ...base,
        callId: 'call-a',
        day: '2026-12-07',
        endedAt: '2026-12-07T10:00:00Z',
        outcome: 'no-answer',
        durationSeconds: 21,
      });
      upserts.callEnded(tx, scope, {
        ...base,
        callId: 'call-b',
        day: '2026-12-07',
        endedAt: '2026-12-07T10:01:00Z',
        outcome: 'busy',
        durationSeconds: null,
      });
      upserts.textOutcome(tx, scope, {
        textbackId,
        status: 'failed',
        reason: 'late report',
        errorCode: '30',
        at: '2026-12-07T10:00:09Z',
      });
      upserts.textOutcome(tx, scope, {
        textbackId,
        status: 'delivered',
        reason: null,
        errorCode: null,
        at: '2026-12-07T10:00:07Z',
      });
      return Promise.resolve();
    });
    // BEGIN, one statement per kind (call ended, requested, lead, outcome), COMMIT.
    expect(statements).toBe(6);
    expect(await rowOf('call-a')).toEqual({
      callId: 'call-a',
      day: '2026-12-07',
      outcome: 'no-answer',
      textbackId,
      leadStatus: 'booked',
      leadVersion: 2,
      callerMasked: caller.masked,
    });
    expect((await rowOf('call-b'))?.outcome).toBe('busy');
    const outcome = await db.selectFirst(
      z.object({ status: z.string(), errorCode: z.string().nullable() }),
      'SELECT status, error_code FROM textback_outcome WHERE textback_id = $1',
      [textbackId],
    );
    expect(outcome).toEqual({ status: 'failed', errorCode: '30' }); // the latest report

    // A later unit with an older lead version changes nothing; a stale report neither.
    await db.transaction((tx) => {
      upserts.leadChanged(tx, scope, lead('call-a', 1, 'new'));
      upserts.textOutcome(tx, scope, {
        textbackId,
        status: 'delivered',
        reason: null,
        errorCode: null,
        at: '2026-12-07T10:00:08Z',
      });
      return Promise.resolve();
    });
    expect((await rowOf('call-a'))?.leadVersion).toBe(2);
    expect(
      await db.selectFirst(
        z.object({ status: z.string() }),
        'SELECT status FROM textback_outcome WHERE textback_id = $1',
        [textbackId],
      ),
    ).toEqual({ status: 'failed' });
  });
});
