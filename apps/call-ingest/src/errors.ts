import { ServiceError } from '@textback/service-kit';

export type CallIngestErrorCode =
  'invalid-request' | 'invalid-payload' | 'invalid-signature' | 'replayed' | 'forbidden';

/** The one error class of call-ingest; its code decides the HTTP status at the edge. */
export class CallIngestError extends ServiceError<CallIngestErrorCode> {
  get httpStatus(): number {
    switch (this.code) {
      case 'invalid-request':
      case 'invalid-payload':
        return 400;
      case 'invalid-signature':
        return 401;
      case 'replayed':
        return 409;
      case 'forbidden':
        return 403;
    }
  }
}
