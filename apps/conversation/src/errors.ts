import { ServiceError } from '@textback/service-kit';

export type ConversationErrorCode =
  | 'invalid-request'
  | 'invalid-payload'
  | 'invalid-signature'
  | 'replayed'
  | 'not-found'
  | 'consent-unavailable'
  | 'conflict';

/**
 * The one error class of conversation. Its codes come from the shared table (service-kit `errorCodes`),
 * which decides the HTTP status at the edge; this class knows nothing of HTTP.
 */
export class ConversationError extends ServiceError<ConversationErrorCode> {}
