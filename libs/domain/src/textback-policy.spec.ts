import { CallOutcome } from '@textback/contracts';
import { decideTextback, isMissedCall } from './textback-policy';

describe('decideTextback', () => {
  it.each(CallOutcome.options.filter((o) => o !== 'answered'))('texts back a %s call', (outcome) => {
    expect(isMissedCall(outcome)).toBe(true);
    expect(decideTextback({ outcome })).toEqual({ outcome: 'requested' });
  });

  it('never texts back an answered call', () => {
    expect(decideTextback({ outcome: 'answered' })).toEqual({ outcome: 'suppressed', reason: 'call-answered' });
  });
});
