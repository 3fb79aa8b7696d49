import { ServiceError } from '@textback/service-kit';

export type DecisionErrorCode =
  'invalid-request' | 'not-found' | 'location-unknown' | 'location-mismatch';

/** The one error class of decision; its code decides the HTTP status at the edge. */
export class DecisionError extends ServiceError<DecisionErrorCode> {
  get httpStatus(): number {
    switch (this.code) {
      case 'invalid-request':
      case 'location-mismatch':
        return 400;
      case 'not-found':
        return 404;
      case 'location-unknown':
        return 503;
    }
  }
}
