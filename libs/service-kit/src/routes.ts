import { RequestMethod, type Type } from '@nestjs/common';
import { GUARDS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { PUBLIC_ROUTE, type PublicRoute } from '@textback/telemetry';

export { Public, PUBLIC_ROUTE, type PublicRoute, type PublicRouteKind } from '@textback/telemetry';

/** One HTTP route of a service, read from Nest's own route metadata. */
export interface RouteInfo {
  readonly method: string;
  readonly path: string;
  readonly handler: string;
  /** The guards on the handler or its controller (by class name). */
  readonly guards: readonly string[];
  /** Set when the route is public on purpose (`@Public(kind, why)`). */
  readonly public: PublicRoute | undefined;
}

const join = (...parts: (string | string[] | undefined)[]): string =>
  `/${parts
    .flatMap((p) => (Array.isArray(p) ? p : [p]))
    .filter((p): p is string => p !== undefined && p !== '' && p !== '/')
    .map((p) => p.replace(/^\/|\/$/g, ''))
    .join('/')}`;

const names = (guards: unknown): string[] =>
  Array.isArray(guards)
    ? (guards as unknown[]).map((g) =>
        typeof g === 'function' ? g.name : (g as object).constructor.name,
      )
    : [];

/** Every HTTP route the given controllers declare (event consumers have none). */
export function routesOf(controllers: readonly Type[]): RouteInfo[] {
  return controllers.flatMap((controller) => {
    const base = Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined;
    const classGuards = names(Reflect.getMetadata(GUARDS_METADATA, controller));
    const classPublic = Reflect.getMetadata(PUBLIC_ROUTE, controller) as PublicRoute | undefined;
    const proto = controller.prototype as Record<string, unknown>;
    return Object.getOwnPropertyNames(proto).flatMap((key) => {
      const handler = proto[key];
      if (key === 'constructor' || typeof handler !== 'function') return [];
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      if (method === undefined || path === undefined) return [];
      return [
        {
          method: RequestMethod[method],
          path: join(base, path),
          handler: `${controller.name}.${key}`,
          guards: [...classGuards, ...names(Reflect.getMetadata(GUARDS_METADATA, handler))],
          public:
            (Reflect.getMetadata(PUBLIC_ROUTE, handler) as PublicRoute | undefined) ?? classPublic,
        },
      ];
    });
  });
}

/** Routes with neither a guard nor `@Public(...)`: each one is a defect. */
export function unguardedRoutes(routes: readonly RouteInfo[]): RouteInfo[] {
  return routes.filter((r) => r.guards.length === 0 && !r.public);
}

/**
 * Whether a route is served at the edge (the Ingress): the public ones (webhooks, pages, sign-in,
 * the JWKS) and the APIs people and partners call with tokens — never a probe, `/metrics`, or a
 * service-to-service route (`/internal/...`, the service key).
 */
export function isEdgeRoute(r: RouteInfo): boolean {
  if (r.public) return r.public.kind !== 'probe';
  return !r.path.startsWith('/internal') && !r.guards.includes('ServiceKeyGuard');
}

/**
 * The Ingress paths that route exactly the edge routes of each service: each route's fixed part
 * (up to its first parameter) as a prefix, without those a shorter prefix of the same service
 * already covers. Sorted, for a stable chart file.
 */
export function ingressPaths(
  routes: readonly (RouteInfo & { service: string })[],
): { path: string; service: string }[] {
  const prefixes = new Map<string, string>();
  for (const r of routes.filter(isEdgeRoute)) {
    const [head = ''] = r.path.split('/:');
    const fixed = head.replace(/\/$/, '') || '/';
    const owner = prefixes.get(fixed);
    if (owner && owner !== r.service)
      throw new Error(`ingress path ${fixed}: served by ${owner} and ${r.service}`);
    prefixes.set(fixed, r.service);
  }
  const covered = (path: string, service: string): boolean =>
    [...prefixes].some(
      ([other, s]) => other !== path && s === service && path.startsWith(`${other}/`),
    );
  return [...prefixes]
    .filter(([path, service]) => !covered(path, service))
    .map(([path, service]) => ({ path, service }))
    .sort((a, b) => a.path.localeCompare(b.path));
}
