import { Controller, Get, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { AnalystGuard, CurrentCaller } from './access/analyst.guard';
import { reportScope, tenantFor, type Caller } from './access/api-keys.service';
import { CallsService, type CallCursor, type CallRow } from './calls/calls.service';
import { ReportingError } from './errors';
import { CallsQuery, FunnelQuery, parseOr400 } from './queries';
import { ReportsService } from './reports.service';
import { Audited, neutraliseFormula } from '@textback/service-kit';

const rangeQueries = [
  ApiQuery({
    name: 'tenantId',
    required: false,
    description: 'Required with the admin key; a tenant API key reads its own tenant.',
  }),
  ApiQuery({
    name: 'from',
    required: true,
    description: 'First local day, YYYY-MM-DD (days are in each location’s time zone).',
    example: '2026-11-01',
  }),
  ApiQuery({
    name: 'to',
    required: true,
    description: 'Last local day, YYYY-MM-DD, inclusive.',
    example: '2026-11-30',
  }),
  ApiQuery({ name: 'locationId', required: false, description: 'One location only.' }),
];
const both =
  (...decorators: MethodDecorator[]): MethodDecorator =>
  (target, key, descriptor) => {
    for (const d of decorators) d(target, key, descriptor);
  };

/** The analyst API: the funnel with ROI and timings, and the calls list, as JSON or CSV. */
@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1/reports')
@UseGuards(AnalystGuard)
export class ReportsController {
  constructor(
    private readonly reports: ReportsService,
    private readonly calls: CallsService,
  ) {}

  @Get('funnel')
  @both(...rangeQueries)
  @ApiQuery({
    name: 'interval',
    required: false,
    enum: ['day', 'week', 'month'],
    description: 'Series granularity (weeks start on Monday).',
  })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({
    description:
      'Totals, by location and per period: calls, text-backs sent and suppressed by reason, delivered/failed, leads by stage, revenue; time to text and to first human reply (p50/p95/p99, seconds); ROI with its assumptions.',
  })
  async getFunnel(
    @CurrentCaller() caller: Caller,
    @Query() query: Record<string, string>,
    @Res({ passthrough: true }) res: Response,
  ) {
    const q = parseOr400(FunnelQuery, query);
    const scope = reportScope(caller, tenantFor(caller, q.tenantId));
    const { byLocationPeriod, ...report } = await this.reports.funnelReport(scope, q);
    if (q.format !== 'csv') return report;
    res.type('text/csv').attachment(`funnel-${scope.tenantId}-${q.from}-${q.to}.csv`);
    return this.reports.funnelCsv({ ...report, byLocationPeriod });
  }

  @Get('calls')
  @Audited('a bulk read of callers: the calls list and its CSV')
  @both(...rangeQueries)
  @ApiQuery({
    name: 'textback',
    required: false,
    enum: ['texted', 'suppressed', 'scheduled', 'send-failed', 'pending'],
    description: 'Only calls with this text-back status.',
  })
  @ApiQuery({ name: 'limit', required: false, description: 'Page size, 1–500 (default 50).' })
  @ApiQuery({
    name: 'cursor',
    required: false,
    description: 'The `nextCursor` of the previous page.',
  })
  @ApiQuery({
    name: 'format',
    required: false,
    enum: ['json', 'csv'],
    description: 'CSV exports every matching call (no paging).',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({
    description:
      'Calls newest first: outcome, texted or why not, time to text, delivery, reply, time to first human reply, lead and a link to its thread; `nextCursor` while more remain.',
  })
  async getCalls(
    @CurrentCaller() caller: Caller,
    @Query() query: Record<string, string>,
    @Res({ passthrough: true }) res: Response,
  ) {
    const q = parseOr400(CallsQuery, query);
    const tenantId = tenantFor(caller, q.tenantId);
    const scope = reportScope(caller, tenantId);
    const filter = {
      from: q.from,
      to: q.to,
      locationId: q.locationId,
      textback: q.textback,
    };
    if (q.format === 'csv') {
      res.type('text/csv').attachment(`calls-${tenantId}-${q.from}-${q.to}.csv`);
      res.write(stringify([CSV_COLUMNS as unknown as string[]]));
      // Keyset pages: memory stays flat however long the range.
      for (let after: CallCursor | undefined; ;) {
        const { items, next } = await this.calls.list(scope, filter, 1_000, after);
        if (items.length > 0)
          res.write(
            stringify(
              items.map((c) =>
                CSV_COLUMNS.map((k) => {
                  const v = c[k] ?? '';
                  return CSV_FREE_TEXT.has(k) && typeof v === 'string' ? neutraliseFormula(v) : v;
                }),
              ),
            ),
          );
        if (!next) break;
        after = next;
      }
      res.end();
      return undefined;
    }
    const { items, next } = await this.calls.list(
      scope,
      filter,
      q.limit,
      q.cursor ? decodeCursor(q.cursor) : undefined,
    );
    return { items, nextCursor: next ? encodeCursor(next) : null };
  }
}

const CSV_COLUMNS = [
  'callId',
  'day',
  'endedAt',
  'locationId',
  'caller',
  'outcome',
  'durationSeconds',
  'textback',
  'whyNot',
  'textSentAt',
  'secondsToText',
  'delivery',
  'replied',
  'secondsToHumanReply',
  'leadStatus',
  'leadValueMinor',
  'threadUrl',
] as const satisfies readonly (keyof CallRow)[];
/** Cells that may hold text from outside (a phone system's call id, a carrier's reason); the rest are typed. */
const CSV_FREE_TEXT: ReadonlySet<string> = new Set(['callId', 'whyNot']);

const Cursor = z.object({
  e: z.iso
    .datetime({ offset: true })
    .refine((e) => /^(20\d\d|2100)-/.test(e), 'a time between the years 2000 and 2100'),
  c: z.string().min(1).max(128),
});

function encodeCursor(c: CallCursor): string {
  return Buffer.from(JSON.stringify({ e: c.endedAt, c: c.callId })).toString('base64url');
}

function decodeCursor(text: string): CallCursor {
  try {
    const parsed = Cursor.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    return { endedAt: parsed.e, callId: parsed.c };
  } catch {
    throw new ReportingError('invalid-request', 'cursor: not a cursor this API returned');
  }
}
