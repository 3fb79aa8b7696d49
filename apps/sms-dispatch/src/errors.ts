import { ServiceError } from '@textback/service-kit';

export type SmsDispatchErrorCode =
  | 'invalid-request'
  | 'invalid-payload'
  | 'invalid-signature'
  | 'replayed'
  | 'location-unknown'
  | 'consent-unavailable'
  | 'location-mismatch';

/** The one error class of sms-dispatch; its code decides the HTTP status at the edge. */
export class SmsDispatchError extends ServiceError<SmsDispatchErrorCode> {
  get httpStatus(): number {
    switch (this.code) {
      case 'invalid-request':
      case 'invalid-payload':
      case 'location-mismatch':
        return 400;
      case 'invalid-signature':
        return 401;
      case 'replayed':
        return 409;
      case 'location-unknown':
      case 'consent-unavailable':
        return 503;
    }
  }
}
