// Wrong on purpose: every marked line must fail lint (tools/lint/data-layer-rules.spec.ts).
import { systemScope, type Database } from '@textback/persistence'; // systemScope outside the allow-list
import type { DataSource } from 'typeorm';
import { z } from 'zod';

export async function lookups(ds: DataSource, db: Database): Promise<unknown> {
  await ds.query('SELECT 1'); // raw SQL outside a repository
  const rows = await db.select(z.object({ n: z.number() }), 'SELECT 1 AS n'); // typed SQL, still outside
  const everyone = systemScope('a service reading every tenant', console);
  return { rows, everyone, id: 'acme' as never }; // `as never` undoes the brands
}

export function unsafe(text: string): string {
  const parsed: string = JSON.parse(text); // `any` into a typed name
  return String(JSON.parse(text).field); // member access on `any`
}
