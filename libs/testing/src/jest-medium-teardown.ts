/** Jest globalTeardown of the middle tier: drops the database its setup made, if it made one. */
export default async function mediumTeardown(): Promise<void> {
  await globalThis.__TEXTBACK_MEDIUM_INFRA__?.release();
}
