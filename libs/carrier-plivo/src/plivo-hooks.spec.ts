import { deliveryOutcomeOf, PlivoHookError, readPlivoHook, statusLabelOf } from './plivo-hooks';

const call = 'e2f9b1c4-1a2b-4c3d-8e9f-0a1b2c3d4e5f';

describe("Plivo's webhooks, read into our vocabulary", () => {
  it('answer: the call, the number called and the caller (a withheld caller id is null)', () => {
    expect(
      readPlivoHook.answer({ CallUUID: call, To: '14045550100', From: '14045550101' }),
    ).toEqual({
      callUuid: call,
      to: '+14045550100',
      from: '+14045550101',
    });
    expect(
      readPlivoHook.answer({ CallUUID: call, To: '14045550100', From: 'anonymous' }).from,
    ).toBe(null);
    expect(readPlivoHook.answer({ CallUUID: call }).to).toBeUndefined();
  });

  it('refuses a malformed call id or number, naming the Plivo field', () => {
    expect(() => readPlivoHook.hangup({ CallUUID: 'x' })).toThrow(
      new PlivoHookError('CallUUID', 'missing or malformed'),
    );
    expect(() => readPlivoHook.answer({ CallUUID: call, To: 'not-a-number' })).toThrow(
      'To: is not a valid phone number',
    );
    expect(() =>
      readPlivoHook.inboundSms({ MessageUUID: call, From: '12', To: '14045550100' }),
    ).toThrow('From: is not a valid phone number');
  });

  it('dial action: bridged only when completed with a B leg; callbacks may name the A leg', () => {
    const bridged = readPlivoHook.dialAction({
      DialALegUUID: call,
      DialStatus: 'completed',
      DialBLegUUID: 'b-leg-0001',
    });
    expect(bridged).toMatchObject({ callUuid: call, dialStatus: 'completed', bridged: true });
    expect(readPlivoHook.dialAction({ CallUUID: call, DialStatus: 'no-answer' }).bridged).toBe(
      false,
    );
  });

  it('dial events: answered, connected, or another event', () => {
    expect(readPlivoHook.dialEvent({ CallUUID: call, DialAction: 'answer' }).leg).toBe('answered');
    expect(readPlivoHook.dialEvent({ CallUUID: call, Event: 'DialAnswer' }).leg).toBe('answered');
    expect(readPlivoHook.dialEvent({ CallUUID: call, DialAction: 'connected' }).leg).toBe(
      'connected',
    );
    expect(readPlivoHook.dialEvent({ CallUUID: call, DialAction: 'hangup' })).toMatchObject({
      leg: 'other',
      event: 'hangup',
    });
  });

  it('hangup: a plausible duration, else unknown with what was sent', () => {
    expect(readPlivoHook.hangup({ CallUUID: call, Duration: '42' })).toMatchObject({
      durationSeconds: 42,
      implausibleDuration: undefined,
    });
    expect(readPlivoHook.hangup({ CallUUID: call, Duration: '999999999' })).toMatchObject({
      durationSeconds: null,
      implausibleDuration: '999999999',
    });
    expect(
      readPlivoHook.hangup({ CallUUID: call, HangupCause: 'x'.repeat(500) }).hangupCause,
    ).toHaveLength(100);
  });

  it('delivery reports: status, outcome and order; malformed ones name the field', () => {
    expect(
      readPlivoHook.deliveryReport({
        MessageUUID: call,
        Status: 'Undelivered',
        Sequence: '3',
        ErrorCode: '200',
      }),
    ).toEqual({
      messageUuid: call,
      status: 'undelivered',
      outcome: 'failed',
      sequence: 3,
      errorCode: '200',
    });
    expect(() => readPlivoHook.deliveryReport({ MessageUUID: call, Sequence: '1' })).toThrow(
      'Status: missing',
    );
    expect(() =>
      readPlivoHook.deliveryReport({ MessageUUID: call, Status: 'sent', Sequence: '-1' }),
    ).toThrow('Sequence: must be a non-negative integer');
  });

  it("inbound texts: Plivo's consent reading only when it is one we know", () => {
    const text = readPlivoHook.inboundSms({
      MessageUUID: call,
      From: '14045550101',
      To: '14045550100',
      Text: 'STOP',
      MessageIntent: 'optout',
    });
    expect(text).toEqual({
      messageUuid: call,
      from: '+14045550101',
      to: '+14045550100',
      text: 'STOP',
      intent: 'optout',
    });
    expect(
      readPlivoHook.inboundSms({
        MessageUUID: call,
        From: '14045550101',
        To: '14045550100',
        MessageIntent: 'x',
      }).intent,
    ).toBeUndefined();
  });

  it('maps Plivo message statuses to our outcomes in one place, and bounds metric labels', () => {
    expect(
      ['delivered', 'failed', 'undelivered', 'rejected', 'queued', 'sent'].map(deliveryOutcomeOf),
    ).toEqual(['delivered', 'failed', 'failed', 'failed', 'in-flight', 'in-flight']);
    expect(statusLabelOf('weird-status')).toBe('other');
  });
});
