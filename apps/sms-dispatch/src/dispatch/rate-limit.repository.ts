import { z } from 'zod';
import { col, type SystemScope, type Tx } from '@textback/persistence';

/** One budget to draw a point from: its key, how many points a window holds, the window. */
export interface RateLimitLayer {
  readonly key: string;
  readonly points: number;
  readonly windowMs: number;
}

const Drawn = z.object({ key: col.text, points: col.int, expire: col.bigint });

/**
 * Fixed-window budgets shared by every replica (`rate_limit`: key, points used, window end in
 * epoch ms). Budgets are the platform's carrier throughput, not a tenant's data.
 */
export const rateLimitRepository = {
  /**
   * Draws one point from every layer in one statement: a window that ended starts afresh. Returns
   * each layer's points used and window end; the caller rolls the transaction back when any
   * layer is over, so a refused send takes nothing from any budget.
   */
  draw(tx: Tx, _scope: SystemScope, layers: readonly RateLimitLayer[], nowMs: number) {
    return tx.select(
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
};
