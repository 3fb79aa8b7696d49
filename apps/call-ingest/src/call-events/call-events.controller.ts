import { Public, RUNTIME, type ServiceRuntime } from '@textback/service-kit';
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
import { CALL_INGEST_CONFIG, type CallIngestConfig } from '../config';
import { CallIngestError } from '../errors';
import { verifyCallEventSignature } from './call-event-signature';
import { CallEventsService } from './call-events.service';

@Public(
  'signed-webhook',
  'phone systems call it; X-Textback-Signature (HMAC, 5-minute window) is checked',
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
    @Headers('x-textback-signature') signature: string | undefined,
    @Body() body: unknown,
  ): Promise<{ accepted: true; duplicate: boolean }> {
    const verdict = verifyCallEventSignature(
      this.config.CALL_EVENTS_SIGNING_SECRET,
      req.rawBody ?? Buffer.alloc(0),
      signature,
      Math.floor(this.runtime.clock.now().getTime() / 1000),
    );
    if (verdict !== 'valid') throw new CallIngestError('invalid-signature', `signature ${verdict}`);
    return { accepted: true, ...(await this.calls.accept(body)) };
  }
}
