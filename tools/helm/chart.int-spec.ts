import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { loadCallIngestConfig } from '../../apps/call-ingest/src/config';
import { loadComplianceConfig } from '../../apps/compliance/src/config';
import { loadConversationConfig } from '../../apps/conversation/src/config';
import { loadDecisionConfig } from '../../apps/decision/src/config';
import { loadGatewayConfig } from '../../apps/gateway/src/config';
import { loadReportingConfig } from '../../apps/reporting/src/config';
import { loadSmsDispatchConfig } from '../../apps/sms-dispatch/src/config';
import { renderChart } from './render';
import { ingressPathsFile, ingressPathsJson, routeInventory } from './edge-routes';
import { ingressPaths, isEdgeRoute } from '@textback/service-kit';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Manifest {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: {
    template?: {
      spec: {
        securityContext?: Record<string, unknown>;
        containers: {
          name: string;
          env: EnvVar[];
          readinessProbe?: unknown;
          livenessProbe?: unknown;
          resources?: { requests?: unknown; limits?: unknown };
          securityContext?: Record<string, unknown>;
        }[];
      };
    };
  };
}

/** Each service's own config parser: the chart must give it everything it requires. */
const loaders: Record<string, (env: Record<string, string>) => unknown> = {
  'call-ingest': loadCallIngestConfig,
  decision: loadDecisionConfig,
  'sms-dispatch': loadSmsDispatchConfig,
  conversation: loadConversationConfig,
  compliance: loadComplianceConfig,
  reporting: loadReportingConfig,
  gateway: loadGatewayConfig,
};

/** The secrets each service may read, and no others. */
const secretsOf: Record<string, string[]> = {
  'call-ingest': ['call-events-signing-secret', 'database-url', 'plivo-auth-token'],
  decision: ['database-url', 'plivo-auth-id', 'plivo-auth-token'],
  'sms-dispatch': ['database-url', 'plivo-auth-id', 'plivo-auth-token', 'service-api-key'],
  conversation: [
    'database-url',
    'plivo-auth-token',
    'service-api-key',
    'smtp-url',
    'tenant-secrets-keys',
    'vapid-private-key',
  ],
  compliance: ['database-url', 'service-api-key'],
  reporting: ['database-url'],
  gateway: [
    'admin-api-key',
    'auth-signing-keys',
    'database-url',
    'smtp-url',
    'tenant-secrets-keys',
  ],
};

/** Plausible secret contents, so each service's config parser can judge the rest. */
const secretValue = (key: string): string =>
  key === 'smtp-url'
    ? 'smtps://alerts:secret@smtp.example.org:465'
    : key === 'database-url'
      ? 'postgres://textback:secret@postgres:5432/textback'
      : key === 'plivo-auth-id'
        ? 'MAABCDEFGHIJKLMNOPQR'
        : 'k'.repeat(40);

/**
 * The Helm chart, linted strictly and rendered by Helm's own engine (helm-java, no helm binary
 * here): a Deployment per service whose environment each service's own config parser accepts,
 * only the secrets it uses, secure defaults, and the dashboards and alert rules.
 */
