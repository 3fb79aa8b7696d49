import { ServiceError } from '@textback/service-kit';

export type SmsDispatchErrorCode =
  | 'invalid-request'
  | 'invalid-payload'
  | 'invalid-signature'
  | 'replayed'
  | 'location-unknown'
  | 'consent-unavailable'
  | 'location-mismatch'
  | 'not-configured';

/**
 * The one error class of sms-dispatch. Its codes come from the shared table (service-kit `errorCodes`),
 * which decides the HTTP status at the edge; this class knows nothing of HTTP.
 */
export class SmsDispatchError extends ServiceError<SmsDispatchErrorCode> {}
