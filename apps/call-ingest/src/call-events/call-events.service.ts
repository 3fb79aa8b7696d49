import { Inject, Injectable } from '@nestjs/common';
import { AccessDeniedError, authorizeLocation, type Access } from '@textback/auth';
import { addToOutbox, tenantScope } from '@textback/persistence';
import type { Counter } from 'prom-client';
import { maskPhone } from '@textback/contracts';
import {
  counterOf,
  InvalidRequestError,
  parseRequest,
  RUNTIME,
  type ServiceRuntime,
} from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import { CallIngestError } from '../errors';
import { CallEventRequest } from './call-event.request';
import { callEventRepository as callEvents } from './call-event.repository';

@Injectable()
export class CallEventsService {
  private readonly refused: Counter<'reason'>;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
  ) {
    this.refused = counterOf(
      runtime.registry,
      'call_ingest_call_events_refused_total',
      'Signed call events refused because tenant, location and number do not belong together',
      ['reason'],
    );
  }

  /** A tenant's credential reports calls at its own tenant's locations (those it covers) only. */
  private checkCredentialCovers(access: Access, call: CallEventRequest): void {
    try {
      authorizeLocation(access, 'call-events:write', call.tenantId, call.locationId);
    } catch (err) {
      if (!(err instanceof AccessDeniedError)) throw err;
      this.refused.inc({ reason: `credential-${err.reason}` });
      throw new CallIngestError('forbidden', err.message);
    }
  }

  /**
   * A signed event may only report a call to one of its own location's numbers, at a location of
   * the tenant it names: otherwise it could check consent (and text) in another tenant's name.
   */
  private checkBelongsTogether(call: CallEventRequest): void {
    const location = this.directory.location(call.locationId);
    const owner = this.directory.locationOfNumber(call.businessNumber);
    let reason: 'unknown-location' | 'tenant-mismatch' | 'number-not-at-location' | undefined;
    if (!location) reason = 'unknown-location';
    else if (location.tenantId !== call.tenantId) reason = 'tenant-mismatch';
    else if (
      !location.businessNumbers.includes(call.businessNumber) ||
      owner?.locationId !== location.locationId
    )
      reason = 'number-not-at-location';
    if (!reason) return;
    this.refused.inc({ reason });
    this.runtime.logger.warn(
      {
        reason,
        tenantId: call.tenantId,
        locationId: call.locationId,
        businessNumber: call.businessNumber,
        callId: call.callId,
      },
      'call event refused',
    );
    const messages = {
      'unknown-location': `locationId: no active location ${call.locationId}`,
      'tenant-mismatch': `locationId: location ${call.locationId} does not belong to tenant ${call.tenantId}`,
      'number-not-at-location': `businessNumber: ${maskPhone(call.businessNumber)} is not a number of location ${call.locationId}`,
    } as const;
    throw new CallIngestError('forbidden', messages[reason]);
  }

  /**
   * Records the ended call and its `call.ended.v1` event in one transaction before answering,
   * so an accepted request is never lost; a repeat of the same call is acknowledged, not re-sent.
   */
  async accept(body: unknown, credential: Access | 'platform'): Promise<{ duplicate: boolean }> {
    let call: CallEventRequest;
    try {
      call = parseRequest(CallEventRequest, body);
    } catch (err) {
      // This endpoint has always answered `invalid-payload` (partners match on it).
      if (err instanceof InvalidRequestError)
        throw new CallIngestError('invalid-payload', err.message);
      throw err;
    }
    if (credential !== 'platform') this.checkCredentialCovers(credential, call);
    this.checkBelongsTogether(call);
    const scope = tenantScope(call.tenantId, [call.locationId]);
    const inserted = await this.runtime.transaction(async (tx) => {
      if (!(await callEvents.insertEnded(tx, scope, call))) return false;
      await addToOutbox(tx, 'call.ended.v1', {
        ...call,
        provider: 'generic',
      });
      return true;
    });
    return { duplicate: !inserted };
  }
}