describe('the Helm chart', () => {
  let manifests: Manifest[];

  beforeAll(() => {
    manifests = parseAllDocuments(
      renderChart(
        undefined,
        { publicBaseUrl: 'https://textback.example.org' },
        "platformSenderNumber: '+18885550100'\n",
      ),
    )
      .map((d) => d.toJSON() as Manifest | null)
      .filter((m): m is Manifest => m !== null);
  }, 180_000);

  it('renders a Deployment and a Service per service', () => {
    const deployments = manifests
      .filter((m) => m.kind === 'Deployment')
      .map((m) => m.metadata.labels?.['app.kubernetes.io/component']);
    // And the sandbox carrier partners' sandboxes text through (#19).
    expect(deployments.sort()).toEqual([...Object.keys(loaders), 'sandbox-carrier'].sort());
    expect(manifests.filter((m) => m.kind === 'Service')).toHaveLength(
      Object.keys(loaders).length + 1,
    );
  });

  it.each(Object.keys(loaders))(
    'gives %s an environment its config accepts, with only its own secrets',
    (service) => {
      const deployment = manifests.find(
        (m) =>
          m.kind === 'Deployment' && m.metadata.labels?.['app.kubernetes.io/component'] === service,
      );
      const pod = deployment?.spec?.template?.spec;
      const container = pod?.containers[0];
      expect(container).toBeDefined();
      const env: Record<string, string> = {};
      const secretKeys: string[] = [];
      for (const v of container!.env) {
        const ref = v.valueFrom?.secretKeyRef;
        if (ref) {
          expect(['textback-secrets', 'textback-database']).toContain(ref.name);
          secretKeys.push(ref.key);
          env[v.name] = secretValue(ref.key);
        } else {
          env[v.name] = v.value ?? '';
        }
      }
      expect(secretKeys.sort()).toEqual(secretsOf[service]);
      expect(() => loaders[service]!(env)).not.toThrow();
      expect(env['EVENT_TRANSPORT']).toBe('kafka');
      if (service === 'reporting')
        expect(env['INBOX_URL']).toBe('https://textback.example.org/inbox');
      if (service === 'sms-dispatch' || service === 'conversation')
        expect(env['COMPLIANCE_URL']).toBe('http://textback-compliance');
      if (service === 'sms-dispatch' || service === 'gateway')
        expect(env['SANDBOX_PLIVO_API_URL']).toBe('http://textback-sandbox-carrier');
      // Staff texts (sign-in links, inbox alerts) from the platform's own number.
      if (service === 'sms-dispatch' || service === 'conversation')
        expect(env['PLATFORM_SENDER_NUMBER']).toBe('+18885550100');
      if (service === 'gateway') {
        expect(env['GRPC_PORT']).toBe('9090');
        expect(env['CONVERSATION_URL']).toBe('http://textback-conversation');
      }
      // Every service verifies access tokens against the gateway's published keys.
      if (service !== 'gateway')
        expect(env['AUTH_JWKS_URL']).toBe('http://textback-gateway/.well-known/jwks.json');
      // Development-only egress is never on in the chart.
      expect(env['EGRESS_ALLOW_INSECURE']).toBeUndefined();
      // Secure defaults and probes on every pod.
      expect(pod?.securityContext).toMatchObject({ runAsNonRoot: true });
      expect(container?.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
      });
      expect(container?.readinessProbe).toBeDefined();
      expect(container?.livenessProbe).toBeDefined();
      expect(container?.resources?.requests).toBeDefined();
    },
  );

  it('routes the public paths through an Ingress when enabled, and nothing internal', () => {
    const withIngress = parseAllDocuments(
      renderChart(undefined, {
        'ingress.enabled': 'true',
        'ingress.host': 'textback.example.org',
        'ingress.tlsSecretName': 'textback-tls',
      }),
    )
      .map(
        (d) =>
          d.toJSON() as {
            kind: string;
            spec?: {
              tls?: unknown[];
              rules?: {
                host: string;
                http: { paths: { path: string; backend: { service: { name: string } } }[] };
              }[];
            };
          } | null,
      )
      .find((m) => m?.kind === 'Ingress');
    const rule = withIngress?.spec?.rules?.[0];
    expect(rule?.host).toBe('textback.example.org');
    const routes = Object.fromEntries(
      (rule?.http.paths ?? []).map((p) => [
        p.path,
        p.backend.service.name.replace('textback-', ''),
      ]),
    );
    // Exactly the edge routes of the services' own route metadata (#15 item 7), the chart's copy current.
    expect(readFileSync(ingressPathsFile, 'utf8')).toBe(ingressPathsJson());
    const edge = routeInventory().filter(isEdgeRoute);
    expect(routes).toEqual(Object.fromEntries(ingressPaths(edge).map((p) => [p.path, p.service])));
    // Every edge route is reachable through some path of its own service, and nothing else is.
    for (const r of edge) {
      const fixed = r.path.split('/:')[0]!;
      const owner = Object.entries(routes).find(([p]) => fixed === p || fixed.startsWith(`${p}/`));
      expect(`${r.path} → ${owner?.[1]}`).toBe(`${r.path} → ${r.service}`);
    }
    const inner = routeInventory().filter((r) => !isEdgeRoute(r));
    expect(inner.map((r) => r.path)).toContain('/internal/v1/consent/inbound');
    for (const r of inner)
      expect(Object.keys(routes).some((p) => r.path === p || r.path.startsWith(`${p}/`))).toBe(
        false,
      );
    expect(Object.keys(routes).some((p) => ['/metrics', '/readyz', '/healthz'].includes(p))).toBe(
      false,
    );
    expect(withIngress?.spec?.tls).toHaveLength(1);
    expect(manifests.some((m) => m.kind === 'Ingress')).toBe(false); // off by default
  }, 60_000);

  it("routes the partner API's gRPC side through a host of its own when one is given", () => {
    const ingresses = (values: Record<string, string>) =>
      parseAllDocuments(renderChart(undefined, values))
        .map((d) => d.toJSON() as Record<string, unknown> | null)
        .filter((m) => m?.['kind'] === 'Ingress');
    const base = { 'ingress.enabled': 'true', 'ingress.tlsSecretName': 'textback-tls' };
    expect(ingresses(base)).toHaveLength(1);
    const grpc = ingresses({ ...base, 'ingress.grpcHost': 'grpc.textback.example.org' }).find(
      (m) => (m?.['metadata'] as { name: string }).name === 'textback-grpc',
    );
    expect(grpc).toMatchObject({
      metadata: { annotations: { 'nginx.ingress.kubernetes.io/backend-protocol': 'GRPC' } },
      spec: {
        tls: [{ hosts: ['grpc.textback.example.org'] }],
        rules: [
          {
            host: 'grpc.textback.example.org',
            http: {
              paths: [
                {
                  path: '/',
                  backend: { service: { name: 'textback-gateway', port: { name: 'grpc' } } },
                },
              ],
            },
          },
        ],
      },
    });
  }, 60_000);

  it('exports a share of traces when a collector is given, and records none without one', () => {
    const tracingEnv = (values: Record<string, string>) => {
      const deployment = parseAllDocuments(renderChart(undefined, values))
        .map((d) => d.toJSON() as Manifest | null)
        .find(
          (m) =>
            m?.kind === 'Deployment' &&
            m.metadata.labels?.['app.kubernetes.io/component'] === 'call-ingest',
        );
      const env = deployment?.spec?.template?.spec.containers[0]?.env ?? [];
      return Object.fromEntries(
        env.filter((v) => v.name.startsWith('OTEL_')).map((v) => [v.name, v.value]),
      );
    };
    // No collector: nothing exported, so the services record nothing (otel.preload.ts).
    expect(tracingEnv({})).toEqual({ OTEL_SERVICE_NAME: 'call-ingest' });
    expect(tracingEnv({ 'otel.endpoint': 'http://otel-collector:4318' })).toEqual({
      OTEL_SERVICE_NAME: 'call-ingest',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.1',
    });
    expect(() => renderChart(undefined, { 'otel.sampleRatio': '2' })).toThrow(/sampleRatio/);
  }, 60_000);

  it('refuses values its schema does not allow, saying which', () => {
    expect(() => renderChart(undefined, { 'services.reporting.replicas': 'two' })).toThrow(
      /replicas/,
    );
    expect(() => renderChart(undefined, { publicBaseUrl: 'not a url' })).toThrow(/publicBaseUrl/);
    expect(() => renderChart(undefined, { 'services.billing.enabled': 'true' })).toThrow(
      /billing|services/,
    );
  }, 60_000);

  it('ships the dashboards and the alert rules', () => {
    const dashboards = manifests.filter(
      (m) => m.kind === 'ConfigMap' && m.metadata.labels?.['grafana_dashboard'] === '1',
    );
    expect(dashboards.length).toBeGreaterThanOrEqual(3);
    expect(manifests.some((m) => m.kind === 'PrometheusRule')).toBe(true);
  });
});
