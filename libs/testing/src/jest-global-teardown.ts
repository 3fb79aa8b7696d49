/** Jest globalTeardown: stops whatever globalSetup started (broker, containers, database). */
export default async function globalTeardown(): Promise<void> {
  await globalThis.__TEXTBACK_INFRA__?.release();
}
