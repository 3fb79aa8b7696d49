import { SetMetadata } from '@nestjs/common';

/**
 * Why a route needs no credential. `signed-webhook`: a carrier, phone system or CRM calls it and
 * its signature is checked inside; `page`: a built page whose data comes from guarded APIs;
 * `probe`: health and metrics for the cluster (never routed by the Ingress); `discovery`:
 * public keys a token verifier needs (the JWKS), secret-free by construction;
 * `credential-exchange`: a credential is presented to get a token (it is checked inside).
 * `session-stream`: a page's live stream, authorized by its session cookie (checked at the gateway
 * when it opens and again within every token lifetime) since a browser stream sends no header.
 */
export type PublicRouteKind =
  'signed-webhook' | 'page' | 'probe' | 'discovery' | 'credential-exchange' | 'session-stream';

export interface PublicRoute {
  readonly kind: PublicRouteKind;
  readonly why: string;
}

export const PUBLIC_ROUTE = 'textback:public-route';

/**
 * Marks a controller or handler public on purpose. Every other HTTP route must carry a guard;
 * the route inventory (service-kit `routesOf`) and its test hold every service to that, and the
 * list of public routes comes from these marks.
 */
export const Public = (kind: PublicRouteKind, why: string): ClassDecorator & MethodDecorator =>
  SetMetadata<string, PublicRoute>(PUBLIC_ROUTE, { kind, why });
