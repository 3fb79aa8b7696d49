import { z } from 'zod';
import { col } from './columns';
import type { Sql } from './sql';
import type { SystemScope } from './scope';

/** One budget to draw a point from: its key, how many points a window holds, the window. */
export interface RateLimitLayer {
  readonly key: string;
  readonly points: number;
  readonly windowMs: number;
}

const Drawn = z.object({ key: col.text, points: col.int, expire: col.bigint });

/**
 * Fixed-window budgets shared by every replica (`rate_limit`: key, points used, window end in
 * epoch ms), in each schema that uses them: sms-dispatch's carrier throughput, the partner API's
 * request budgets — the platform's capacity, not a tenant's data.
 */
export const rateLimitRepository = {
  /**
   * Draws one point from every layer in one statement (its own transaction: the counters are
   * locked only while it commits): a window that ended starts afresh. Returns each layer's points used and window end; when any layer is over, the caller gives the points back.
   */
  draw(sql: Sql, _scope: SystemScope, layers: readonly RateLimitLayer[], nowMs: number) {
    return sql.select(
      Drawn,
      `INSERT INTO rate_limit (key, points, expire)
       SELECT key, 1, $3::bigint + window_ms FROM unnest($1::text[], $2::bigint[]) AS l(key, window_ms)
       ON CONFLICT (key) DO UPDATE SET
         points = CASE WHEN rate_limit.expire <= $3 THEN 1 ELSE rate_limit.points + 1 END,
         expire = CASE WHEN rate_limit.expire <= $3 THEN EXCLUDED.expire ELSE rate_limit.expire END
       RETURNING key, points, expire`,
      [layers.map((l) => l.key), layers.map((l) => l.windowMs), nowMs],
    );
  },

  /**
   * Gives back the points a refused draw took, each to the window it was drawn from (a window
   * that ended since keeps nothing of it).
   */
  async giveBack(
    sql: Sql,
    _scope: SystemScope,
    drawn: readonly { key: string; expire: number }[],
  ): Promise<void> {
    await sql.mutate(
      `UPDATE rate_limit r SET points = r.points - 1
       FROM unnest($1::text[], $2::bigint[]) AS d(key, expire)
       WHERE r.key = d.key AND r.expire = d.expire AND r.points > 0`,
      [drawn.map((d) => d.key), drawn.map((d) => d.expire)],
    );
  },
};
