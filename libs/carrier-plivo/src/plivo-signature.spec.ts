import * as plivo from 'plivo';
import { v3StringToSign, verifyPlivoWebhook, verifyV2, verifyV3 } from './plivo-signature';

// Vectors from ../shared/docs/plivo.md §5.1 (token MY_AUTH_TOKEN, nonce 05429567804466091622).
const token = 'MY_AUTH_TOKEN';
const nonce = '05429567804466091622';
const hangup = 'https://api.example.com/webhooks/plivo/voice/hangup';
const params = {
  CallUUID: '2e1f7a5c-8a51-4c1e-9f0b-3a2d1c0b9e8f',
  From: '14155550100',
  To: '14155550199',
  CallStatus: 'completed',
  Direction: 'inbound',
  Event: 'Hangup',
  HangupCause: 'ORIGINATOR_CANCEL',
  Duration: '0',
  BillDuration: '0',
};

const vectors: {
  name: string;
  method: 'GET' | 'POST';
  uri: string;
  params: Record<string, string>;
  toSign: string;
  signature: string;
}[] = [
  {
    name: 'POST with params',
    method: 'POST',
    uri: hangup,
    params,
    toSign: `${hangup}?BillDuration0CallStatuscompletedCallUUID2e1f7a5c-8a51-4c1e-9f0b-3a2d1c0b9e8fDirectioninboundDuration0EventHangupFrom14155550100HangupCauseORIGINATOR_CANCELTo14155550199`,
    signature: '5eILCp6VsJVLxI3pT1ekOImvXnWpVVn6KjnI/s/qaLg=',
  },
  {
    name: 'POST with a query string',
    method: 'POST',
    uri: `${hangup}?tenant=acme`,
    params,
    toSign: `${hangup}?tenant=acme.BillDuration0CallStatuscompletedCallUUID2e1f7a5c-8a51-4c1e-9f0b-3a2d1c0b9e8fDirectioninboundDuration0EventHangupFrom14155550100HangupCauseORIGINATOR_CANCELTo14155550199`,
    signature: 'hmMOfUbbV+5n+o2MW7cnoqmGqq9Q5oF6Sh1VS2+vmV4=',
  },
  {
    name: 'POST without params',
    method: 'POST',
    uri: hangup,
    params: {},
    toSign: hangup,
    signature: 'G/mr9EOEinYfu0P3DCaQYqw5nrNI0+wJimG44EkY+q8=',
  },
  {
    name: 'GET with query and params',
    method: 'GET',
    uri: 'https://api.example.com/webhooks/plivo/voice/answer?tenant=acme',
    params: { From: '14155550100', CallUUID: 'abc' },
    toSign:
      'https://api.example.com/webhooks/plivo/voice/answer?CallUUID=abc&From=14155550100&tenant=acme',
    signature: 'eFlSjKQ2rgg0I+ELrZ/92d4UPRKhfnsq+cCtko6JS2k=',
  },
];

describe('Plivo V3 signatures', () => {
  it.each(vectors)('$name: builds the documented string and signature, as the SDK does', (v) => {
    expect(v3StringToSign(v.method, v.uri, v.params)).toBe(v.toSign);
    expect(verifyV3(v.method, v.uri, v.params, nonce, v.signature, [token])).toBe(true);
    expect(plivo.validateV3Signature(v.method, v.uri, nonce, token, v.signature, v.params)).toBe(
      true,
    );
  });

  it('rejects a changed parameter, another token, or another nonce', () => {
    const v = vectors[0]!;
    expect(
      verifyV3('POST', v.uri, { ...v.params, From: '14155550101' }, nonce, v.signature, [token]),
    ).toBe(false);
    expect(verifyV3('POST', v.uri, v.params, nonce, v.signature, ['OTHER_TOKEN'])).toBe(false);
    expect(verifyV3('POST', v.uri, v.params, '1', v.signature, [token])).toBe(false);
  });

  it('accepts any of several comma-separated signatures', () => {
    const v = vectors[0]!;
    expect(verifyV3('POST', v.uri, v.params, nonce, `bm90LWl0, ${v.signature}`, [token])).toBe(
      true,
    );
  });

  it('verifies a URL with a retry fragment under either reading', () => {
    const v = vectors[0]!;
    expect(
      verifyV3('POST', `${v.uri}#rc=3&rp=ct,rt,5xx`, v.params, nonce, v.signature, [token]),
    ).toBe(true);
  });
});

describe('Plivo V2 signatures', () => {
  it('matches the SDK test vector', () => {
    expect(
      verifyV2('https://answer.url', '12345', 'ehV3IKhLysWBxC1sy8INm0qGoQYdYsHwuoKjsX7FsXc=', [
        'my_auth_token',
      ]),
    ).toBe(true);
    expect(
      plivo.validateSignature(
        'https://answer.url',
        '12345',
        'ehV3IKhLysWBxC1sy8INm0qGoQYdYsHwuoKjsX7FsXc=',
        'my_auth_token',
      ),
    ).toBe(true);
    expect(
      verifyV2('https://answer.url', '12346', 'ehV3IKhLysWBxC1sy8INm0qGoQYdYsHwuoKjsX7FsXc=', [
        'my_auth_token',
      ]),
    ).toBe(false);
  });
});

describe('verifyPlivoWebhook', () => {
  const v = vectors[0]!;
  const base = { method: 'POST' as const, publicUrl: v.uri, params: v.params, authToken: token };

  it('prefers V3, accepts the main-account variant, and refuses forgeries', () => {
    expect(
      verifyPlivoWebhook({
        ...base,
        headers: { 'x-plivo-signature-v3': v.signature, 'x-plivo-signature-v3-nonce': nonce },
      }),
    ).toBe('valid-v3');
    expect(
      verifyPlivoWebhook({
        ...base,
        mainAccountToken: token,
        authToken: 'SUB',
        headers: { 'x-plivo-signature-ma-v3': v.signature, 'x-plivo-signature-v3-nonce': nonce },
      }),
    ).toBe('valid-v3');
    expect(
      verifyPlivoWebhook({
        ...base,
        headers: { 'x-plivo-signature-v3': 'Zm9yZ2Vk', 'x-plivo-signature-v3-nonce': nonce },
      }),
    ).toBe('invalid');
    expect(verifyPlivoWebhook({ ...base, headers: {} })).toBe('unsigned');
  });
});
