import type { NextFunction, Request, Response } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * RED metrics for HTTP: `<svc>_http_requests_total{method,route,status}` and
 * `<svc>_http_request_duration_seconds{method,route}`. `route` is the matched route template
 * (never the raw path, which can carry ids or numbers).
 */
export function httpMetricsMiddleware(
  registry: Registry,
  service: string,
): (req: Request, res: Response, next: NextFunction) => void {
  const p = service.replace(/[^a-zA-Z0-9_]/g, '_');
  const requests = new Counter({
    name: `${p}_http_requests_total`,
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: `${p}_http_request_duration_seconds`,
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route'],
    buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      // Express types `req.route` as `any`: read it as what it may be.
      const matchedRoute = (req as { route?: unknown }).route;
      const matched =
        typeof matchedRoute === 'object' && matchedRoute !== null && 'path' in matchedRoute
          ? matchedRoute.path
          : undefined;
      const route = typeof matched === 'string' ? `${req.baseUrl}${matched}` : 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      duration.observe({ method: req.method, route }, seconds);
    });
    next();
  };
}
