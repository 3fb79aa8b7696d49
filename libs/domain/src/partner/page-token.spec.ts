import { pagePosition, pageSize, pageToken, PageTokenError } from './page-token';

describe('partner page tokens', () => {
  const query = { method: 'ListThreads', tenant: 'acme', state: 'open' };

  it('gives back the position for the same query, whatever the key order', () => {
    const token = pageToken(query, 'cursor-42');
    expect(pagePosition(token, { state: 'open', tenant: 'acme', method: 'ListThreads' })).toBe(
      'cursor-42',
    );
    expect(pagePosition('', query)).toBeUndefined();
  });

  it('refuses a token from another tenant, filter or method', () => {
    const token = pageToken(query, 'cursor-42');
    expect(() => pagePosition(token, { ...query, tenant: 'other' })).toThrow(/another query/);
    expect(() => pagePosition(token, { ...query, state: 'closed' })).toThrow(/another query/);
    expect(() => pagePosition(token, { ...query, method: 'ListLocations' })).toThrow(
      PageTokenError,
    );
  });

  it('refuses a token it never gave out', () => {
    expect(() => pagePosition('not-a-token', query)).toThrow(/not a token this API gave out/);
    expect(() => pagePosition(Buffer.from('{"x":1}').toString('base64url'), query)).toThrow(
      PageTokenError,
    );
  });

  it('takes 0 as the default size and refuses an oversized or negative page', () => {
    expect(pageSize(0, { default: 50, max: 100 })).toBe(50);
    expect(pageSize(7, { default: 50, max: 100 })).toBe(7);
    expect(() => pageSize(101, { default: 50, max: 100 })).toThrow('page_size: at most 100');
    expect(() => pageSize(-1, { default: 50, max: 100 })).toThrow(/negative/);
  });
});
