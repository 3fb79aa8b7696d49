import { createHash, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { DateTime } from 'luxon';
import type { Browser } from 'playwright-core';
import { ApiKeysService as GatewayApiKeys } from '@textback/gateway';
import { playCall } from '@textback/plivo-fake';
import { eventually } from '@textback/testing';
import { secrets, startTestPlatform, type TestPlatform, launchChromium } from '../test-platform';

/**
 * The analyst API around the numbers: tenant-scoped keys, validation with reasons, paging,
 * the OpenAPI document, the ROI what-if, and the analyst page in headless Chromium.
 */
describe('the reporting API and analyst page', () => {
  let t: TestPlatform;
  let browser: Browser;
  let base: string;
  const admin = {
    authorization: '', // a platform administrator's token, got at start
    'content-type': 'application/json',
  };
  const today = DateTime.now().setZone('America/New_York');
  const from = today.minus({ days: 1 }).toISODate();
  const to = today.plus({ days: 1 }).toISODate();
  const range = `from=${from}&to=${to}`;
  const callers = Array.from({ length: 12 }, (_, i) => `+1678555${String(7000 + i)}`);
  let tenantKey = '';

  beforeAll(async () => {
    // Retention of zero days: caller numbers are redacted from the read model as soon as the job runs.
    t = await startTestPlatform({
      transport: 'in-process',
      name: 'reportsapi',
      env: { REPORTING_PII_RETENTION_DAYS: '0', REDACTION_INTERVAL_MS: '1000' },
    });
    admin.authorization = await t.adminAuthorization();
    base = t.url('reporting');
    browser = await launchChromium();
    for (const [i, from] of callers.entries()) {
      await playCall({
        answerUrl: t.app().answer_url,
        hangupUrl: t.app().hangup_url,
        authToken: secrets.PLIVO_AUTH_TOKEN,
        from,
        to: i % 2 ? '+17705550120' : '+14045550100',
        scenario: i % 4 === 3 ? 'answered' : 'missed',
      });
    }
    await playCall({
      answerUrl: t.app().answer_url,
      hangupUrl: t.app().hangup_url,
      authToken: secrets.PLIVO_AUTH_TOKEN,
      from: '+16785558000',
      to: '+13035550130',
      scenario: 'missed',
    });
    await eventually(
      async () => {
        const res = await fetch(
          `${base}/v1/reports/calls?tenantId=cool-breeze-hvac&${range}&limit=500`,
          { headers: admin },
        );
        const body = (await res.json()) as { items: { textback: string }[] };
        return (
          body.items.length === callers.length &&
          body.items.every((c) => c.textback === 'texted' || c.textback === 'suppressed')
        );
      },
      { what: 'the calls in the read model', timeoutMs: 60_000 },
    );
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it("takes reporting's keys issued before they moved to the gateway, and the gateway's keys, each for its own tenant only", async () => {
    // Two analyst keys as reporting issued them before #15 (one since revoked), then the
    // gateway's start-up move (run again here: the platform started before they existed).
    const legacy = async (name: string, revoked: boolean): Promise<string> => {
      const keyId = randomBytes(8).toString('hex');
      const secret = randomBytes(32).toString('base64url');
      await t.db.query(
        `INSERT INTO ${t.schema('reporting')}.api_key (key_id, tenant_id, name, secret_sha256, revoked_at) VALUES ($1, 'cool-breeze-hvac', $2, $3, $4)`,
        [keyId, name, createHash('sha256').update(secret).digest(), revoked ? new Date() : null],
      );
      return `tbk_${keyId}_${secret}`;
    };
    tenantKey = await legacy('franchise analyst', false);
    const revokedBefore = await legacy('old laptop', true);
    const gatewayKeys = t.platform.services.get('gateway')!.app.get(GatewayApiKeys);
    expect(await gatewayKeys.importReportingKeys()).toBe(2);
    expect(await gatewayKeys.importReportingKeys()).toBe(0); // once
    const as = (k: string) => ({ authorization: `Bearer ${k}` });

    const own = await fetch(`${base}/v1/reports/funnel?${range}`, { headers: as(tenantKey) });
    expect(own.status).toBe(200);
    expect(((await own.json()) as { tenantId: string }).tenantId).toBe('cool-breeze-hvac');
    const other = await fetch(`${base}/v1/reports/funnel?tenantId=bright-smile-dental&${range}`, {
      headers: as(tenantKey),
    });
    expect(other.status).toBe(403);
    expect(await other.json()).toEqual({
      error: 'forbidden',
      message: 'this credential reads tenant cool-breeze-hvac only',
    });
    expect(
      (
        await fetch(`${base}/v1/reports/calls?tenantId=bright-smile-dental&${range}`, {
          headers: as(tenantKey),
        })
      ).status,
    ).toBe(403);
    expect(
      (await fetch(`${base}/v1/reports/funnel?${range}`, { headers: as(revokedBefore) })).status,
    ).toBe(401);
    expect((await fetch(`${base}/v1/reports/funnel?${range}`)).status).toBe(401);
    const forged = tenantKey.slice(0, -4) + (tenantKey.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(
      (await fetch(`${base}/v1/reports/funnel?${range}`, { headers: as(forged) })).status,
    ).toBe(401);
    // A moved key cannot be presented as one of the gateway's own (the prefix is checked too).
    expect(
      (
        await fetch(`${base}/v1/reports/funnel?${range}`, {
          headers: as(`txk${tenantKey.slice(3)}`),
        })
      ).status,
    ).toBe(401);
    const noTenant = await fetch(`${base}/v1/reports/funnel?${range}`, { headers: admin });
    expect(noTenant.status).toBe(400);

    // The brand manages them with its other keys at the gateway: listed without secrets, revoked there.
    const keysUrl = `${t.url('gateway')}/v1/admin/tenants/cool-breeze-hvac/api-keys`;
    const listed = (await (await fetch(keysUrl, { headers: admin })).json()) as Record<
      string,
      unknown
    >[];
    expect(listed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          keyId: tenantKey.split('_')[1],
          name: 'franchise analyst',
          permissions: ['reports:read'],
          revokedAt: null,
          lastUsedAt: expect.any(String),
        }),
      ]),
    );
    // The secret is everything after the id (base64url: it may hold `_` itself).
    const secret = /^tbk_[a-f0-9]{16}_(.+)$/.exec(tenantKey)?.[1] ?? '';
    expect(secret.length).toBeGreaterThan(20);
    expect(JSON.stringify(listed)).not.toContain(secret);
    const spare = (await (
      await fetch(keysUrl, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name: 'wallboard', permissions: ['reports:read'] }),
      })
    ).json()) as { keyId: string; key: string };
    expect(
      (await fetch(`${keysUrl}/${spare.keyId}`, { method: 'DELETE', headers: admin })).status,
    ).toBe(204);
    expect(
      (await fetch(`${base}/v1/reports/funnel?${range}`, { headers: as(spare.key) })).status,
    ).toBe(401);
  });

  it('refuses bad queries with the reason', async () => {
    const reason = async (query: string): Promise<{ status: number; message: string }> => {
      const res = await fetch(`${base}/v1/reports/${query}`, { headers: admin });
      return { status: res.status, message: ((await res.json()) as { message: string }).message };
    };
    expect(await reason('funnel?tenantId=cool-breeze-hvac&from=2026-13-01&to=2026-12-01')).toEqual({
      status: 400,
      message: expect.stringContaining('from: a date as YYYY-MM-DD'),
    });
    expect(await reason(`funnel?tenantId=cool-breeze-hvac&from=${to}&to=${from}`)).toEqual({
      status: 400,
      message: 'to: from must not be after to',
    });
    expect(await reason(`funnel?tenantId=cool-breeze-hvac&${range}&interval=year`)).toEqual({
      status: 400,
      message: expect.stringContaining('interval'),
    });
    expect(await reason(`calls?tenantId=cool-breeze-hvac&${range}&cursor=bm9wZQ`)).toEqual({
      status: 400,
      message: 'cursor: not a cursor this API returned',
    });
    expect(await reason(`calls?tenantId=cool-breeze-hvac&${range}&limit=5000`)).toEqual({
      status: 400,
      message: expect.stringContaining('limit'),
    });
  });

  it('pages through the calls newest first, each call once, and filters by why not', async () => {
    const seen: { callId: string; endedAt: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await fetch(
        `${base}/v1/reports/calls?${range}&limit=5${cursor ? `&cursor=${cursor}` : ''}`,
        { headers: { authorization: `Bearer ${tenantKey}` } },
      );
      const page = (await res.json()) as {
        items: { callId: string; endedAt: string }[];
        nextCursor: string | null;
      };
      expect(page.items.length).toBeLessThanOrEqual(5);
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen.map((c) => c.callId)).size).toBe(callers.length);
    expect(seen.map((c) => c.endedAt)).toEqual([...seen.map((c) => c.endedAt)].sort().reverse());

    const suppressed = (await (
      await fetch(`${base}/v1/reports/calls?${range}&textback=suppressed`, {
        headers: { authorization: `Bearer ${tenantKey}` },
      })
    ).json()) as { items: { whyNot: string }[] };
    expect(suppressed.items.map((c) => c.whyNot)).toEqual([
      'call-answered',
      'call-answered',
      'call-answered',
    ]);
  });

  it('redacts caller numbers after the retention period and keeps the counts and timings', async () => {
    await eventually(
      async () => {
        const { rows } = await t.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${t.schema('reporting')}.call_report WHERE caller_number IS NOT NULL`,
        );
        return rows[0]?.n === 0;
      },
      { what: 'caller numbers redacted', timeoutMs: 15_000 },
    );
    const { rows } = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${t.schema('reporting')}.reply_event`,
    );
    expect(rows[0]?.n).toBe(0);
    const page = (await (
      await fetch(`${base}/v1/reports/calls?tenantId=cool-breeze-hvac&${range}&limit=100`, {
        headers: admin,
      })
    ).json()) as { items: { caller: string; secondsToText: number | null; textback: string }[] };
    expect(page.items).toHaveLength(callers.length);
    for (const c of page.items) {
      expect(c.caller).toMatch(/^\+1\*{6}\d{2}$/);
      if (c.textback === 'texted') expect(c.secondsToText).not.toBeNull();
    }
  });

  it('publishes its OpenAPI document and docs page', async () => {
    const doc = (await (await fetch(`${base}/v1/reports/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { parameters?: { name: string }[] }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/reports/funnel', '/v1/reports/calls', '/v1/reports/what-if']),
    );
    expect(doc.paths['/v1/reports/calls']?.['get']?.parameters?.map((p) => p.name)).toEqual(
      expect.arrayContaining([
        'tenantId',
        'from',
        'to',
        'locationId',
        'textback',
        'limit',
        'cursor',
        'format',
      ]),
    );
    expect(doc.components.securitySchemes).toHaveProperty('bearer');
    const docs = await fetch(`${base}/v1/reports/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
  });

  it('projects recovered leads and revenue from an uploaded call log, with its assumptions', async () => {
    // 40 missed callers (one calls again within the hour: texted once), 10 answered, one bad line.
    const lines = [
      'time,caller,outcome,duration',
      ...Array.from(
        { length: 40 },
        (_, i) =>
          `2026-11-02 09:${String(i).padStart(2, '0')},(404) 555-${String(2000 + i)},no-answer,0`,
      ),
      '2026-11-02 09:50,(404) 555-2000,busy,0',
      ...Array.from(
        { length: 10 },
        (_, i) =>
          `2026-11-02 10:${String(i).padStart(2, '0')},+1770555${String(3000 + i)},answered,240`,
      ),
      '2026-11-02 11:00,not a number,no-answer,0',
    ];
    const post = (query: string, body: string, type = 'text/csv') =>
      fetch(`${base}/v1/reports/what-if?${query}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tenantKey}`, 'content-type': type },
        body,
      });
    const res = await post('', lines.join('\n'));
    expect(res.status).toBe(200);
    const w = (await res.json()) as Record<string, unknown> & {
      assumptions: { name: string; value: unknown; source: string }[];
    };
    // The tenant's average ticket: ($450 + $450 + $380) / 3 locations.
    const ticket = Math.round((45_000 + 45_000 + 38_000) / 3);
    expect(w['calls']).toMatchObject({
      total: 51,
      answered: 10,
      missed: 41,
      uniqueMissedCallers: 40,
    });
    // 40 texts × 25% = 10 leads × 50% = 5 qualified × the ticket.
    expect(w['projection']).toEqual({
      texts: 40,
      leads: 10,
      qualifiedLeads: 5,
      revenueMinor: 5 * ticket,
    });
    expect(w['range']).toMatchObject({ high: { leads: 16, qualifiedLeads: 8 } });
    expect(w['rejected']).toEqual([{ line: 53, reason: 'caller: not a valid phone number' }]);
    expect(w.assumptions).toEqual(
      expect.arrayContaining([
        {
          name: 'replyRate',
          value: 0.25,
          source: 'industry figure, low end of 25–40% (compliance.md)',
        },
        {
          name: 'averageTicketMinor',
          value: ticket,
          source: "average of cool-breeze-hvac's locations' average ticket",
        },
        { name: 'timezone', value: 'America/New_York', source: 'the tenant’s first location' },
      ]),
    );
    const overridden = (await (
      await post('replyRate=0.4&qualificationRate=0.25&averageTicketMinor=10000', lines.join('\n'))
    ).json()) as { projection: unknown; assumptions: { name: string; source: string }[] };
    expect(overridden.projection).toEqual({
      texts: 40,
      leads: 16,
      qualifiedLeads: 4,
      revenueMinor: 40_000,
    });
    expect(overridden.assumptions.find((a) => a.name === 'replyRate')?.source).toBe('given');

    expect(await (await post('', 'when,who\n2026-11-02,+14045550101')).json()).toEqual({
      error: 'invalid-request',
      message: 'call log: header: missing column(s) time, caller, outcome (found when, who)',
    });
    expect((await post('', '')).status).toBe(400);
    expect((await post('replyRate=2', lines.join('\n'))).status).toBe(400);
  });

  it('lets an analyst sign in on the page (no key) and see its brand’s figures', async () => {
    await t.person({
      email: 'ana@cool-breeze.example',
      role: 'analyst',
      password: 'saffron tundra beacon 3',
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${base}/reports?from=${from}&to=${to}`);
    await page.fill('#email', 'ana@cool-breeze.example');
    await page.fill('#password', 'saffron tundra beacon 3');
    await page.click('#signin button[type=submit]');
    await page.locator('#signed-in').waitFor({ state: 'visible' });
    await page.click('#query button[type=submit]');
    await page.locator('.kpi[data-metric=calls_missed] .value').waitFor();
    expect(
      Number(await page.locator('.kpi[data-metric=calls_missed] .value').textContent()),
    ).toBeGreaterThan(0);
    // A calls-list link opens the thread in the inbox, signed in already (the session is the
    // host's), read-only for an analyst.
    const [inbox] = await Promise.all([
      page.waitForEvent('popup'),
      page.locator('#call-rows a', { hasText: 'open' }).first().click(),
    ]);
    await inbox.locator('#thread h2').waitFor();
    await inbox.locator('#thread .read-only').waitFor();
    expect(await inbox.locator('#thread textarea').count()).toBe(0);
    await inbox.close();
    await page.close();
  });

  it('shows the funnel and ROI charts for a tenant and range in the analyst page', async () => {
    const funnel = (await (
      await fetch(`${base}/v1/reports/funnel?${range}`, {
        headers: { authorization: `Bearer ${tenantKey}` },
      })
    ).json()) as { totals: Record<string, number>; roi: { revenueMinor: number } };
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${base}/reports?tenant=cool-breeze-hvac&from=${from}&to=${to}`);
    await page.fill('#key', tenantKey);
    await page.click('#query button[type=submit]');
    await page.locator('.kpi[data-metric=calls_missed] .value').waitFor();
    expect(await page.locator('.kpi[data-metric=calls_missed] .value').textContent()).toBe(
      String(funnel.totals['calls_missed']),
    );
    expect(await page.locator('.kpi[data-metric=textbacks_sent] .value').textContent()).toBe(
      String(funnel.totals['textbacks_sent']),
    );
    const plotted = JSON.parse(
      (await page.locator('#funnel-chart').getAttribute('data-values')) ?? '{}',
    ) as Record<string, number[]>;
    const total = (m: string): number => funnel.totals[m] ?? 0;
    expect(plotted['Count']).toEqual([
      total('calls_missed'),
      total('textbacks_sent'),
      total('textbacks_delivered'),
      total('textbacks_replied'),
      total('textbacks_qualified'),
      total('textbacks_booked'),
    ]);
    // One population: each stage is part of the one before (#11 item 19).
    const stages = plotted['Count'] ?? [];
    for (let i = 1; i < stages.length; i++)
      expect([i, stages[i]! <= stages[i - 1]!]).toEqual([i, true]);
    expect(await page.locator('#funnel-note').textContent()).toContain(
      `All leads, including people who texted without calling or were booked by phone: ${total('leads_qualified')} qualified, ${total('leads_booked')} booked`,
    );
    // The cost key figure is explained where it differs from what a chart shows.
    const costNote = (await page.locator('#cost-note').textContent()) ?? '';
    expect(costNote).toMatch(
      /^Cost \$[\d,]+ = subscription \$[\d,]+ \(\$[\d,]+\/month × \d+ days ÷ 30\) \+ messages \$[\d,]+ \(\d+ segments × 0\.0055\)/,
    );
    // The charts drew something: coloured pixels on both canvases.
    for (const id of ['funnel-chart', 'roi-chart']) {
      // Evaluated in the page (a string: this test's TypeScript has no DOM types).
      const inked = await page.evaluate<number>(`(() => {
        const c = document.getElementById('${id}');
        const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n += 1;
        return n;
      })()`);
      expect(inked).toBeGreaterThan(1_000);
    }

    // The calls list under the charts, 25 at a time, and the CSV exports as downloads.
    await page.locator('#call-rows tr').first().waitFor();
    expect(await page.locator('#call-rows tr').count()).toBe(callers.length);
    expect(await page.locator('#call-rows tr.suppressed').count()).toBe(3);
    expect(await page.locator('#call-rows tr.suppressed td').nth(4).textContent()).toBe(
      'no: call-answered',
    );
    expect(await page.locator('#call-rows tr.texted a').first().getAttribute('href')).toContain(
      `${t.url('conversation')}/inbox?tenant=cool-breeze-hvac&thread=`,
    );
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#download-calls'),
    ]);
    expect(download.suggestedFilename()).toBe(`calls-${from}-${to}.csv`);
    const exported = await readFile((await download.path())!, 'utf8');
    expect(exported.trim().split('\n')).toHaveLength(callers.length + 1);

    await page.setInputFiles('#call-log', {
      name: 'calls.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        'time,caller,outcome,duration\n2026-11-02 09:00,+14045552000,no-answer,0\n2026-11-02 09:05,+14045552001,busy,0\n',
      ),
    });
    await page.fill('#reply-rate', '0.5');
    await page.click('#what-if-form button[type=submit]');
    await page
      .locator('#what-if-result p', { hasText: '2 texts → 1 leads' })
      .waitFor({ timeout: 10_000 });

    const shot = `${process.cwd()}/.cache/analyst-page.png`;
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(20_000);
  });
});
