import { randomUUID } from 'node:crypto';
import { EventBus, InProcessTransport } from '@textback/messaging';
import { eventually } from '@textback/testing';
import { startTestPlatform, type TestPlatform } from '../test-platform';

/**
 * A call for a location decision's directory does not know yet (its profile is still on the
 * way) is retried, not suppressed for good: once the profile arrives the caller is texted. A
 * location that never arrives ends on the dead-letter topic, ready for a replay.
 */
describe('a call for a location decision does not know yet', () => {
  let t: TestPlatform;
  let bus: EventBus;
  const admin = {
    authorization: '', // a platform administrator's token, got at start
    'content-type': 'application/json',
  };

  beforeAll(async () => {
    t = await startTestPlatform({
      transport: 'in-process',
      name: 'unknownloc',
      env: {
        CONSUMER_RETRY_INITIAL_MS: '300',
        CONSUMER_RETRY_MAX_MS: '1000',
        CONSUMER_MAX_ATTEMPTS: '6',
      },
    });
    admin.authorization = await t.adminAuthorization();
    bus = new EventBus({
      service: 'test-phone-system',
      transport: new InProcessTransport(t.platform.broker!),
    });
    await bus.start();
  }, 120_000);

  afterAll(async () => {
    await bus?.stop();
    await t?.stop();
  });

  const callEnded = (locationId: string, businessNumber: string) => {
    const callId = randomUUID();
    const caller = '+16785559911';
    return {
      callId,
      send: () =>
        bus.publish('call.ended.v1', `${locationId}:${caller}`, {
          callId,
          provider: 'generic',
          tenantId: 'cool-breeze-hvac',
          locationId,
          businessNumber,
          callerNumber: caller,
          outcome: 'no-answer',
          endedAt: new Date().toISOString(),
        } as never),
    };
  };

  it('decides once the location arrives, instead of suppressing it as not found', async () => {
    const call = callEnded('kennesaw', '+17705550166');
    await call.send();
    await new Promise((r) => setTimeout(r, 500)); // the first attempts find no such location
    const created = await fetch(
      `${t.url('gateway')}/v1/admin/tenants/cool-breeze-hvac/locations/kennesaw`,
      {
        method: 'PUT',
        headers: admin,
        body: JSON.stringify({
          name: 'Kennesaw',
          businessNumbers: ['+17705550166'],
          forwardTo: '+17705550199',
          timezone: 'America/New_York',
        }),
      },
    );
    expect(created.status).toBe(201);
    const decided = await t.decisionOf(call.callId);
    expect(decided).toEqual({ outcome: 'requested', reason: null });
  });

  it('dead-letters a call whose location never arrives, and stores no decision', async () => {
    const call = callEnded('nowhere', '+17705550155');
    await call.send();
    await eventually(
      async () => {
        const metrics = await (await fetch(`${t.url('decision')}/metrics`)).text();
        return /decision_consumer_dead_lettered_total\{topic="call.ended.v1"[^}]*\} 1/.test(
          metrics,
        );
      },
      { what: 'the call on the dead-letter topic', timeoutMs: 20_000 },
    );
    const { rows } = await t.db.query(
      `SELECT 1 FROM ${t.schema('decision')}.textback_decision WHERE call_id = $1`,
      [call.callId],
    );
    expect(rows).toHaveLength(0);
  });
});
