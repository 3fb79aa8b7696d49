import { Code, ConnectError } from '@connectrpc/connect';
import { googleRpc } from '@textback/contracts/partner';
import { create } from '@bufbuild/protobuf';
import { durationFromMs } from '@bufbuild/protobuf/wkt';
import { errorCodes, isServiceError, ServiceError, type ErrorCode } from '@textback/service-kit';

/** A field the request got wrong, by its proto name (google.rpc.BadRequest). */
export interface FieldViolation {
  readonly field: string;
  readonly description: string;
}

/**
 * An error of the partner API: a code of the shared table (it decides the HTTP status and the
 * gRPC status), the message, and what a client's code acts on — wrong fields, when to retry.
 */
export class PartnerError extends ServiceError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly extra: { fields?: readonly FieldViolation[]; retryAfterMs?: number } = {},
  ) {
    super(code, message);
  }
}

const grpcCode: Record<(typeof errorCodes)[ErrorCode]['grpc'], Code> = {
  INVALID_ARGUMENT: Code.InvalidArgument,
  UNAUTHENTICATED: Code.Unauthenticated,
  PERMISSION_DENIED: Code.PermissionDenied,
  NOT_FOUND: Code.NotFound,
  ALREADY_EXISTS: Code.AlreadyExists,
  RESOURCE_EXHAUSTED: Code.ResourceExhausted,
  FAILED_PRECONDITION: Code.FailedPrecondition,
  ABORTED: Code.Aborted,
  DEADLINE_EXCEEDED: Code.DeadlineExceeded,
  UNAVAILABLE: Code.Unavailable,
};

/** What every edge says about one failure: ours (a ServiceError) or an unexpected one. */
export interface Failure {
  readonly code: ErrorCode | 'internal';
  readonly message: string;
  readonly fields: readonly FieldViolation[];
  readonly retryAfterMs: number | undefined;
}

export function failureOf(err: unknown): Failure {
  if (err instanceof ConnectError && err.code === Code.DeadlineExceeded)
    return {
      code: 'deadline-exceeded',
      message: err.rawMessage,
      fields: [],
      retryAfterMs: undefined,
    };
  if (!isServiceError(err))
    return { code: 'internal', message: 'Internal error', fields: [], retryAfterMs: undefined };
  const extra = err instanceof PartnerError ? err.extra : {};
  return {
    code: err.code,
    message: err.message,
    fields: extra.fields ?? [],
    retryAfterMs: extra.retryAfterMs,
  };
}

/**
 * gRPC: the status of the code's row, with google.rpc details — ErrorInfo (our code as the
 * reason), BadRequest for wrong fields, RetryInfo when waiting helps.
 */
export function toConnectError(f: Failure): ConnectError {
  if (f.code === 'internal') return new ConnectError(f.message, Code.Internal);
  const details = [
    {
      desc: googleRpc.ErrorInfoSchema,
      value: create(googleRpc.ErrorInfoSchema, {
        reason: f.code.toUpperCase().replace(/-/g, '_'),
        domain: 'textback.io',
      }),
    },
    ...(f.fields.length > 0
      ? [
          {
            desc: googleRpc.BadRequestSchema,
            value: create(googleRpc.BadRequestSchema, {
              fieldViolations: f.fields.map((v) => ({
                field: v.field,
                description: v.description,
              })),
            }),
          },
        ]
      : []),
    ...(f.retryAfterMs !== undefined
      ? [
          {
            desc: googleRpc.RetryInfoSchema,
            value: create(googleRpc.RetryInfoSchema, {
              retryDelay: durationFromMs(f.retryAfterMs),
            }),
          },
        ]
      : []),
  ];
  return new ConnectError(f.message, grpcCode[errorCodes[f.code].grpc], undefined, details);
}

/** REST: RFC 9457 problem details, with `Retry-After` when waiting helps. */
export function toProblem(f: Failure): {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
} {
  const status = f.code === 'internal' ? 500 : errorCodes[f.code].http;
  return {
    status,
    headers: {
      'content-type': 'application/problem+json',
      ...(f.retryAfterMs !== undefined
        ? { 'retry-after': String(Math.max(1, Math.ceil(f.retryAfterMs / 1000))) }
        : {}),
    },
    body: {
      type: `https://textback.io/problems/${f.code}`,
      title: f.code === 'internal' ? 'internal error' : errorCodes[f.code].meaning,
      status,
      detail: f.message,
      code: f.code,
      ...(f.fields.length > 0 ? { errors: f.fields } : {}),
    },
  };
}
