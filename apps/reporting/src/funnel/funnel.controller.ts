import { Controller, Get, Query, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { stringify } from 'csv-stringify/sync';
import { Payload } from '@nestjs/microservices';
import type { EventEnvelope } from '@textback/contracts';
import { OnEvent } from '@textback/messaging';
import { AdminKeyGuard } from '@textback/service-kit';
import { ReportingError } from '../errors';
import { FunnelService } from './funnel.service';

@Controller()
export class FunnelConsumer {
  constructor(private readonly funnel: FunnelService) {}

  @OnEvent('call.ended.v1')
  callEnded(@Payload() e: EventEnvelope<'call.ended.v1'>) {
    return this.funnel.onCallEnded(e);
  }

  @OnEvent('textback.requested.v1')
  requested(@Payload() e: EventEnvelope<'textback.requested.v1'>) {
    return this.funnel.onTextbackRequested(e);
  }

  @OnEvent('textback.suppressed.v1')
  suppressed(@Payload() e: EventEnvelope<'textback.suppressed.v1'>) {
    return this.funnel.onTextbackSuppressed(e);
  }

  @OnEvent('sms.sent.v1')
  sent(@Payload() e: EventEnvelope<'sms.sent.v1'>) {
    return this.funnel.onSmsSent(e);
  }

  @OnEvent('sms.delivered.v1')
  delivered(@Payload() e: EventEnvelope<'sms.delivered.v1'>) {
    return this.funnel.onSmsDelivered(e);
  }

  @OnEvent('sms.failed.v1')
  failed(@Payload() e: EventEnvelope<'sms.failed.v1'>) {
    return this.funnel.onSmsFailed(e);
  }

  @OnEvent('lead.changed.v1')
  lead(@Payload() e: EventEnvelope<'lead.changed.v1'>) {
    return this.funnel.onLeadChanged(e);
  }
}

const isoDay = /^\d{4}-\d{2}-\d{2}$/;

/** The funnel for analysts: totals, by location and by day, for a tenant and a date range (local days). */
@Controller('v1/reports')
@UseGuards(AdminKeyGuard)
export class FunnelController {
  constructor(private readonly funnel: FunnelService) {}

  @Get('funnel')
  async get(
    @Res({ passthrough: true }) res: Response,
    @Query('tenantId') tenantId?: string,
    @Query('from') from?: string,
    @Query('to') to?: string,
    @Query('locationId') locationId?: string,
    @Query('format') format = 'json',
  ) {
    if (!tenantId) throw new ReportingError('invalid-request', 'tenantId: required');
    if (!from || !to || !isoDay.test(from) || !isoDay.test(to)) throw new ReportingError('invalid-request', 'from, to: required, as YYYY-MM-DD');
    if (format !== 'json' && format !== 'csv') throw new ReportingError('invalid-request', 'format: json or csv');
    const funnel = await this.funnel.funnel(tenantId, from, to, locationId);
    if (format === 'json') return { ...funnel, roi: this.funnel.roi(tenantId, funnel.totals, from, to) };
    // One row per location and day, one column per metric.
    const metrics = [...new Set(Object.values(funnel.byLocation).flatMap((m) => Object.keys(m)))].sort();
    const rows = Object.entries(funnel.byLocationDay).flatMap(([key, m]) => {
      const [location, day] = key.split('|');
      return [[day, location, ...metrics.map((k) => m[k] ?? 0)]];
    });
    res.type('text/csv').attachment(`funnel-${tenantId}-${from}-${to}.csv`);
    return stringify([['day', 'location', ...metrics], ...rows.sort((a, b) => String(a[0]).localeCompare(String(b[0])) || String(a[1]).localeCompare(String(b[1])))]);
  }
}
