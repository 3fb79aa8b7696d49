import { ServiceError } from '@textback/service-kit';

export type ComplianceErrorCode = 'invalid-request' | 'not-found';

/** The one error class of compliance; its code decides the HTTP status at the edge. */
export class ComplianceError extends ServiceError<ComplianceErrorCode> {
  get httpStatus(): number {
    switch (this.code) {
      case 'invalid-request':
        return 400;
      case 'not-found':
        return 404;
    }
  }
}
