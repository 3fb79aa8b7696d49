import { ServiceError } from '@textback/service-kit';

export type DecisionErrorCode =
  'invalid-request' | 'not-found' | 'location-unknown' | 'location-mismatch';

/**
 * The one error class of decision. Its codes come from the shared table (service-kit `errorCodes`),
 * which decides the HTTP status at the edge; this class knows nothing of HTTP.
 */
export class DecisionError extends ServiceError<DecisionErrorCode> {}
