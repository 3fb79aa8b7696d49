import { eventually } from '@textback/testing';
import { startTestPlatform, type TestPlatform } from '../test-platform';

interface ListedThread {
  threadId: string;
  locationId: string;
  locationName: string | null;
  customerNumber: string;
  customerName: string | null;
  urgent: boolean;
  optedOut: boolean;
  assignedTo: string | null;
  assigneeName: string | null;
  waitingSince: string | null;
  status: string;
  closeOutcome: string | null;
  preview: string | null;
}
interface Page {
  threads: ListedThread[];
  nextCursor: string | null;
}
interface ThreadView {
  thread: ListedThread & { closeReason: string | null; brandName: string };
  lead: { status: string } | null;
  messages: { body: string; author: string; authorId: string | null; authorName: string | null }[];
  notes: { body: string; authorName: string | null }[];
  draft: { body: string } | null;
  customerClock: { zone: string; localTime: string; quietHours: boolean } | null;
}

/**
 * The inbox as a team tool, through its API: each person sees only their locations' threads;
 * filters, search and cursor paging; assign, notes, canned replies with variables, drafts kept per
 * person, close with an outcome and reason, authors by name, the opt-out mark.
 */
describe('the team inbox API', () => {
  let t: TestPlatform;
  const who: Record<string, { userId: string; authorization: string }> = {};
  const north = '+14045550100';
  const south = '+14045550110';

  async function call<T>(
    person: string,
    path: string,
    init: { method?: string; body?: unknown } = {},
  ): Promise<{ status: number; body: T }> {
    const url = new URL(`${t.url('conversation')}/v1/inbox${path}`);
    url.searchParams.set('tenantId', 'cool-breeze-hvac');
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      headers: { authorization: who[person]!.authorization, 'content-type': 'application/json' },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }
  const list = async (person: string, query = '') =>
    (await call<Page>(person, `/threads${query}`)).body;
  const view = async (person: string, threadId: string) =>
    (await call<ThreadView>(person, `/threads/${threadId}`)).body;

  /** A customer texts a location; the thread it lands in, once the message is in it. */
  async function customerTexts(from: string, to: string, text: string): Promise<ListedThread> {
    await t.fake.receiveFromCustomer({ from, to, text });
    return eventually(
      async () => {
        const rows = (await list('bo', `?q=${encodeURIComponent(from)}`)).threads;
        const row = rows.find((r) => r.customerNumber === from && r.locationName !== null);
        if (!row) return undefined;
        const seen = await view('bo', row.threadId);
        return seen.messages.some((m) => m.body === text) ? row : undefined;
      },
      { what: `the thread of ${from}` },
    );
  }

  beforeAll(async () => {
    t = await startTestPlatform({ transport: 'in-process', name: 'teaminbox' });
    const people: [string, string, string[] | undefined][] = [
      ['dana', 'operator', ['atlanta-north']],
      ['eli', 'operator', ['atlanta-north']],
      ['sam', 'operator', ['atlanta-south']],
      ['lee', 'location-manager', ['atlanta-north']],
      ['bo', 'brand-admin', undefined],
    ];
    for (const [name, role, locationIds] of people)
      who[name] = await t.person({
        email: `${name}@cool-breeze.example`,
        role,
        ...(locationIds ? { locationIds } : {}),
      });
    // The team reaches conversation through `member.changed.v1`.
    await eventually(
      async () => (await call<unknown[]>('bo', '/team')).body.length >= 5 || undefined,
      { what: 'the team in conversation' },
    );
  }, 120_000);

  afterAll(() => t?.stop());

  it("shows each person only their locations' threads, with the business's names", async () => {
    const a = await customerTexts('+14045557001', north, 'Is anyone there?');
    const b = await customerTexts('+14045557002', south, 'Need a tune-up');
    const ids = async (p: string) => (await list(p, '?limit=100')).threads.map((r) => r.threadId);
    expect(await ids('dana')).toContain(a.threadId);
    expect(await ids('dana')).not.toContain(b.threadId);
    expect(await ids('sam')).toContain(b.threadId);
    expect(await ids('sam')).not.toContain(a.threadId);
    expect((await call('sam', `/threads/${a.threadId}`)).status).toBe(404);
    expect(a.locationName).toBe('Atlanta North');
    expect(a.waitingSince).not.toBeNull();
    const team = (await call<{ displayName: string }[]>('dana', '/team')).body;
    expect(team.map((m) => m.displayName)).toEqual(
      expect.arrayContaining(['dana', 'eli', 'lee', 'bo']),
    );
    expect(team.map((m) => m.displayName)).not.toContain('sam');
    const locations = (await call<{ locationName: string }[]>('dana', '/locations')).body;
    expect(locations).toEqual([{ locationId: 'atlanta-north', locationName: 'Atlanta North' }]);
    expect((await call<unknown[]>('bo', '/locations')).body).toHaveLength(3);
  });

  it('assigns within the location only, filters by assignee, and notes by name', async () => {
    const thread = await customerTexts('+14045557003', north, 'AC making a noise');
    expect(
      (
        await call('dana', `/threads/${thread.threadId}/assign`, {
          method: 'POST',
          body: { assignee: who['sam']!.userId },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await call('dana', `/threads/${thread.threadId}/assign`, {
          method: 'POST',
          body: { assignee: who['eli']!.userId },
        })
      ).status,
    ).toBe(204);
    const mine = await list('eli', '?assignee=me&limit=100');
    expect(mine.threads.find((r) => r.threadId === thread.threadId)?.assigneeName).toBe('eli');
    expect(
      (await list('dana', '?assignee=none&limit=100')).threads.map((r) => r.threadId),
    ).not.toContain(thread.threadId);
    expect(
      (
        await call('eli', `/threads/${thread.threadId}/assign`, {
          method: 'POST',
          body: { assignee: null },
        })
      ).status,
    ).toBe(204);
    expect(
      (await list('dana', '?assignee=none&limit=100')).threads.map((r) => r.threadId),
    ).toContain(thread.threadId);

    expect(
      (
        await call('dana', `/threads/${thread.threadId}/notes`, {
          method: 'POST',
          body: { text: 'Customer prefers mornings' },
        })
      ).status,
    ).toBe(201);
    const seen = await view('eli', thread.threadId);
    expect(seen.notes).toEqual([
      expect.objectContaining({ body: 'Customer prefers mornings', authorName: 'dana' }),
    ]);
    expect(t.fake.sentTo('+14045557003').map((m) => m.text)).not.toContain(
      'Customer prefers mornings',
    );
  });

  it('keeps a draft per person until it is sent, and names the person who replied', async () => {
    const thread = await customerTexts('+14045557004', north, 'Can you come Friday?');
    await call('dana', `/threads/${thread.threadId}/draft`, {
      method: 'PUT',
      body: { text: 'Friday at 9 works' },
    });
    expect((await view('dana', thread.threadId)).draft?.body).toBe('Friday at 9 works');
    expect((await view('eli', thread.threadId)).draft).toBeNull();
    const replied = await call('dana', `/threads/${thread.threadId}/reply`, {
      method: 'POST',
      body: { text: 'Friday at 9 works' },
    });
    expect(replied.status).toBe(202);
    const after = await view('dana', thread.threadId);
    expect(after.draft).toBeNull();
    expect(after.messages.at(-1)).toMatchObject({
      body: 'Friday at 9 works',
      authorId: `user:${who['dana']!.userId}`,
      authorName: 'dana',
    });
    // Answered: no longer waiting, and the replier owns the thread.
    expect(after.thread.waitingSince).toBeNull();
    expect(after.thread.assignedTo).toBe(who['dana']!.userId);
    await eventually(
      () => t.fake.sentTo('+14045557004').find((m) => m.text === 'Friday at 9 works'),
      { what: 'the reply at the carrier' },
    );
  });

  it('fills canned replies for the customer and the person; only managers add them', async () => {
    const thread = await customerTexts('+14045557005', north, 'How much is a new furnace?');
    const bad = await call<{ message: string }>('bo', '/canned-replies', {
      method: 'POST',
      body: { title: 'Typo', text: 'Hi {{customerNmae}}' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/unknown variable \{\{customerNmae\}\}/);
    expect(
      (
        await call('bo', '/canned-replies', {
          method: 'POST',
          body: {
            title: 'Greeting',
            text: 'Hi {{customerName}}, this is {{agentName}} from {{business}}.',
          },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call('lee', '/canned-replies', {
          method: 'POST',
          body: { title: 'Brand-wide', text: 'No' },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await call('dana', '/canned-replies', {
          method: 'POST',
          body: { locationId: 'atlanta-north', title: 'Mine', text: 'No' },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await call('lee', '/canned-replies', {
          method: 'POST',
          body: {
            locationId: 'atlanta-north',
            title: 'Quote',
            text: 'A quote visit at {{location}} is free.',
          },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call('lee', '/canned-replies', {
          method: 'POST',
          body: { locationId: 'atlanta-south', title: 'Quote', text: 'No' },
        })
      ).status,
    ).toBe(403);

    expect(
      (
        await call('dana', `/threads/${thread.threadId}/customer-name`, {
          method: 'PUT',
          body: { customerName: 'Maria' },
        })
      ).status,
    ).toBe(204);
    const filled = (
      await call<{ title: string; text: string }[]>(
        'dana',
        `/threads/${thread.threadId}/canned-replies`,
      )
    ).body;
    expect(filled).toEqual([
      expect.objectContaining({
        title: 'Greeting',
        text: 'Hi Maria, this is dana from Cool Breeze Heating & Air.',
      }),
      expect.objectContaining({ title: 'Quote', text: 'A quote visit at Atlanta North is free.' }),
    ]);
    const southThread = await customerTexts('+14045557006', south, 'Hello?');
    const southReplies = (
      await call<{ title: string; text: string }[]>(
        'sam',
        `/threads/${southThread.threadId}/canned-replies`,
      )
    ).body;
    expect(southReplies.map((r) => r.title)).toEqual(['Greeting']);
    expect(southReplies[0]!.text).toBe('Hi, this is sam from Cool Breeze Heating & Air.');
  });

  it('searches by name, number and text; filters urgent and waiting longest first', async () => {
    const gas = await customerTexts('+14045557007', north, 'I smell gas near the furnace');
    await call('dana', `/threads/${gas.threadId}/customer-name`, {
      method: 'PUT',
      body: { customerName: 'Jordan Reyes' },
    });
    const find = async (q: string) =>
      (await list('dana', `?q=${encodeURIComponent(q)}`)).threads.map((r) => r.threadId);
    expect(await find('jordan')).toEqual([gas.threadId]);
    expect(await find('404-555-7007')).toEqual([gas.threadId]);
    expect(await find('smell gas')).toEqual([gas.threadId]);
    expect(await find('100%_')).toEqual([]);
    await eventually(
      async () =>
        (await list('dana', '?urgent=true')).threads.some((r) => r.threadId === gas.threadId) ||
        undefined,
      { what: 'the urgent mark' },
    );
    const waiting = (await list('dana', '?order=waiting&limit=100')).threads;
    const since = waiting.map((r) => Date.parse(r.waitingSince ?? ''));
    expect(since).toEqual([...since].sort((x, y) => x - y));
    expect(waiting.every((r) => r.waitingSince !== null && r.status === 'open')).toBe(true);
    expect((await call('dana', '/threads?order=waiting&cursor=bm90LWEtY3Vyc29y')).status).toBe(400);
  });

  it('closes won or lost with a reason, and a customer message reopens the thread', async () => {
    const won = await customerTexts('+14045557008', north, 'Yes please book me');
    const lost = await customerTexts('+14045557009', north, 'Too expensive, no thanks');
    expect(
      (await call('dana', `/threads/${won.threadId}/close`, { method: 'POST', body: {} })).status,
    ).toBe(400);
    expect(
      (
        await call('dana', `/threads/${won.threadId}/close`, {
          method: 'POST',
          body: { outcome: 'won', reason: 'Booked a tune-up' },
        })
      ).status,
    ).toBe(204);
    expect(
      (
        await call('dana', `/threads/${lost.threadId}/close`, {
          method: 'POST',
          body: { outcome: 'lost', reason: 'Price' },
        })
      ).status,
    ).toBe(204);
    expect((await view('dana', won.threadId)).lead?.status).toBe('booked');
    const lostView = await view('dana', lost.threadId);
    expect(lostView.lead?.status).toBe('lost');
    expect(lostView.thread).toMatchObject({
      status: 'closed',
      closeOutcome: 'lost',
      closeReason: 'Price',
    });
    expect((await list('dana', '?status=closed&limit=100')).threads.map((r) => r.threadId)).toEqual(
      expect.arrayContaining([won.threadId, lost.threadId]),
    );
    await customerTexts('+14045557009', north, 'Actually, what about financing?');
    expect((await view('dana', lost.threadId)).thread).toMatchObject({
      status: 'open',
      closeOutcome: null,
    });
  });

  it("marks an opted-out customer's thread and shows the customer's clock", async () => {
    const thread = await customerTexts('+14045557010', north, 'Who is this?');
    await t.fake.receiveFromCustomer({ from: '+14045557010', to: north, text: 'STOP' });
    await eventually(
      async () => (await view('dana', thread.threadId)).thread.optedOut || undefined,
      { what: 'the opt-out mark' },
    );
    const seen = await view('dana', thread.threadId);
    expect(seen.customerClock).toMatchObject({
      zone: 'America/New_York',
      localTime: expect.stringMatching(/^\d\d:\d\d$/),
    });
    // STOP is answered by the platform: it does not make the thread wait for a person.
    expect(seen.thread.waitingSince).not.toBeNull(); // from "Who is this?"
  });

  it('pages past 200 threads with a cursor, none twice, none missed', async () => {
    await t.db.query(
      `INSERT INTO ${t.schema('conversation')}.thread (thread_id, tenant_id, location_id, customer_number, last_message_at)
       SELECT gen_random_uuid(), 'cool-breeze-hvac', 'marietta', '+1770666' || lpad(i::text, 4, '0'), now() - i * interval '1 second'
       FROM generate_series(1, 230) AS i`,
    );
    const seen: string[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const page: Page = await list(
        'bo',
        `?locationId=marietta&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.threads.map((r) => r.customerNumber));
      cursor = page.nextCursor;
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(230);
    expect(new Set(seen).size).toBe(230);
    expect(seen[0]).toBe('+17706660001');
    expect((await list('dana', '?locationId=marietta')).threads).toEqual([]);
  });
});
