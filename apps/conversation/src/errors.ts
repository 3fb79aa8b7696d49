import { ServiceError } from '@textback/service-kit';

export type ConversationErrorCode =
  | 'invalid-request'
  | 'invalid-payload'
  | 'invalid-signature'
  | 'replayed'
  | 'not-found'
  | 'consent-unavailable';

/** The one error class of conversation; its code decides the HTTP status at the edge. */
export class ConversationError extends ServiceError<ConversationErrorCode> {
  get httpStatus(): number {
    switch (this.code) {
      case 'invalid-request':
      case 'invalid-payload':
        return 400;
      case 'invalid-signature':
        return 401;
      case 'replayed':
        return 409;
      case 'not-found':
        return 404;
      case 'consent-unavailable':
        // Plivo retries an inbound text that was not acknowledged; the text itself is already stored.
        return 503;
    }
  }
}
