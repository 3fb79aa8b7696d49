import { Inject, Injectable } from '@nestjs/common';
import { PlivoMessaging } from '@textback/carrier-plivo';
import type { LineType } from '@textback/domain';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import type { DecisionConfig } from '../config';

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

  /** undefined when Lookup is off or fails: the text is then sent and the carrier has the last word. */
  async lineTypeOf(number: string): Promise<LineType | undefined> {
    if (this.runtime.config.LINE_TYPE_LOOKUP === 'off') return undefined;
    const cached: { line_type: LineType }[] = await this.runtime.dataSource.query(
      `SELECT line_type FROM line_type WHERE phone_number = $1 AND looked_up_at > now() - make_interval(days => $2)`,
      [number, this.runtime.config.LINE_TYPE_CACHE_DAYS],
    );
    if (cached[0]) return cached[0].line_type;
    try {
      const type = await this.plivo.lineType(number);
      await this.runtime.dataSource.query(
        `INSERT INTO line_type (phone_number, line_type) VALUES ($1, $2)
         ON CONFLICT (phone_number) DO UPDATE SET line_type = EXCLUDED.line_type, looked_up_at = now()`,
        [number, type],
      );
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
