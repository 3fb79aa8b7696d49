import { join } from 'node:path';

/**
 * What a service's Node process loads before any module of ours, in this order: Node's source
 * maps for our files, TypeScript through SWC, then tracing (it must patch http and pg before
 * they are first required). The process runner and the tests that start a process use this;
 * tools/run.sh and docker/entrypoint.sh say the same in shell.
 */
export function servicePreloads(root: string): string[] {
  return [
    '--require',
    join(root, 'libs/telemetry/src/source-maps.preload.cjs'),
    '--require',
    '@swc-node/register',
    '--require',
    join(root, 'libs/telemetry/src/otel.preload.ts'),
  ];
}
