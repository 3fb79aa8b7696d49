import { E164, maskPhone, toE164, InvalidPhoneNumberError, Money, TenantId } from './primitives';

describe('phone numbers', () => {
  it.each([
    ['14045550101', '+14045550101'],
    ['+1 (404) 555-0101', '+14045550101'],
    ['(404) 555-0101', '+14045550101'],
    ['+44 20 7946 0958', '+442079460958'],
  ])('normalises %s to E.164', (input, expected) => {
    expect(toE164(input)).toBe(expected);
  });

  it.each(['', 'abc', '555-CALL-ME', '+1404', '+999123456789'])(
    'rejects %p with a reason',
    (input) => {
      expect(() => toE164(input)).toThrow(InvalidPhoneNumberError);
    },
  );

  it('validates E.164 strings in schemas and says why', () => {
    expect(E164.safeParse('+14045550101').success).toBe(true);
    const bad = E164.safeParse('4045550101');
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toContain('E.164');
  });

  it('masks numbers for logs, keeping only the country code and last two digits', () => {
    expect(maskPhone('+14045550101')).toBe('+1******01');
    expect(maskPhone('+14045550101')).not.toContain('555');
  });
});

describe('ids and money', () => {
  it('accepts slugs as tenant ids and rejects anything else', () => {
    expect(TenantId.safeParse('acme-hvac').success).toBe(true);
    expect(TenantId.safeParse('Acme HVAC').success).toBe(false);
  });

  it('keeps money in integer minor units', () => {
    expect(Money.safeParse({ amountMinor: 12999, currency: 'USD' }).success).toBe(true);
    expect(Money.safeParse({ amountMinor: 129.99, currency: 'USD' }).success).toBe(false);
  });
});
