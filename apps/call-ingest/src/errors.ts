import { ServiceError } from '@textback/service-kit';

export type CallIngestErrorCode =
  | 'invalid-request'
  | 'invalid-payload'
  | 'invalid-signature'
  | 'replayed'
  | 'unauthorized'
  | 'forbidden';

/**
 * The one error class of call-ingest. Its codes come from the shared table (service-kit `errorCodes`),
 * which decides the HTTP status at the edge; this class knows nothing of HTTP.
 */
export class CallIngestError extends ServiceError<CallIngestErrorCode> {}
