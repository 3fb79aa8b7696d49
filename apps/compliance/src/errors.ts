import { ServiceError } from '@textback/service-kit';

export type ComplianceErrorCode = 'invalid-request' | 'not-found';

/**
 * The one error class of compliance. Its codes come from the shared table (service-kit `errorCodes`),
 * which decides the HTTP status at the edge; this class knows nothing of HTTP.
 */
export class ComplianceError extends ServiceError<ComplianceErrorCode> {}
