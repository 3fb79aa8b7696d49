import { Body, Controller, HttpCode, Inject, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import {
  CallLogError,
  INDUSTRY_REPLY_RATE,
  projectWhatIf,
  readCallLog,
  type WhatIfAssumptions,
} from '@textback/domain';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import { AnalystGuard, CurrentCaller } from './access/analyst.guard';
import type { Caller } from './access/api-keys.service';
import { tenantFor } from './access/api-keys.service';
import type { ReportingConfig } from './config';
import { ReportingError } from './errors';
import { parseOr400, WhatIfQuery } from './queries';

/** No industry figure exists for it (compliance.md has none); a business should set its own. */
const DEFAULT_QUALIFICATION_RATE = 0.5;
const DEFAULT_DEDUPE_WINDOW_MINUTES = 24 * 60;

type Assumption = {
  name: keyof WhatIfAssumptions | 'timezone';
  value: number | string;
  source: string;
};

/** ROI what-if: a business's own call log in, projected recovered leads and revenue out. */
@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1/reports')
@UseGuards(AnalystGuard)
export class WhatIfController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime<ReportingConfig>,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
  ) {}

  @Post('what-if')
  @HttpCode(200)
  @ApiConsumes('text/csv')
  @ApiBody({
    description:
      'The call log: a header row (time, caller, outcome, duration — or from/status/date aliases), one call per line.',
    schema: {
      type: 'string',
      example: 'time,caller,outcome,duration\n2026-11-02 09:15,+14045550101,no-answer,0',
    },
  })
  @ApiQuery({
    name: 'tenantId',
    required: false,
    description: 'Takes the average ticket, time zone, dedupe window and price from this tenant.',
  })
  @ApiQuery({
    name: 'replyRate',
    required: false,
    description: `0–1; default ${INDUSTRY_REPLY_RATE.low} (low end of the industry 25–40%).`,
  })
  @ApiQuery({
    name: 'qualificationRate',
    required: false,
    description: `0–1; default ${DEFAULT_QUALIFICATION_RATE}.`,
  })
  @ApiQuery({
    name: 'averageTicketMinor',
    required: false,
    description:
      'Revenue of one booked lead, minor units; default the tenant’s locations’ average.',
  })
  @ApiQuery({ name: 'currency', required: false })
  @ApiQuery({
    name: 'timezone',
    required: false,
    description: 'IANA zone of times without an offset.',
  })
  @ApiQuery({ name: 'dedupeWindowMinutes', required: false })
  @ApiQuery({ name: 'monthlyPriceMinor', required: false })
  @ApiOkResponse({
    description:
      'Calls read and rejected (with line and reason), projected texts, leads, qualified leads and revenue, the low/high range, cost and ROI, and every assumption with its source.',
  })
  whatIf(
    @CurrentCaller() caller: Caller,
    @Query() query: Record<string, string>,
    @Body() body: unknown,
  ) {
    const q = parseOr400(WhatIfQuery, query);
    if (typeof body !== 'string' || body.trim() === '')
      throw new ReportingError('invalid-request', 'body: send the call log as text/csv');
    const tenantId =
      caller.kind === 'tenant-key' || q.tenantId ? tenantFor(caller, q.tenantId) : undefined;
    const locations = tenantId ? this.directory.all().filter((l) => l.tenantId === tenantId) : [];
    if (tenantId && locations.length === 0)
      throw new ReportingError('not-found', `tenant ${tenantId}: no locations`);

    const tickets = locations.flatMap((l) => (l.averageTicket ? [l.averageTicket] : []));
    const assumptions: Assumption[] = [];
    const pick = <T extends number | string>(
      name: Assumption['name'],
      given: T | undefined,
      fallback: T | undefined,
      source: string,
    ): T => {
      const value = given ?? fallback;
      if (value === undefined)
        throw new ReportingError('invalid-request', `${name}: required (${source})`);
      assumptions.push({ name, value, source: given !== undefined ? 'given' : source });
      return value;
    };
    const a: WhatIfAssumptions = {
      replyRate: pick(
        'replyRate',
        q.replyRate,
        INDUSTRY_REPLY_RATE.low,
        'industry figure, low end of 25–40% (compliance.md)',
      ),
      qualificationRate: pick(
        'qualificationRate',
        q.qualificationRate,
        DEFAULT_QUALIFICATION_RATE,
        'Textback default; no industry figure — set your own',
      ),
      averageTicketMinor: pick(
        'averageTicketMinor',
        q.averageTicketMinor,
        tickets.length
          ? Math.round(tickets.reduce((n, t) => n + t.amountMinor, 0) / tickets.length)
          : undefined,
        tenantId
          ? `average of ${tenantId}'s locations' average ticket`
          : 'no tenant given: pass averageTicketMinor or tenantId',
      ),
      currency: pick(
        'currency',
        q.currency,
        tickets[0]?.currency ?? locations[0]?.monthlyPrice?.currency ?? 'USD',
        tenantId ? 'the tenant’s' : 'default',
      ),
      dedupeWindowMinutes: pick(
        'dedupeWindowMinutes',
        q.dedupeWindowMinutes,
        locations.length
          ? Math.min(...locations.map((l) => l.dedupeWindowMinutes))
          : DEFAULT_DEDUPE_WINDOW_MINUTES,
        locations.length ? 'the tenant’s shortest location window' : 'Textback default (24 h)',
      ),
      monthlyPriceMinor: pick(
        'monthlyPriceMinor',
        q.monthlyPriceMinor,
        locations[0]?.monthlyPrice?.amountMinor ?? 0,
        tenantId ? 'the tenant’s subscription' : 'none given',
      ),
      messageCostMinor: pick(
        'messageCostMinor',
        undefined,
        this.runtime.config.SMS_COST_MICROS_PER_SEGMENT / 10_000,
        'one segment at SMS_COST_MICROS_PER_SEGMENT',
      ),
    };
    const timezone = pick(
      'timezone',
      q.timezone,
      locations[0]?.timezone ?? 'UTC',
      tenantId ? 'the tenant’s first location' : 'UTC',
    );
    try {
      const log = readCallLog(body, { timezone });
      return {
        ...projectWhatIf(log.calls, a),
        rejected: log.rejected.slice(0, 100),
        rejectedCount: log.rejected.length,
        assumptions,
      };
    } catch (err) {
      if (err instanceof CallLogError)
        throw new ReportingError('invalid-request', `call log: ${err.message}`);
      throw err;
    }
  }
}
