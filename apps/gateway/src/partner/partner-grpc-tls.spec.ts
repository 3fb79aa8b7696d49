import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { grpcHealth } from '@textback/contracts/partner';
import type { ServiceRuntime } from '@textback/service-kit';
import type { GatewayConfig } from '../config';
import type { PartnerDispatcher } from './partner-dispatcher';
import { PartnerGrpcServer } from './partner-grpc.server';

/** TLS is a setting (#19): with a certificate and key mounted, gRPC is served over TLS only. */
describe('the partner gRPC server over TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grpc-tls-'));
  let server: PartnerGrpcServer;

  beforeAll(async () => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const runtime = {
      config: {
        GRPC_PORT: 0,
        GRPC_HOST: '127.0.0.1',
        GRPC_TLS_CERT_FILE: join(dir, 'cert.pem'),
        GRPC_TLS_KEY_FILE: join(dir, 'key.pem'),
      },
      logger: { info: () => undefined },
    } as unknown as ServiceRuntime<GatewayConfig>;
    // Health needs no partner method: the dispatcher is never reached here.
    server = new PartnerGrpcServer(runtime, {} as PartnerDispatcher);
    await server.onApplicationBootstrap();
  });

  afterAll(async () => {
    await server.onApplicationShutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a client that trusts its certificate, and no plaintext client', async () => {
    const tls = createGrpcTransport({
      baseUrl: `https://${server.address!}`,
      nodeOptions: { ca: readFileSync(join(dir, 'cert.pem')) },
    });
    const health = createClient(grpcHealth.Health, tls);
    expect((await health.check({ service: '' })).status).toBe(
      grpcHealth.HealthCheckResponse_ServingStatus.SERVING,
    );
    const plain = createClient(
      grpcHealth.Health,
      createGrpcTransport({ baseUrl: `http://${server.address!}` }),
    );
    const refused = await plain
      .check({ service: '' }, { timeoutMs: 3_000 })
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ConnectError);
  });
});
