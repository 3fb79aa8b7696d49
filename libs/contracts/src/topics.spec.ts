import { aCallEnded } from '@textback/testing';
import { keyOf, topics } from './topics';

describe('keys from the topic table', () => {
  it("derives a message's key from its payload's fields, as the table says", () => {
    const call = aCallEnded({
      locationId: 'atlanta-north' as never,
      callerNumber: '+14045550101' as never,
    });
    expect(topics['call.ended.v1'].key).toBe('locationId:callerNumber');
    expect(keyOf('call.ended.v1', call)).toBe('atlanta-north:+14045550101');
  });
});
