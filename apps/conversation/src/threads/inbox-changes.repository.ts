import type { PoolClient } from 'pg';

/** The channel the inbox-notify triggers announce thread changes on. */
export const inboxChangesRepository = {
  async listen(client: PoolClient): Promise<void> {
    await client.query('LISTEN textback_inbox');
  },
};
