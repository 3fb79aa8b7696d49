import { ServiceError } from '@textback/service-kit';

export type GatewayErrorCode = 'invalid-request' | 'not-found' | 'conflict';

/** The one error class of gateway; its code decides the HTTP status at the edge. */
export class GatewayError extends ServiceError<GatewayErrorCode> {
  get httpStatus(): number {
    switch (this.code) {
      case 'invalid-request':
        return 400;
      case 'not-found':
        return 404;
      case 'conflict':
        return 409;
    }
  }
}
