import { Inject, Injectable } from '@nestjs/common';
import { PlivoMessaging } from '@textback/carrier-plivo';
import type { E164 } from '@textback/contracts';
import type { LineType } from '@textback/domain';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import type { DecisionConfig } from '../config';
import { lineTypeRepository as lineTypes } from './textback-decision.repository';

/** Line type per number from Plivo Lookup, cached (numbers rarely change type; lookups cost money). */
@Injectable()
export class LineTypesService {
  private readonly plivo: PlivoMessaging;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime<DecisionConfig>) {
    const c = runtime.config;
    this.plivo = new PlivoMessaging({
      authId: c.PLIVO_AUTH_ID,
      authToken: c.PLIVO_AUTH_TOKEN,
      apiUrl: c.PLIVO_API_URL,
      lookupUrl: c.PLIVO_LOOKUP_URL,
      timeoutMs: c.PLIVO_TIMEOUT_MS,
    });
  }

  /**
   * The cached type (read with the caller's other facts), else Lookup's answer, cached. undefined
   * when Lookup is off or fails: the text is then sent and the carrier has the last word.
   */
  async lineTypeOf(number: E164, cached: LineType | undefined): Promise<LineType | undefined> {
    if (this.runtime.config.LINE_TYPE_LOOKUP === 'off') return undefined;
    if (cached) return cached;
    const { db } = this.runtime;
    try {
      const type = await this.plivo.lineType(number);
      await lineTypes.remember(db, number, type);
      return type;
    } catch (err) {
      this.runtime.logger.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'line type lookup failed; deciding without it',
      );
      return undefined;
    }
  }
}
