import { resolveInfrastructure, type ResolvedInfrastructure } from './infrastructure';

declare global {
  var __TEXTBACK_MEDIUM_INFRA__: ResolvedInfrastructure | undefined;
}

/**
 * Jest globalSetup of the middle tier (`*.medium-spec.ts`): one service against a real
 * PostgreSQL, the in-process transport, no Kafka. In a full run the integration project's
 * database is reused; run alone, a throwaway database is made (no broker started).
 */
export default async function mediumSetup(): Promise<void> {
  if (process.env['DATABASE_URL']) return;
  const infra = await resolveInfrastructure({ kafka: false });
  globalThis.__TEXTBACK_MEDIUM_INFRA__ = infra;
  process.env['DATABASE_URL'] = infra.databaseUrl;
  process.stdout.write(
    `\n[middle-tier infrastructure]\n${infra.description.map((d) => `  ${d}`).join('\n')}\n`,
  );
}
