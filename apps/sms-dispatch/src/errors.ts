import { ServiceError } from '@textback/service-kit';

export type SmsDispatchErrorCode = 'invalid-request';

/** The one error class of sms-dispatch; its code decides the HTTP status at the edge. */
export class SmsDispatchError extends ServiceError<SmsDispatchErrorCode> {
  get httpStatus(): number {
    switch (this.code) {
      case 'invalid-request':
        return 400;
    }
  }
}
