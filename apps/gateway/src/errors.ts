import { ServiceError } from '@textback/service-kit';

export type GatewayErrorCode = 'invalid-request' | 'not-found' | 'conflict' | 'throttled';

/**
 * The one error class of gateway. Its codes come from the shared table (service-kit `errorCodes`),
 * which decides the HTTP status at the edge; this class knows nothing of HTTP.
 */
export class GatewayError extends ServiceError<GatewayErrorCode> {}
