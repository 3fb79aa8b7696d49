import type { ConnectRouter } from '@connectrpc/connect';
import { Code, ConnectError } from '@connectrpc/connect';
import { grpcHealth } from '@textback/contracts/partner';

const { HealthCheckResponse_ServingStatus: Status, Health } = grpcHealth;

/**
 * The standard `grpc.health.v1.Health` (what Kubernetes' gRPC probes and load balancers ask):
 * SERVING for the server ('') and each service while the gateway is ready, NOT_SERVING while it
 * drains; an unknown service is NOT_FOUND, as the protocol says. Watch streams each change.
 */
export function addHealth(
  router: ConnectRouter,
  services: readonly string[],
  ready: () => boolean,
): void {
  const statusOf = (service: string) => {
    if (service !== '' && !services.includes(service))
      throw new ConnectError(`unknown service ${service}`, Code.NotFound);
    return ready() ? Status.SERVING : Status.NOT_SERVING;
  };
  router.service(Health, {
    check: (req) => ({ status: statusOf(req.service) }),
    list: () => ({
      statuses: Object.fromEntries(['', ...services].map((s) => [s, { status: statusOf(s) }])),
    }),
    async *watch(req, ctx) {
      let last: number | undefined;
      while (!ctx.signal.aborted) {
        const status =
          services.includes(req.service) || req.service === ''
            ? statusOf(req.service)
            : Status.SERVICE_UNKNOWN;
        if (status !== last) yield { status };
        last = status;
        await new Promise((resolve) => setTimeout(resolve, 1_000).unref());
      }
    },
  });
}
