import type { DataSource } from 'typeorm';
import { Coalescer } from '@textback/coalescing';
import { z } from 'zod';
import { uniqueTestPrefix } from '@textback/testing';
import {
  Database,
  openDataSource,
  poolOf,
  webhookNonces,
  WebhookNonce1763900250000,
  type WebhookAcceptance,
  type WebhookQueue,
} from '../src';

/** Webhooks made durable together (#17): one statement for those that arrive together. */
describe('webhooks accepted by group commit on PostgreSQL', () => {
  let ds: DataSource;
  let db: Database;
  const queue: WebhookQueue = {
    table: 'test_report',
    columns: [
      { name: 'message_uuid', type: 'text' },
      { name: 'sequence', type: 'bigint' },
      { name: 'fields', type: 'jsonb' },
    ],
    key: ['message_uuid', 'sequence'],
  };
  type Hook = { nonce: string; values: [string, number, string] };
  const hook = (nonce: string, uuid: string, sequence: number): Hook => ({
    nonce,
    values: [
      uuid,
      sequence,
      JSON.stringify({ status: `s-${sequence}`, note: 'a "quoted" \\ one' }),
    ],
  });

  beforeAll(async () => {
    ds = await openDataSource({
      url: process.env['DATABASE_URL']!,
      schema: uniqueTestPrefix('groupcommit'),
      migrations: [WebhookNonce1763900250000],
    });
    db = new Database(poolOf(ds));
    await db.mutate(`CREATE TABLE test_report (
      seq bigserial, message_uuid text NOT NULL, sequence bigint NOT NULL, fields jsonb NOT NULL,
      PRIMARY KEY (message_uuid, sequence))`);
  });

  afterAll(async () => {
    await ds.destroy();
  });

  it('answers each webhook of one statement: accepted, repeated under a new nonce, replayed', async () => {
    await webhookNonces.acceptEach(db, queue, [hook('n-0', 'm-0', 1)]);
    const answers = await webhookNonces.acceptEach(db, queue, [
      hook('n-1', 'm-1', 1), // new
      hook('n-0', 'm-0', 1), // a replay of an earlier group's
      hook('n-2', 'm-0', 1), // the sender's retry of an earlier group's, new nonce
      hook('n-1', 'm-1', 1), // a replay within the group
      hook('n-3', 'm-1', 1), // a retry within the group
      hook('n-4', 'm-1', 2), // new
    ]);
    expect(answers).toEqual([
      'accepted',
      'replayed',
      'repeated',
      'replayed',
      'repeated',
      'accepted',
    ]);
    const rows = await db.select(
      z.object({ messageUuid: z.string(), sequence: z.coerce.number(), fields: z.unknown() }),
      'SELECT message_uuid, sequence, fields FROM test_report ORDER BY seq',
    );
    expect(rows).toEqual([
      { messageUuid: 'm-0', sequence: 1, fields: { status: 's-1', note: 'a "quoted" \\ one' } },
      { messageUuid: 'm-1', sequence: 1, fields: { status: 's-1', note: 'a "quoted" \\ one' } },
      { messageUuid: 'm-1', sequence: 2, fields: { status: 's-2', note: 'a "quoted" \\ one' } },
    ]);
  });

  it('writes webhooks that arrive while a write is in flight together, in arrival order', async () => {
    let statements = 0;
    db.countStatementsWith(() => statements++);
    const group = new Coalescer<Hook, WebhookAcceptance>(
      (hooks) => webhookNonces.acceptEach(db, queue, hooks),
      { maxConcurrent: 1, maxItems: 50 },
    );
    const hooks = Array.from({ length: 120 }, (_, i) => hook(`g-${i}`, 'm-g', i));
    const answers = await Promise.all(hooks.map((h) => group.submit(h)));
    expect(answers).toEqual(hooks.map(() => 'accepted'));
    // The first alone (nothing in flight), then the rest in writes of at most 50.
    expect(statements).toBe(1 + Math.ceil(119 / 50));
    const order = await db.select(
      z.object({ sequence: z.coerce.number() }),
      "SELECT sequence FROM test_report WHERE message_uuid = 'm-g' ORDER BY seq",
    );
    expect(order.map((r) => r.sequence)).toEqual(hooks.map((_, i) => i));
  });

  it('fails every webhook of a failed write, and writes the next group', async () => {
    let fail = true;
    const group = new Coalescer<Hook, WebhookAcceptance>(
      async (hooks) => {
        if (fail) {
          fail = false;
          throw new Error('connection lost');
        }
        return webhookNonces.acceptEach(db, queue, hooks);
      },
      { maxConcurrent: 1, maxItems: 50 },
    );
    const first = group.submit(hook('f-1', 'm-f', 1));
    const second = group.submit(hook('f-2', 'm-f', 2));
    await expect(first).rejects.toThrow('connection lost');
    await expect(second).resolves.toBe('accepted');
    // The sender's retry of the failed one: nothing of it was written.
    await expect(group.submit(hook('f-1', 'm-f', 1))).resolves.toBe('accepted');
  });
});
