import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { downloadCache } from '@textback/testing';

const root = resolve(__dirname, '..', '..');
const HELM_JAVA_VERSION = '0.0.16';

/** helm-java and its native library, fetched once from Maven Central into the download cache (outside the clone). */
function helmLibDir(): string {
  const lib = join(downloadCache(), 'helm', `lib-${HELM_JAVA_VERSION}`);
  if (!(existsSync(lib) && readdirSync(lib).some((f) => f.startsWith('helm-java-')))) {
    mkdirSync(lib, { recursive: true });
    execFileSync(
      'mvn',
      [
        '-B',
        '-q',
        '-f',
        join(__dirname, 'pom.xml'),
        'dependency:copy-dependencies',
        '-DincludeScope=runtime',
        `-DoutputDirectory=${lib}`,
      ],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
  }
  return lib;
}

/** Lints the chart strictly and renders it with Helm's own engine; throws with Helm's messages. */
export function renderChart(
  chart = join(root, 'helm', 'textback'),
  set: Record<string, string> = {},
  /** Values as YAML (a values file: strings stay strings, unlike `--set`). */
  valuesYaml?: string,
): string {
  const lib = helmLibDir();
  const valuesFile =
    valuesYaml === undefined
      ? undefined
      : join(mkdtempSync(join(tmpdir(), 'values-')), 'values.yaml');
  if (valuesFile) writeFileSync(valuesFile, valuesYaml ?? '');
  return execFileSync(
    'java',
    [
      '-cp',
      `${lib}/*`,
      join(__dirname, 'RenderChart.java'),
      chart,
      ...Object.entries(set).map(([k, v]) => `${k}=${v}`),
      ...(valuesFile ? [`@${valuesFile}`] : []),
    ],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}
