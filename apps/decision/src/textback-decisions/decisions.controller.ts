import { Controller, Get, Inject, Param, UseGuards } from '@nestjs/common';
import { maskPhone } from '@textback/contracts';
import { z } from 'zod';
import { AdminKeyGuard, RUNTIME, ZodPipe, type ServiceRuntime } from '@textback/service-kit';
import { DecisionError } from '../errors';

/** "Why did / didn't this caller get a text?" for one call (internal; partners go through the gateway). */
@Controller('v1/decisions')
@UseGuards(AdminKeyGuard)
export class DecisionsController {
  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {}

  @Get(':callId')
  async byCall(
    @Param(
      'callId',
      new ZodPipe(
        z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1–128 letters, digits or . _ : -'),
        'callId',
      ),
    )
    callId: string,
  ) {
    const rows: {
      call_id: string;
      tenant_id: string;
      location_id: string;
      caller_number: string;
      call_outcome: string;
      outcome: string;
      reason: string | null;
      textback_id: string | null;
      send_after: Date | null;
      decided_at: Date;
    }[] = await this.runtime.dataSource.query(
      'SELECT * FROM textback_decision WHERE call_id = $1',
      [callId],
    );
    const d = rows[0];
    if (!d) throw new DecisionError('not-found', `no decision for call ${callId} (yet)`);
    return {
      callId: d.call_id,
      tenantId: d.tenant_id,
      locationId: d.location_id,
      caller: maskPhone(d.caller_number),
      callOutcome: d.call_outcome,
      outcome: d.outcome,
      reason: d.reason,
      textbackId: d.textback_id,
      sendAfter: d.send_after,
      decidedAt: d.decided_at,
    };
  }
}
