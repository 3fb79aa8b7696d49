import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where fetched tools (the Kafka and helm-java jars) are kept: outside the clone, so every fresh
 * clone (CI's) reuses them. tools/run.sh exports TEXTBACK_CACHE_DIR; the default is the same.
 */
export function downloadCache(): string {
  return (
    process.env['TEXTBACK_CACHE_DIR'] ??
    join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'textback')
  );
}
