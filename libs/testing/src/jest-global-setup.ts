import { resolveInfrastructure, type ResolvedInfrastructure } from './infrastructure';

declare global {
  var __TEXTBACK_INFRA__: ResolvedInfrastructure | undefined;
}

/** Jest globalSetup: one broker and one database for the whole run, shared by every suite. */
export default async function globalSetup(): Promise<void> {
  const infra = await resolveInfrastructure();
  globalThis.__TEXTBACK_INFRA__ = infra;
  process.env['KAFKA_BROKERS'] = infra.kafkaBrokers;
  process.env['DATABASE_URL'] = infra.databaseUrl;
  process.stdout.write(
    `\n[test infrastructure]\n${infra.description.map((d) => `  ${d}`).join('\n')}\n`,
  );
}
