import { playCall } from '@textback/plivo-fake';
import { eventually, SettableClock } from '@textback/testing';
import { secrets, startTestPlatform, type TestPlatform } from '../test-platform';

/**
 * The whole platform on a pinned clock (every service reads the runtime's clock): quiet hours
 * and the Dial XML at a chosen local time, not whatever time the suite happens to run at.
 * Atlanta North is in New York's zone, open 07:00–19:00 on weekdays; 2026-12-02 is a Wednesday.
 */
describe('quiet hours and the Dial, on a pinned clock', () => {
  let t: TestPlatform;
  const clock = new SettableClock('2026-12-02T22:00:00-05:00'); // 22:00 in Atlanta
  const atlantaNorth = '+14045550100';
  let next = 100 + Math.floor(Math.random() * 800);
  const newCaller = (areaCode: string): string =>
    `+1${areaCode}555${String(next++).padStart(4, '0')}`;

  beforeAll(async () => {
    t = await startTestPlatform({ transport: 'in-process', name: 'pinnedclock', clock });
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  const followUpsTo = (caller: string) =>
    t.fake.sentTo(caller).filter((m) => m.text.startsWith('What do you need help with?'));

  const sendOf = (caller: string) =>
    eventually(
      async () => {
        const { rows } = await t.db.query<{
          state: string;
          error_reason: string | null;
          due_at: Date;
        }>(
          `SELECT state, error_reason, due_at FROM ${t.schema('sms-dispatch')}.outbound_sms
           WHERE to_number = $1 AND purpose = 'follow-up'`,
          [caller],
        );
        return rows[0]?.error_reason ? rows[0] : undefined;
      },
      { what: `the follow-up to ${caller} to be held` },
    );

  /** A missed call, its text-back delivered, and a reply that needs a follow-up question. */
  async function missedTextedAndReplied(caller: string): Promise<void> {
    const played = await playCall({
      answerUrl: t.app().answer_url,
      hangupUrl: t.app().hangup_url,
      authToken: secrets.PLIVO_AUTH_TOKEN,
      from: caller,
      to: atlantaNorth,
      scenario: 'missed',
    });
    expect((await t.decisionOf(played.callUuid)).outcome).toBe('requested');
    // A text-back is not held to quiet hours (the caller just called).
    await eventually(() => t.fake.sentTo(caller).find((m) => m.status === 'delivered'), {
      what: `the text-back to ${caller}`,
    });
    await t.fake.receiveFromCustomer({ from: caller, to: atlantaNorth, text: 'hello?' });
  }

  it('holds a follow-up asked at 22:00 local until 08:00, then sends it', async () => {
    clock.set('2026-12-02T22:00:00-05:00');
    const caller = newCaller('404'); // Georgia: the federal window, 08:00–21:00
    await missedTextedAndReplied(caller);
    const held = await sendOf(caller);
    expect(held).toMatchObject({ state: 'pending', error_reason: 'quiet hours' });
    expect(held.due_at.toISOString()).toBe(new Date('2026-12-03T08:00:00-05:00').toISOString());
    await new Promise((r) => setTimeout(r, 500));
    expect(followUpsTo(caller)).toEqual([]);

    clock.set('2026-12-03T08:00:00-05:00');
    await eventually(() => followUpsTo(caller)[0], { what: 'the follow-up at 08:00' });
  });

  it('in Florida at 08:00 a follow-up may go, unless 3 texts went in the last 24 hours', async () => {
    clock.set('2026-12-03T21:00:00-05:00'); // after Florida's 20:00: held
    const allowed = newCaller('305');
    await missedTextedAndReplied(allowed);
    expect(await sendOf(allowed)).toMatchObject({ state: 'pending', error_reason: 'quiet hours' });

    const capped = newCaller('305');
    await missedTextedAndReplied(capped);
    await sendOf(capped);
    // Two more texts went to this number tonight: with the text-back, three in 24 hours.
    for (const minutes of [5, 10])
      await t.db.query(
        `INSERT INTO ${t.schema('sms-dispatch')}.outbound_sms (sms_id, tenant_id, location_id, call_id, from_number, to_number, body, segments, encoding, state, due_at, purpose, updated_at)
         VALUES (gen_random_uuid(), 'cool-breeze-hvac', 'atlanta-north', gen_random_uuid()::text, $1, $2, 'earlier', 1, 'GSM-7', 'delivered', now(), 'operator', $3)`,
        [
          atlantaNorth,
          capped,
          new Date(Date.parse('2026-12-03T21:00:00-05:00') + minutes * 60_000),
        ],
      );

    clock.set('2026-12-04T08:00:00-05:00');
    await eventually(() => followUpsTo(allowed)[0], { what: 'the Florida follow-up at 08:00' });
    const deferred = await eventually(
      async () => {
        const { rows } = await t.db.query<{ error_reason: string | null; due_at: Date }>(
          `SELECT error_reason, due_at FROM ${t.schema('sms-dispatch')}.outbound_sms WHERE to_number = $1 AND purpose = 'follow-up'`,
          [capped],
        );
        return rows[0]?.error_reason?.startsWith('frequency cap') ? rows[0] : undefined;
      },
      { what: 'the capped follow-up to be deferred' },
    );
    expect(deferred.error_reason).toBe('frequency cap (3 per 24 hours)');
    // The oldest of the three leaves the window at 21:00 — outside Florida's hours: 08:00 next.
    expect(deferred.due_at.toISOString()).toBe(new Date('2026-12-05T08:00:00-05:00').toISOString());
    expect(followUpsTo(capped)).toEqual([]);
  });

  /** Atlanta South reconfigured: a 17 s ring timeout, open on Wednesdays. */
  const configureSouth = async (extra: object): Promise<void> => {
    const put = await fetch(
      `${t.url('gateway')}/v1/admin/tenants/cool-breeze-hvac/locations/atlanta-south`,
      {
        method: 'PUT',
        headers: {
          authorization: await t.adminAuthorization(),
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          name: 'Atlanta South',
          businessNumbers: ['+14045550110'],
          forwardTo: '+14045550199',
          timezone: 'America/New_York',
          ringTimeoutSeconds: 17,
          businessHours: { wed: [{ open: '07:00', close: '19:00' }] },
          ...extra,
        }),
      },
    );
    expect(put.ok).toBe(true);
  };
  /** Calls Atlanta South until call-ingest answers with `shows` (its directory has the change). */
  const callSouthUntil = (scenario: 'answered' | 'missed', shows: string, what: string) =>
    eventually(
      async () => {
        const call = await playCall({
          answerUrl: t.app().answer_url,
          hangupUrl: t.app().hangup_url,
          authToken: secrets.PLIVO_AUTH_TOKEN,
          from: newCaller('404'),
          to: '+14045550110',
          scenario,
        });
        return call.answerXml.includes(shows) ? call : undefined;
      },
      { what },
    );

  it("answers a call in business hours with a Dial that rings for the location's ring timeout", async () => {
    clock.set('2026-12-02T10:00:00-05:00'); // a Wednesday morning: open
    await configureSouth({});
    const played = await callSouthUntil(
      'answered',
      'timeout="17"',
      'call-ingest to dial with the new ring timeout',
    );
    expect(played.answerXml).toMatch(/<Dial [^>]*timeout="17"/);
    expect(played.answerXml).toContain('<Number>14045550199</Number>');

    clock.set('2026-12-02T23:00:00-05:00'); // closed, and the location does not forward after hours
    await configureSouth({ afterHoursCall: 'announce' });
    const after = await callSouthUntil(
      'missed',
      "We're closed right now",
      'the closed greeting after hours',
    );
    expect(after.answerXml).not.toContain('<Dial');
  });
});
