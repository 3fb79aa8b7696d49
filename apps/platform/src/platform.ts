import { InProcessBroker } from '@textback/messaging';
import type { Clock, RunningService } from '@textback/service-kit';
import { startCallIngest } from '@textback/call-ingest';
import { startCompliance } from '@textback/compliance';
import { startConversation } from '@textback/conversation';
import { startDecision } from '@textback/decision';
import { startGateway } from '@textback/gateway';
import { startReporting } from '@textback/reporting';
import { startSmsDispatch } from '@textback/sms-dispatch';

type Starter = (
  env: Record<string, string | undefined>,
  o: { inProcessBroker?: InProcessBroker; clock?: Clock; jwksUrl?: () => string | undefined },
) => Promise<RunningService>;

/** Every service, in the order a call flows through them; each keeps its own port and schema. */
export const services: readonly { name: string; start: Starter }[] = [
  { name: 'call-ingest', start: startCallIngest },
  { name: 'decision', start: startDecision },
  { name: 'sms-dispatch', start: startSmsDispatch },
  { name: 'conversation', start: startConversation },
  { name: 'compliance', start: startCompliance },
  { name: 'reporting', start: startReporting },
  { name: 'gateway', start: startGateway },
];

export interface PlatformOptions {
  readonly env: Record<string, string | undefined>;
  readonly databaseUrl: string;
  readonly transport: 'in-process' | 'kafka';
  /** First HTTP port; services take consecutive ports. 0 lets the OS choose each. */
  readonly basePort: number;
  /** Prefixes every service schema (tests isolate runs with it). */
  readonly schemaPrefix?: string;
  /** Services to leave out (a test may run one of them as its own process). */
  readonly without?: readonly string[];
  /** One clock for every service (tests pin the time); the system clock otherwise. */
  readonly clock?: Clock;
}

export interface RunningPlatform {
  readonly services: ReadonlyMap<string, RunningService>;
  /** The in-process broker, when not on Kafka (a test may attach another consumer to it). */
  readonly broker?: InProcessBroker;
  stop(): Promise<void>;
}

/** All services in one process: one shared in-memory broker, or Kafka with the switch. */
export async function startPlatform(o: PlatformOptions): Promise<RunningPlatform> {
  const broker = o.transport === 'in-process' ? new InProcessBroker({ partitions: 6 }) : undefined;
  const running = new Map<string, RunningService>();
  const envFor = (name: string, i: number, extra: Record<string, string>) => ({
    ...o.env,
    EVENT_TRANSPORT: o.transport,
    DATABASE_URL: o.databaseUrl,
    DATABASE_SCHEMA: `${o.schemaPrefix ?? ''}${name.replace(/-/g, '_')}`,
    DATABASE_POOL_SIZE: o.env['DATABASE_POOL_SIZE'] ?? '4',
    HTTP_PORT: String(o.basePort === 0 ? 0 : o.basePort + i),
    ...extra,
  });
  const startOne = async (
    name: string,
    extra: Record<string, string> = {},
  ): Promise<RunningService | undefined> => {
    const i = services.findIndex((s) => s.name === name);
    const definition = services[i];
    if (!definition || o.without?.includes(name)) return undefined;
    const service = await definition.start(envFor(name, i, extra), {
      ...(broker ? { inProcessBroker: broker } : {}),
      ...(o.clock ? { clock: o.clock } : {}),
      // Tokens are verified against the gateway's keys; its address is known once it listens.
      jwksUrl: () => {
        const gateway = running.get('gateway');
        return (
          o.env['AUTH_JWKS_URL'] ?? (gateway ? `${gateway.url}/.well-known/jwks.json` : undefined)
        );
      },
    });
    running.set(name, service);
    return service;
  };
  try {
    // Compliance first: sms-dispatch asks it about consent before every send.
    const compliance = await startOne('compliance');
    const complianceUrl = o.env['COMPLIANCE_URL'] ?? compliance?.url;
    const withCompliance: Record<string, string> = complianceUrl
      ? { COMPLIANCE_URL: complianceUrl }
      : {};
    // Reporting links calls to the inbox page: known up front with fixed ports, else once conversation listens.
    const inboxUrlUpFront =
      o.env['INBOX_URL'] ??
      (o.basePort === 0
        ? undefined
        : `http://127.0.0.1:${o.basePort + services.findIndex((s) => s.name === 'conversation')}/inbox`);
    await Promise.all(
      services
        .filter(
          ({ name }) =>
            !['compliance', 'gateway'].includes(name) && (name !== 'reporting' || inboxUrlUpFront),
        )
        .map(({ name }) =>
          startOne(
            name,
            name === 'reporting' && inboxUrlUpFront
              ? { ...withCompliance, INBOX_URL: inboxUrlUpFront }
              : withCompliance,
          ),
        ),
    );
    if (!inboxUrlUpFront) {
      const conversation = running.get('conversation');
      await startOne('reporting', {
        ...withCompliance,
        ...(conversation ? { INBOX_URL: `${conversation.url}/inbox` } : {}),
      });
    }
    // Last: the partner API calls the others for partners (their addresses are known now).
    const peer = (name: string, key: string): Record<string, string> => {
      const url = o.env[key] ?? running.get(name)?.url;
      return url ? { [key]: url } : {};
    };
    await startOne('gateway', {
      ...withCompliance,
      ...peer('call-ingest', 'CALL_INGEST_URL'),
      ...peer('conversation', 'CONVERSATION_URL'),
      ...peer('reporting', 'REPORTING_URL'),
      GRPC_PORT: o.env['GRPC_PORT'] ?? (o.basePort === 0 ? '0' : String(o.basePort + 10)),
      GRPC_HOST: o.env['GRPC_HOST'] ?? o.env['HTTP_HOST'] ?? '127.0.0.1',
    });
  } catch (err) {
    await Promise.allSettled([...running.values()].map((s) => s.stop()));
    throw err;
  }
  return {
    ...(broker ? { broker } : {}),
    // Listed in flow order, whatever order they became ready in.
    services: new Map(
      services.flatMap(({ name }) => {
        const s = running.get(name);
        return s ? [[name, s] as const] : [];
      }),
    ),
    stop: async () => {
      // Edges first so nothing new comes in while consumers drain.
      for (const { name } of services) await running.get(name)?.stop();
    },
  };
}

/** The URLs to configure on the Plivo application (and that the fake and the simulator call). */
export function plivoApplicationUrls(platform: {
  readonly services: ReadonlyMap<string, { readonly url: string }>;
}): {
  answer_url: string;
  hangup_url: string;
  message_url: string;
} {
  const url = (name: string): string => platform.services.get(name)?.url ?? '';
  return {
    answer_url: `${url('call-ingest')}/v1/plivo/voice/answer`,
    hangup_url: `${url('call-ingest')}/v1/plivo/voice/hangup`,
    message_url: `${url('conversation')}/v1/plivo/sms/inbound`,
  };
}
