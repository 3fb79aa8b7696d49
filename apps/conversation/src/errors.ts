import { ServiceError } from '@textback/service-kit';

export type ConversationErrorCode = 'invalid-request';

/** The one error class of conversation; its code decides the HTTP status at the edge. */
export class ConversationError extends ServiceError<ConversationErrorCode> {
  get httpStatus(): number {
    switch (this.code) {
      case 'invalid-request':
        return 400;
    }
  }
}
