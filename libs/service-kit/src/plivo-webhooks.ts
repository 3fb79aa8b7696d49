import {
  createParamDecorator,
  Inject,
  Injectable,
  type CanActivate,
  type ExecutionContext,
  type RawBodyRequest,
} from '@nestjs/common';
import type { Request } from 'express';
import {
  isRejection,
  PlivoHookError,
  readPlivoHook,
  readPlivoPost,
  type PlivoHookKind,
  type PlivoHookOf,
  type PlivoWebhook,
} from '@textback/carrier-plivo';
import type { BaseConfig } from './config';
import { ServiceError } from './errors';
import { RUNTIME } from './bootstrap';
import type { ServiceRuntime } from './runtime';
import { webhookSignatureFailures } from './service-metrics';

type PlivoWebhookConfig = BaseConfig & {
  PLIVO_AUTH_TOKEN: string;
  PLIVO_MAIN_ACCOUNT_TOKEN?: string | undefined;
  PUBLIC_BASE_URL?: string | undefined;
};

/**
 * A Plivo POST as a service receives it: signature checked against the service's public URL,
 * a refusal counted (`<svc>_webhook_signature_failures_total`). Returns the reason of a refusal,
 * which the caller turns into its own 401.
 */
export function receivePlivoWebhook(
  req: {
    readonly originalUrl: string;
    readonly path: string;
    readonly rawBody?: Buffer | undefined;
    readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  },
  runtime: ServiceRuntime<PlivoWebhookConfig>,
): PlivoWebhook | { readonly refused: string } {
  const c = runtime.config;
  const hook = readPlivoPost(req, {
    publicBaseUrl: c.PUBLIC_BASE_URL ?? runtime.listeningUrl ?? '',
    authToken: c.PLIVO_AUTH_TOKEN,
    mainAccountToken: c.PLIVO_MAIN_ACCOUNT_TOKEN,
  });
  if (!isRejection(hook)) return hook;
  webhookSignatureFailures(runtime.registry, runtime.service).inc({ route: req.path });
  return { refused: hook.reason };
}

export class InvalidSignatureError extends ServiceError<'invalid-signature'> {}
export class InvalidPayloadError extends ServiceError<'invalid-payload'> {}

type WithPlivoWebhook = RawBodyRequest<Request> & { plivoWebhook?: PlivoWebhook };

/**
 * Checks a Plivo webhook's signature (V3, or V2) against the service's public URL before the
 * handler runs; a refusal is a 401 and is counted. The parsed hook is then `@PlivoHook(kind)`.
 */
@Injectable()
export class PlivoSignatureGuard implements CanActivate {
  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime<PlivoWebhookConfig>) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<WithPlivoWebhook>();
    const hook = receivePlivoWebhook(req, this.runtime);
    if ('refused' in hook) throw new InvalidSignatureError('invalid-signature', hook.refused);
    req.plivoWebhook = hook;
    return true;
  }
}

/** A signature-checked Plivo webhook of one kind, read into our vocabulary, with its nonce. */
export type SignedPlivoHook<K extends PlivoHookKind> = PlivoHookOf<K> & { readonly nonce: string };

/** The handler's parameter: the webhook `PlivoSignatureGuard` let through, parsed as `kind` (400 naming the field). */
export const PlivoHook = createParamDecorator(
  (kind: PlivoHookKind, context: ExecutionContext): SignedPlivoHook<PlivoHookKind> => {
    const webhook = context.switchToHttp().getRequest<WithPlivoWebhook>().plivoWebhook;
    if (!webhook) throw new Error('@PlivoHook needs PlivoSignatureGuard on its route');
    try {
      return { ...readPlivoHook[kind](webhook.params), nonce: webhook.nonce };
    } catch (err) {
      if (err instanceof PlivoHookError)
        throw new InvalidPayloadError('invalid-payload', err.message);
      throw err;
    }
  },
);
