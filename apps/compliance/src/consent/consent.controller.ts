import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { Response } from 'express';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { InvalidPhoneNumberError, toE164, type E164, type TenantId } from '@textback/contracts';
import type { Access } from '@textback/auth';
import type { TenantScope } from '@textback/persistence';
import {
  Audited,
  AccessGuard,
  csvSafe,
  CurrentAccess,
  Requires,
  scopeFor,
  edge,
  ZodPipe,
  requireKnownTenant,
} from '@textback/service-kit';
import { LocationDirectory } from '@textback/tenancy';
import { ComplianceError } from '../errors';
import { ConsentLedgerService, type ConsentChangeRow } from './consent-ledger.service';

const OperatorChange = z.strictObject({
  actor: edge.name,
  reason: z.string().trim().min(1, 'must not be blank').max(500),
  source: z.enum(['operator', 'api']).default('operator'),
  /** Only this business number (per-number scope); omitted: the whole brand. */
  channelNumber: z.string().max(40).optional(),
});
const tenantIdParam = new ZodPipe(edge.tenantId, 'tenantId');
const phoneParam = new ZodPipe(z.string().max(40), 'phone');
const ExportQuery = z.strictObject({
  format: z.enum(['csv', 'json']).default('json'),
  phone: z.string().max(40).optional(),
});
const StateQuery = z.strictObject({ channel: z.string().max(40).optional() });

function e164(value: string, field: string): E164 {
  try {
    return toE164(value);
  } catch (err) {
    if (err instanceof InvalidPhoneNumberError)
      throw new ComplianceError('invalid-request', `${field}: is not a valid phone number`);
    throw err;
  }
}

const view = (r: ConsentChangeRow) => ({
  seq: r.seq,
  state: r.state,
  source: r.source,
  scope: r.scope,
  channelNumber: r.channelNumber,
  detail: r.detail,
  actor: r.actor,
  reason: r.reason,
  messageText: r.messageText,
  textRedacted: r.textRedactedAt !== null,
  changedAt: r.changedAt.toISOString(),
});

/** Operators and auditors: a number's state and history, operator changes, and the tenant's export. */
@Controller('v1/consent')
@UseGuards(AccessGuard)
export class ConsentController {
  constructor(
    private readonly ledger: ConsentLedgerService,
    @Inject(LocationDirectory) private readonly directory: LocationDirectory,
  ) {}

  @Get(':tenantId/export')
  @Audited('a bulk read of personal data: the consent ledger')
  @Requires('consent:export')
  async export(
    @CurrentAccess() access: Access,
    @Param('tenantId', tenantIdParam) tenantId: TenantId,
    @Query(new ZodPipe(ExportQuery)) q: z.infer<typeof ExportQuery>,
    @Res() res: Response,
  ): Promise<void> {
    requireKnownTenant(this.directory, tenantId);
    const { format, phone } = q;
    const rows = (
      await this.ledger.history(
        scopeFor(access, 'consent:export', tenantId),
        phone ? e164(phone, 'phone') : undefined,
      )
    ).map((r) => ({ phoneNumber: r.phoneNumber, ...view(r) }));
    if (format === 'csv') {
      res.type('text/csv').attachment(`consent-${tenantId}.csv`);
      res.send(
        stringify(
          rows.map((r) => csvSafe(r, ['detail', 'actor', 'reason', 'messageText'])),
          {
            header: true,
            columns: [
              'seq',
              'phoneNumber',
              'state',
              'source',
              'scope',
              'channelNumber',
              'detail',
              'actor',
              'reason',
              'messageText',
              'textRedacted',
              'changedAt',
            ],
          },
        ),
      );
      return;
    }
    res.json({ tenantId, changes: rows });
  }

  @Get(':tenantId/:phone')
  @Audited("a person's consent history")
  @Requires('consent:read')
  async state(
    @CurrentAccess() access: Access,
    @Param('tenantId', tenantIdParam) tenantId: TenantId,
    @Param('phone', phoneParam) phone: string,
    @Query(new ZodPipe(StateQuery)) { channel }: z.infer<typeof StateQuery>,
  ) {
    requireKnownTenant(this.directory, tenantId);
    const number = e164(phone, 'phone');
    const scope = scopeFor(access, 'consent:read', tenantId);
    const history = await this.ledger.history(scope, number);
    return {
      tenantId,
      phoneNumber: number,
      state: await this.ledger.currentState(
        scope,
        number,
        channel ? e164(channel, 'channel') : undefined,
      ),
      history: history.map(view),
    };
  }

  @Post(':tenantId/:phone/opt-out')
  @HttpCode(201)
  @Requires('consent:write')
  optOut(
    @CurrentAccess() access: Access,
    @Param('tenantId', tenantIdParam) tenantId: TenantId,
    @Param('phone', phoneParam) phone: string,
    @Body(new ZodPipe(OperatorChange)) body: z.infer<typeof OperatorChange>,
  ) {
    return this.change(scopeFor(access, 'consent:write', tenantId), phone, 'opted-out', body);
  }

  @Post(':tenantId/:phone/opt-in')
  @HttpCode(201)
  @Requires('consent:write')
  optIn(
    @CurrentAccess() access: Access,
    @Param('tenantId', tenantIdParam) tenantId: TenantId,
    @Param('phone', phoneParam) phone: string,
    @Body(new ZodPipe(OperatorChange)) body: z.infer<typeof OperatorChange>,
  ) {
    return this.change(scopeFor(access, 'consent:write', tenantId), phone, 'opted-in', body);
  }

  private async change(
    scope: TenantScope,
    phone: string,
    state: 'opted-in' | 'opted-out',
    change: z.infer<typeof OperatorChange>,
  ) {
    const tenantId = scope.tenantId;
    requireKnownTenant(this.directory, tenantId);
    const number = e164(phone, 'phone');
    const channel = change.channelNumber ? e164(change.channelNumber, 'channelNumber') : undefined;
    await this.ledger.recordNow(scope, {
      phoneNumber: number,
      state,
      source: change.source,
      scope: channel ? 'number' : 'tenant',
      channelNumber: channel,
      actor: change.actor,
      reason: change.reason,
    });
    return { tenantId, phoneNumber: number, state };
  }
}
