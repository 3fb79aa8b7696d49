import type { EventEnvelope } from '@textback/contracts';
import { OnEvent } from './event-bus.server';

/** Type tests: `npm test` type-checks this file, so each `@ts-expect-error` must stay an error. */
class Consumers {
  @OnEvent('sms.sent.v1')
  onSent(_event: EventEnvelope<'sms.sent.v1'>): Promise<void> {
    return Promise.resolve();
  }

  // @ts-expect-error another topic's envelope on this topic's handler does not compile
  @OnEvent('sms.failed.v1')
  onFailed(_event: EventEnvelope<'sms.sent.v1'>): Promise<void> {
    return Promise.resolve();
  }
}

describe('@OnEvent', () => {
  it('binds a handler typed by its topic (the mismatch above is a compile error)', () => {
    expect(typeof new Consumers().onSent).toBe('function');
  });
});
