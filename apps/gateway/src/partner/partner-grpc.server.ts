import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { createContextKey, createContextValues, type ConnectRouter } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { partnerServices } from '@textback/contracts/partner';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import type { GatewayConfig } from '../config';
import { addHealth } from './grpc-health';
import { addReflection } from './grpc-reflection';
import { restBindings } from './http-rules';
import { PartnerDispatcher } from './partner-dispatcher';
import { failureOf, toConnectError } from './partner-errors';

const peerAddress = createContextKey<string | undefined>(undefined);

/**
 * The partner API over gRPC (and gRPC-Web and Connect, from the same handlers), on its own port
 * (`GRPC_PORT`; HTTP/2, TLS when `GRPC_TLS_CERT_FILE` and `GRPC_TLS_KEY_FILE` are set), with
 * server reflection and the standard health service. Deadlines (`grpc-timeout`) abort the work
 * and its calls to other services; errors leave as gRPC statuses with google.rpc details.
 */
@Injectable()
export class PartnerGrpcServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: http2.Http2Server | http2.Http2SecureServer | undefined;
  private serving = false;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<GatewayConfig>,
    private readonly dispatcher: PartnerDispatcher,
  ) {}

  /** Where it listens (`host:port`); undefined when gRPC is off (`GRPC_PORT=-1`). */
  get address(): string | undefined {
    const a = this.server?.address() as AddressInfo | null | undefined;
    return a ? `${a.address}:${a.port}` : undefined;
  }

  private routes = (router: ConnectRouter): void => {
    for (const { method } of restBindings)
      router.rpc(method, async (request, ctx) => {
        try {
          return await this.dispatcher.invoke(method, request, {
            authorization: ctx.requestHeader.get('authorization') ?? undefined,
            signal: ctx.signal,
            address: ctx.values.get(peerAddress),
            transport: 'grpc',
          });
        } catch (err) {
          throw toConnectError(failureOf(err));
        }
      });
    addHealth(
      router,
      partnerServices.map((s) => s.typeName),
      () => this.serving,
    );
    addReflection(router, partnerServices);
  };

  async onApplicationBootstrap(): Promise<void> {
    const c = this.runtime.config;
    if (c.GRPC_PORT < 0) return;
    const handler = connectNodeAdapter({
      routes: this.routes,
      contextValues: (req) => createContextValues().set(peerAddress, req.socket.remoteAddress),
    });
    this.server =
      c.GRPC_TLS_CERT_FILE && c.GRPC_TLS_KEY_FILE
        ? http2.createSecureServer(
            {
              cert: readFileSync(c.GRPC_TLS_CERT_FILE),
              key: readFileSync(c.GRPC_TLS_KEY_FILE),
              allowHTTP1: true,
            },
            handler,
          )
        : http2.createServer(handler);
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(c.GRPC_PORT, c.GRPC_HOST, () => resolve());
    });
    this.serving = true;
    this.runtime.logger.info(
      { address: this.address, tls: !!c.GRPC_TLS_CERT_FILE },
      'partner gRPC listening',
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.serving = false;
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Open HTTP/2 sessions (a client's pool) would hold close() forever.
      setTimeout(resolve, 2_000).unref();
    });
  }
}
