import { signCallEvent, verifyCallEventSignature } from './call-event-signature';

const secret = 'test-secret-0123456789';
const body = '{"callId":"c1"}';

describe('call-event signature', () => {
  const now = 1_800_000_000;
  it('accepts what it signed', () => {
    expect(
      verifyCallEventSignature(secret, Buffer.from(body), signCallEvent(secret, body, now), now),
    ).toBe('valid');
  });
  it('refuses a missing, malformed, forged or replayed signature', () => {
    expect(verifyCallEventSignature(secret, Buffer.from(body), undefined, now)).toBe('missing');
    expect(verifyCallEventSignature(secret, Buffer.from(body), 'v1=abc', now)).toBe('malformed');
    expect(
      verifyCallEventSignature(
        secret,
        Buffer.from(body),
        signCallEvent('other-secret-000000', body, now),
        now,
      ),
    ).toBe('mismatch');
    expect(
      verifyCallEventSignature(
        secret,
        Buffer.from(`${body} `),
        signCallEvent(secret, body, now),
        now,
      ),
    ).toBe('mismatch');
    expect(
      verifyCallEventSignature(
        secret,
        Buffer.from(body),
        signCallEvent(secret, body, now - 301),
        now,
      ),
    ).toBe('stale');
  });
});
