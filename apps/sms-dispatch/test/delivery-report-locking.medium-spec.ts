import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import type { TenantId } from '@textback/contracts';
import type { DataSource } from 'typeorm';
import { Database, openDataSource, poolOf, systemScope, tenantScope } from '@textback/persistence';
import { eventually, schemaSession, uniqueTestPrefix } from '@textback/testing';
import { smsDispatchMigrations } from '../src/app.module';
import { deliveryReportRepository as reports } from '../src/dispatch/delivery-report.repository';
import { sendOutcomesRepository as outcomes } from '../src/dispatch/send-outcomes.repository';

/**
 * Reports race the acceptances they are about: the carrier's first report can arrive while the
 * send path is still committing `accepted` for a group of sends. The applier then waits for
 * those rows' locks and must get every one of them back, on its new version. (Found by the
 * 500 calls/s burst: a query that found the rows through a self-join got one of each such
 * batch back, and the others' reports were ignored.)
 */
describe('delivery reports lock the sends they are about (middle tier: PostgreSQL)', () => {
  const schema = uniqueTestPrefix('reportlocks');
  const scope = systemScope('test: delivery reports', { info: () => undefined });
  let ds: DataSource;
  let db: Database;
  let accepting: Client;

  beforeAll(async () => {
    ds = await openDataSource({
      url: process.env['DATABASE_URL']!,
      schema,
      migrations: smsDispatchMigrations,
    });
    db = new Database(poolOf(ds));
    accepting = await schemaSession(schema);
    // A table with history, analysed (below), so the planner plans as it does in production.
    await db.mutate(
      `INSERT INTO outbound_sms (sms_id, tenant_id, location_id, call_id, from_number, to_number, body, segments, encoding, state, due_at, carrier_message_id)
       SELECT gen_random_uuid(), 'locks-tenant', 'locks-location', 'old-' || i, '+14045550100', '+14045550101', 'Hi', 1, 'GSM-7', 'delivered', now(), 'old-' || i
       FROM generate_series(1, 20000) AS i`,
    );
  });

  afterAll(async () => {
    await accepting?.end();
    await ds?.destroy();
  });

  const sendsWaitingForTheCarrier = async (
    count: number,
    tenantOf: (i: number) => string = () => 'locks-tenant',
  ): Promise<string[]> => {
    const ids = Array.from({ length: count }, () => randomUUID());
    await db.mutate(
      `INSERT INTO outbound_sms (sms_id, tenant_id, location_id, call_id, from_number, to_number, body, segments, encoding, state, due_at)
       SELECT id, tenant, 'locks-location', id::text, '+14045550100', '+14045550101', 'Hi', 1, 'GSM-7', 'sending', now()
       FROM unnest($1::uuid[], $2::text[]) AS s(id, tenant)`,
      [ids, ids.map((_, i) => tenantOf(i))],
    );
    await db.mutate('ANALYZE outbound_sms');
    return ids;
  };

  /** Resolves once one of the service's own connections (named after the schema) waits for a lock. */
  const oneWaitsForALock = (what: string) =>
    eventually(
      async () =>
        (
          await accepting.query<{ n: string }>(
            `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
            [schema],
          )
        ).rows[0]?.n === '1',
      { what },
    );

  it('gets back every send of a group accepted while it waited, with the carrier ids just recorded', async () => {
    const sendIds = await sendsWaitingForTheCarrier(40);
    const messageUuids = sendIds.map(() => randomUUID());
    // The send path's acceptance of the whole group, not yet committed.
    await accepting.query('BEGIN');
    await accepting.query(
      `UPDATE outbound_sms o SET state = 'accepted', carrier_message_id = a.uuid
       FROM unnest($1::uuid[], $2::text[]) AS a(sms_id, uuid) WHERE o.sms_id = a.sms_id`,
      [sendIds, messageUuids],
    );
    // Each send's first report, applied now: its rows are locked by the acceptance.
    let waiting = true;
    const locked = db
      .transaction((tx) => reports.lockReported(tx, scope, messageUuids, sendIds))
      .finally(() => (waiting = false));
    await oneWaitsForALock('the report applier to wait for the acceptance');
    expect(waiting).toBe(true);
    await accepting.query('COMMIT');

    const rows = await locked;
    expect(rows).toHaveLength(40);
    expect(new Map(rows.map((r) => [r.smsId, r.carrierMessageId]))).toEqual(
      new Map(sendIds.map((id, i) => [id, messageUuids[i]])),
    );
  });

  it('finds a send by its id before its carrier id is recorded, and by its carrier id after', async () => {
    const [first, second] = await sendsWaitingForTheCarrier(2);
    await db.mutate(
      `UPDATE outbound_sms SET state = 'accepted', carrier_message_id = 'MSG-2' WHERE sms_id = $1`,
      [second],
    );
    const rows = await db.transaction((tx) =>
      reports.lockReported(tx, scope, ['MSG-1', 'MSG-2'], [first!]),
    );
    expect(rows.map((r) => [r.smsId, r.carrierMessageId])).toEqual(
      [
        [first, null],
        [second, 'MSG-2'],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
  });

  it("a group's acceptance, of sends of two tenants, locks them in id order as the applier does", async () => {
    // The bench's calls alternate between two brands: a claim's sends are of both. Accepted in
    // one statement per tenant, each in id order, the group was not: it deadlocked with the
    // applier about once a run. (An UPDATE … FROM alone locks in its plan's order.)
    const tenantOf = (i: number) => (i % 2 === 0 ? 'locks-tenant' : 'other-tenant');
    const ids = await sendsWaitingForTheCarrier(40, tenantOf);
    const tenantById = new Map(ids.map((id, i) => [id, tenantOf(i)]));
    const sorted = [...ids].sort();
    const [lowest, ...others] = sorted;
    // The applier holds the lowest send (its report came first).
    await accepting.query('BEGIN');
    await accepting.query('SELECT 1 FROM outbound_sms WHERE sms_id = $1 FOR UPDATE', [lowest]);
    // The group's acceptance, given in another order, waits for that send…
    const accepted = db.transaction((tx) =>
      outcomes.markAccepted(
        tx,
        systemScope('test: acceptances of a claim', { info: () => undefined }),
        [...sorted].reverse().map((smsId) => ({
          smsId,
          tenantId: tenantById.get(smsId)!,
          carrierMessageId: `acc-${smsId}`,
          traceparent: null,
          at: new Date(),
        })),
      ),
    );
    await oneWaitsForALock('the acceptance to wait for the lowest send');
    // …holding none of the others, so the applier can still take them in id order.
    const free = await accepting.query<{ sms_id: string }>(
      'SELECT sms_id FROM outbound_sms WHERE sms_id = ANY($1::uuid[]) FOR UPDATE SKIP LOCKED',
      [others],
    );
    expect(free.rows).toHaveLength(others.length);
    await accepting.query('COMMIT');
    const changed = await accepted;
    expect(changed.size).toBe(40);
    for (const [id, row] of changed) expect(row.tenantId).toBe(tenantById.get(id));
  });

  it("refuses a tenant-scoped acceptance naming another tenant's send", async () => {
    const [send] = await sendsWaitingForTheCarrier(1, () => 'other-tenant');
    await expect(
      db.transaction((tx) =>
        outcomes.markAccepted(tx, tenantScope('locks-tenant' as TenantId), [
          {
            smsId: send!,
            tenantId: 'other-tenant',
            carrierMessageId: 'x',
            traceparent: null,
            at: new Date(),
          },
        ]),
      ),
    ).rejects.toThrow("another tenant's send");
  });
});
