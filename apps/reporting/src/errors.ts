import { ServiceError } from '@textback/service-kit';

export type ReportingErrorCode =
  'invalid-request' | 'unauthorized' | 'forbidden' | 'not-found' | 'auth-unavailable';

/**
 * The one error class of reporting. Its codes come from the shared table (service-kit `errorCodes`),
 * which decides the HTTP status at the edge; this class knows nothing of HTTP.
 */
export class ReportingError extends ServiceError<ReportingErrorCode> {}
