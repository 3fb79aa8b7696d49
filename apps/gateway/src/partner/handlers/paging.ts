import { pagePosition, pageSize, PageTokenError } from '@textback/domain';
import { PartnerError } from '../partner-errors';
import type { PartnerCall } from '../partner-method';

/**
 * A list request's page: its size (default 50, at most 100), where it starts, and the query its
 * tokens are bound to (method, tenant, grant's locations and filters).
 */
export function pageParams(
  method: string,
  call: PartnerCall,
  req: { pageSize: number; pageToken: string },
  filters: Record<string, unknown>,
): { size: number; after: string | undefined; query: Record<string, unknown> } {
  const query = {
    ...filters,
    method,
    tenant: call.tenantId,
    locations: call.access.locationIds === 'all' ? '*' : [...call.access.locationIds].sort(),
  };
  try {
    return {
      size: pageSize(req.pageSize, { default: 50, max: 100 }),
      after: pagePosition(req.pageToken, query),
      query,
    };
  } catch (err) {
    if (!(err instanceof PageTokenError)) throw err;
    const field = err.message.startsWith('page_size') ? 'page_size' : 'page_token';
    throw new PartnerError('invalid-request', err.message, {
      fields: [{ field, description: err.message.replace(/^\w+: /, '') }],
    });
  }
}
