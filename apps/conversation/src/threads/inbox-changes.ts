import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { z } from 'zod';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import type { ConversationConfig } from '../config';
import { inboxChangesRepository } from './inbox-changes.repository';

const Change = z.object({
  schema: z.string(),
  tenantId: z.string(),
  locationId: z.string(),
  threadId: z.string(),
});
export type InboxChange = Omit<z.infer<typeof Change>, 'schema'>;

/**
 * Thread changes as PostgreSQL announces them (`LISTEN textback_inbox`, the triggers of the
 * inbox-notify migration): one listening connection per replica, fanned out to its open streams.
 * A change made through any replica reaches every replica's streams. The connection is opened at
 * the first stream and re-opened after a failure.
 */
@Injectable()
export class InboxChanges implements OnModuleDestroy {
  private readonly listeners = new Set<(c: InboxChange) => void>();
  private client: PoolClient | undefined;
  private connecting: Promise<void> | undefined;

  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime<ConversationConfig>) {}

  async subscribe(listener: (c: InboxChange) => void): Promise<() => void> {
    await this.listen();
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private listen(): Promise<void> {
    if (this.client) return Promise.resolve();
    this.connecting ??= (async () => {
      const client = await this.runtime.db.pool.connect();
      const schema = this.runtime.config.DATABASE_SCHEMA ?? 'conversation';
      client.on('notification', (n) => {
        const parsed = Change.safeParse(JSON.parse(n.payload ?? 'null'));
        // Other services' and other test platforms' schemas share the database's channel.
        if (!parsed.success || parsed.data.schema !== schema) return;
        const { schema: _schema, ...change } = parsed.data;
        for (const listener of this.listeners) listener(change);
      });
      client.on('error', (err) => {
        this.runtime.logger.warn({ err: err.message }, 'inbox change listener lost; reconnecting');
        client.release(err);
        this.client = undefined;
        if (this.listeners.size > 0) void this.listen().catch(() => undefined);
      });
      await inboxChangesRepository.listen(client);
      this.client = client;
    })().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  onModuleDestroy(): void {
    this.listeners.clear();
    this.client?.release();
    this.client = undefined;
  }
}
