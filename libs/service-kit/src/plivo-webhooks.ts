import { isRejection, readPlivoPost, type PlivoWebhook } from '@textback/carrier-plivo';
import type { BaseConfig } from './config';
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
