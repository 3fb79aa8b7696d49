import { Inject, Injectable } from '@nestjs/common';
import type { Access, Permission } from '@textback/auth';
import {
  callInternal,
  errorCodes,
  RUNTIME,
  type ErrorCode,
  type ServiceRuntime,
} from '@textback/service-kit';
import { TokenService } from '../auth/token.service';
import type { GatewayConfig } from '../config';
import { PartnerError } from './partner-errors';
import type { PartnerCall } from './partner-method';

export type Peer = 'call-ingest' | 'conversation' | 'compliance' | 'reporting';

export interface PeerRequest {
  readonly method?: 'GET' | 'POST' | 'PUT';
  readonly path: string;
  readonly query?: Record<string, string | number | undefined>;
  readonly body?: unknown;
}

/** A minted token, reused until a minute before it expires. */
interface Minted {
  readonly token: string;
  readonly until: number;
}

/**
 * The services that own threads, calls, consent and reports, called for a partner: each call
 * carries a token the gateway mints for it — the partner client as the subject, the grant's
 * tenant and locations, and only the permission this one call needs (a partner's own token
 * opens nothing but the partner API). Their errors keep their codes; their outages become
 * `unavailable`, and the caller's deadline cuts the call short.
 */
@Injectable()
export class PeerServices {
  private readonly minted = new Map<string, Minted>();

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<GatewayConfig>,
    private readonly tokens: TokenService,
  ) {}

  async call<T>(call: PartnerCall, peer: Peer, permission: Permission, r: PeerRequest): Promise<T> {
    const answer = await callInternal({
      baseUrl: this.base(peer),
      ...r,
      bearer: await this.token(call.access, permission),
      timeoutMs: this.runtime.config.PARTNER_PEER_TIMEOUT_MS,
      signal: call.signal,
      // A thread with its messages is the largest answer relayed; pages are bounded.
      maxBytes: PEER_ANSWER_MAX_BYTES,
    });
    if (!answer.answered) {
      if (call.signal.aborted)
        throw new PartnerError('deadline-exceeded', `${peer} did not answer within the deadline`);
      throw new PartnerError('unavailable', `${peer} did not answer: ${answer.reason}`);
    }
    if (answer.truncated)
      throw new PartnerError(
        'unavailable',
        `${peer} answered more than ${PEER_ANSWER_MAX_BYTES} bytes`,
      );
    // Not JSON (a proxy's error page, say): no body to relay, the status decides.
    if (answer.ok && (answer.json !== undefined || answer.empty)) return answer.json as T;
    const { error, message } = (answer.json ?? {}) as { error?: string; message?: string };
    if (answer.status < 500 && error && error in errorCodes)
      throw new PartnerError(error as ErrorCode, message ?? error);
    throw new PartnerError('unavailable', `${peer} answered ${answer.status}`);
  }

  private base(peer: Peer): string {
    const c = this.runtime.config;
    const url = {
      'call-ingest': c.CALL_INGEST_URL,
      conversation: c.CONVERSATION_URL,
      compliance: c.COMPLIANCE_URL,
      reporting: c.REPORTING_URL,
    }[peer];
    return url;
  }

  private async token(access: Access, permission: Permission): Promise<string> {
    const locations = access.locationIds === 'all' ? '*' : access.locationIds.join(',');
    const key = `${access.subject}|${access.tenantId}|${locations}|${permission}`;
    const now = this.runtime.clock.now().getTime();
    const cached = this.minted.get(key);
    if (cached && cached.until > now) return cached.token;
    const { accessToken, expiresIn } = await this.tokens.issue({
      subject: access.subject,
      kind: 'client',
      role: undefined,
      tenantId: access.tenantId,
      locationIds: access.locationIds,
      permissions: [permission],
      ...(access.displayName ? { displayName: access.displayName } : {}),
    });
    if (this.minted.size > 10_000) this.minted.clear();
    this.minted.set(key, { token: accessToken, until: now + (expiresIn - 60) * 1000 });
    return accessToken;
  }
}

const PEER_ANSWER_MAX_BYTES = 8 * 1_048_576;
