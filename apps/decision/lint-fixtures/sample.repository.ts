// A repository may hold SQL (tools/lint/data-layer-rules.spec.ts); `as never` stays refused.
import type { Database } from '@textback/persistence';
import { z } from 'zod';

export const sampleRepository = {
  async count(db: Database): Promise<number> {
    const row = await db.selectOne(z.object({ n: z.number() }), 'SELECT 1 AS n');
    await db.mutate('SELECT 1');
    return row.n as never;
  },
};
