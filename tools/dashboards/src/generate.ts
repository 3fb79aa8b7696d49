import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { alertRules } from './alerts';
import { dashboards } from './dashboards';

/**
 * Generates the Grafana dashboards and Prometheus rules the Helm chart ships
 * (`helm/textback/dashboards/*.json`, `helm/textback/alerts/rules.json`).
 * `--check` fails when the committed files differ from what the code generates.
 */
const chart = resolve(__dirname, '../../../helm/textback');
const files = new Map<string, string>();
for (const [name, build] of Object.entries(dashboards)) {
  files.set(
    join(chart, 'dashboards', `${name}.json`),
    `${JSON.stringify(build().build(), null, 2)}\n`,
  );
}
files.set(
  join(chart, 'alerts', 'rules.json'),
  `${JSON.stringify({ groups: [{ name: 'textback', rules: alertRules }] }, null, 2)}\n`,
);

if (process.argv.includes('--check')) {
  const stale = [...files]
    .filter(([file, content]) => !existsSync(file) || readFileSync(file, 'utf8') !== content)
    .map(([file]) => file);
  if (stale.length > 0) {
    process.stderr.write(
      `out of date (run \`bash tools/run.sh dashboards\`):\n${stale.map((f) => `  ${f}`).join('\n')}\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`dashboards and alert rules are up to date (${files.size} files)\n`);
} else {
  for (const [file, content] of files) {
    mkdirSync(resolve(file, '..'), { recursive: true });
    writeFileSync(file, content);
    process.stdout.write(`wrote ${file}\n`);
  }
}
