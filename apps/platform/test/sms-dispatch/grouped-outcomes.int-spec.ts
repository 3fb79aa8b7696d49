import { eventually } from '@textback/testing';
import { playCallTo, startTestPlatform, type TestPlatform } from '../test-platform';

/**
 * sms-dispatch records the carrier's answers for sends made at the same moment in one
 * transaction. A send whose record fails must not take the others with it: they are recorded
 * (each alone), and the failing one is settled later from the carrier's record — texted once.
 */
describe('sms-dispatch records sends made together', () => {
  let t: TestPlatform;
  const business = '+14045550100';
  const callers = ['+14045558811', '+14045558812', '+14045558813', '+14045558814'];
  const refused = callers[1]!;

  beforeAll(async () => {
    t = await startTestPlatform({
      transport: 'in-process',
      name: 'grouped',
      env: { RECONCILE_AFTER_MS: '300' },
    });
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  const statesOf = async () => {
    const { rows } = await t.db.query<{ to_number: string; state: string }>(
      `SELECT to_number, state FROM ${t.schema('sms-dispatch')}.outbound_sms WHERE to_number = ANY($1)`,
      [callers],
    );
    return Object.fromEntries(rows.map((r) => [r.to_number, r.state]));
  };

  it('records the others when one record fails, and settles that one later, texted once', async () => {
    const schema = t.schema('sms-dispatch');
    // The database refuses to record one send's acceptance (as a broken row or constraint would).
    await t.db.query(`
      CREATE FUNCTION ${schema}.refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
      CREATE TRIGGER refuse_one BEFORE UPDATE ON ${schema}.outbound_sms FOR EACH ROW
        WHEN (NEW.state = 'accepted' AND NEW.to_number = '${refused}') EXECUTE FUNCTION ${schema}.refuse_one();`);
    await Promise.all(callers.map((from) => playCallTo(t, { from, to: business })));
    const whileRefused = await eventually(
      async () => {
        const states = await statesOf();
        const others = callers.filter((c) => c !== refused);
        return others.every((c) => states[c] === 'delivered') && t.fake.sentTo(refused).length === 1
          ? states
          : undefined;
      },
      { what: 'the other sends to be recorded while one record fails' },
    ).catch(async (e: unknown) => {
      process.stdout.write(
        JSON.stringify({
          states: await statesOf(),
          sent: callers.map((c) => t.fake.sentTo(c).length),
        }) + '\n',
      );
      throw e;
    });
    // The carrier has the refused one's text, but its acceptance could not be recorded.
    expect(['sending', 'unknown']).toContain(whileRefused[refused]);

    await t.db.query(`DROP TRIGGER refuse_one ON ${schema}.outbound_sms`);
    await eventually(async () => (await statesOf())[refused] === 'delivered', {
      what: 'the refused send to be settled from the carrier record',
      timeoutMs: 30_000,
    });
    for (const c of callers) expect(t.fake.sentTo(c)).toHaveLength(1);
  }, 90_000);

  it('records acceptances made together in one statement, one event for each send', async () => {
    const together = ['+14045558821', '+14045558822', '+14045558823', '+14045558824'];
    await Promise.all(together.map((from) => playCallTo(t, { from, to: business })));
    const schema = t.schema('sms-dispatch');
    const sentEvents = await eventually(
      async () => {
        const { rows } = await t.db.query<{ sms_id: string; to: string }>(
          `SELECT payload->>'smsId' AS sms_id, payload->>'to' AS to FROM ${schema}.outbox_message
            WHERE topic = 'sms.sent.v1' AND payload->>'to' = ANY($1)`,
          [together],
        );
        return rows.length >= together.length ? rows : undefined;
      },
      { what: 'an sms.sent event for each send' },
    );
    expect(sentEvents.map((e) => e.to).sort()).toEqual([...together].sort());
    const { rows: sends } = await t.db.query<{ sms_id: string; state: string }>(
      `SELECT sms_id, state FROM ${schema}.outbound_sms WHERE to_number = ANY($1)`,
      [together],
    );
    expect(sends.map((r) => r.sms_id).sort()).toEqual(sentEvents.map((e) => e.sms_id).sort());
    expect(sends.every((r) => ['accepted', 'delivered'].includes(r.state))).toBe(true);
    for (const c of together) expect(t.fake.sentTo(c)).toHaveLength(1);
  }, 60_000);
});
