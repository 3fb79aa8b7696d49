import {
  Body,
  Controller,
  Headers,
  HttpCode,
  Inject,
  Post,
  Req,
  type RawBodyRequest,
} from '@nestjs/common';
import type { Request } from 'express';
import { InvalidTokenError, looksLikeAccessToken, type Access } from '@textback/auth';
import { Public, RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { CALL_INGEST_CONFIG, type CallIngestConfig } from '../config';
import { CallIngestError } from '../errors';
import { verifyCallEventSignature } from './call-event-signature';
import { CallEventsService } from './call-events.service';

/**
 * Phone systems report ended calls here. A tenant's phone system presents its own credential (an
 * access token with `call-events:write`, from an API key exchanged at the gateway) and may report
 * calls at that tenant's locations only; the platform's own connectors sign with the
 * platform-wide secret (`X-Textback-Signature`, 5-minute window).
 */
@Public(
  'signed-webhook',
  "phone systems call it with their tenant's access token, or the platform signature; both are checked here",
)
@Controller('v1/call-events')
export class CallEventsController {
  constructor(
    private readonly calls: CallEventsService,
    @Inject(CALL_INGEST_CONFIG) private readonly config: CallIngestConfig,
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
  ) {}

  @Post()
  @HttpCode(202)
  async receive(
    @Req() req: RawBodyRequest<Request>,
    @Headers('authorization') authorization: string | undefined,
    @Headers('x-textback-signature') signature: string | undefined,
    @Body() body: unknown,
  ): Promise<{ accepted: true; duplicate: boolean }> {
    const credential = authorization?.startsWith('Bearer ')
      ? await this.tenantCredential(authorization.slice(7))
      : this.platformSignature(req.rawBody ?? Buffer.alloc(0), signature);
    return { accepted: true, ...(await this.calls.accept(body, credential)) };
  }

  private async tenantCredential(token: string): Promise<Access> {
    const tokens = this.runtime.tokens;
    if (!tokens || !looksLikeAccessToken(token))
      throw new CallIngestError(
        'unauthorized',
        'credential missing or wrong (Bearer <access token>)',
      );
    let access: Access;
    try {
      access = await tokens.verify(token);
    } catch (err) {
      if (err instanceof InvalidTokenError) throw new CallIngestError('unauthorized', err.message);
      throw err;
    }
    if (!access.permissions.includes('call-events:write'))
      throw new CallIngestError('forbidden', 'this credential may not call-events:write');
    return access;
  }

  private platformSignature(raw: Buffer, signature: string | undefined): 'platform' {
    const secret = this.config.CALL_EVENTS_SIGNING_SECRET;
    if (!secret)
      throw new CallIngestError(
        'unauthorized',
        "credential missing (Authorization: Bearer <your tenant's access token>)",
      );
    const verdict = verifyCallEventSignature(
      secret,
      raw,
      signature,
      Math.floor(this.runtime.clock.now().getTime() / 1000),
    );
    if (verdict !== 'valid') throw new CallIngestError('invalid-signature', `signature ${verdict}`);
    return 'platform';
  }
}
