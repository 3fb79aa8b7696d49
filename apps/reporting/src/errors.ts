import { ServiceError } from '@textback/service-kit';

export type ReportingErrorCode = 'invalid-request' | 'unauthorized' | 'forbidden' | 'not-found';

/** The one error class of reporting; its code decides the HTTP status at the edge. */
export class ReportingError extends ServiceError<ReportingErrorCode> {
  get httpStatus(): number {
    switch (this.code) {
      case 'invalid-request':
        return 400;
      case 'unauthorized':
        return 401;
      case 'forbidden':
        return 403;
      case 'not-found':
        return 404;
    }
  }
}
