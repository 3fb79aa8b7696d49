import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');

/** The dashboards and alert rules in the chart are exactly what tools/dashboards generates. */
describe('dashboards and alerts as code', () => {
  it('are up to date with their generator', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--require',
        '@swc-node/register',
        join(root, 'tools/dashboards/src/generate.ts'),
        '--check',
      ],
      {
        cwd: root,
        env: { ...process.env, SWC_NODE_PROJECT: join(root, 'tools/dashboards/src/tsconfig.json') },
        encoding: 'utf8',
      },
    );
    expect(out).toContain('up to date');
  });

  it('query only metrics the services expose, with derived UIDs', () => {
    const names = ['pipeline-overview', 'carrier', 'service-red'];
    const uids = new Set<string>();
    for (const name of names) {
      const d = JSON.parse(
        readFileSync(join(root, 'helm/textback/dashboards', `${name}.json`), 'utf8'),
      ) as { uid: string; panels: { targets?: { expr: string }[] }[] };
      uids.add(d.uid);
      const exprs = d.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
      expect(exprs.length).toBeGreaterThan(3);
      for (const e of exprs)
        expect(e).toMatch(
          /call_ingest_|decision_|sms_dispatch_|conversation_staff_alerts_total|_consumer_|_http_|_webhook_signature_failures_total|\$\{service\}/,
        );
    }
    expect(uids.size).toBe(names.length);
    const rules = JSON.parse(
      readFileSync(join(root, 'helm/textback/alerts/rules.json'), 'utf8'),
    ) as { groups: { rules: { alert: string }[] }[] };
    expect(rules.groups[0]!.rules.map((r) => r.alert)).toEqual([
      'TextbackTimeToTextSlow',
      'TextbackDeadLettersGrowing',
      'TextbackConsumerLagHigh',
      'TextbackCarrierErrorRateHigh',
      'TextbackWebhookSignatureFailures',
      'TextbackReportingFactsWaiting',
      'TextbackAnalystKeyRefusalsSpiking',
      'TextbackPeriodicTaskFailing',
      'TextbackLocationProfilesUnreadable',
      'TextbackLocationDirectoryReloadFailing',
      'TextbackStaffAlertsFailing',
      'TextbackWebhooksShed',
    ]);
  });
});
