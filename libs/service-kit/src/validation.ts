import { Injectable, type PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { ServiceError } from './errors';

/** The shared "your request is wrong" error: 400 with every bad field named. */
export class InvalidRequestError extends ServiceError<'invalid-request'> {
  constructor(message: string) {
    super('invalid-request', message);
  }
}

/** The shared "no such thing" error: 404. */
export class NotFoundError extends ServiceError<'not-found'> {
  constructor(message: string) {
    super('not-found', message);
  }
}

/**
 * Services know tenants through their locations: a tenant with none here does not exist for this
 * service (404, nothing recorded).
 */
export function requireKnownTenant(
  directory: { hasTenant(tenantId: string): boolean },
  tenantId: string,
): void {
  if (!directory.hasTenant(tenantId)) throw new NotFoundError(`no tenant ${tenantId}`);
}

/** "field.path: reason; other: reason" — one formatter for every edge. */
export function describeIssues(error: z.ZodError, prefix?: string): string {
  return error.issues
    .map((i) => {
      const path = [prefix, ...i.path.map(String)]
        .filter((p) => p !== undefined && p !== '')
        .join('.');
      return `${path || '(body)'}: ${i.message}`;
    })
    .join('; ');
}

/** Paths of strings holding NUL: PostgreSQL cannot store it, and no field of ours needs it. */
function nulPaths(value: unknown, path: string[] = []): string[] {
  if (typeof value === 'string')
    return value.includes('\u0000') ? [path.join('.') || '(value)'] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => nulPaths(v, [...path, String(i)]));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => nulPaths(v, [...path, k]));
  return [];
}

/** Parses with a zod schema or throws InvalidRequestError naming each bad field (`prefix` names a lone value). */
export function parseRequest<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix?: string,
): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidRequestError(describeIssues(parsed.error, prefix));
  // After parsing, so only fields the schema kept are looked at (unknown keys were refused by name).
  const nul = nulPaths(parsed.data, prefix ? [prefix] : []);
  if (nul.length > 0)
    throw new InvalidRequestError(
      nul.map((p) => `${p}: must not contain NUL characters`).join('; '),
    );
  return parsed.data;
}

/**
 * The one validation pipe: `@Body(new ZodPipe(Schema))`, `@Query(new ZodPipe(Query))`,
 * `@Param('threadId', new ZodPipe(z.uuid(), 'threadId'))`. Handlers receive parsed, typed values.
 */
@Injectable()
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(
    private readonly schema: S,
    private readonly name?: string,
  ) {}

  transform(value: unknown): z.infer<S> {
    return parseRequest(this.schema, value, this.name);
  }
}

const slug = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
  .max(63, 'must be at most 63 characters')
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be a lowercase slug');

/** Common edge shapes, bounded so that nothing unbounded reaches a query. */
export const edge = {
  uuid: z.uuid({ error: 'must be a UUID' }),
  slug,
  tenantId: slug.brand<'TenantId'>(),
  locationId: slug.brand<'LocationId'>(),
  /** A person's or system's name for themselves (actor, author, assignee). */
  name: z.string().trim().min(1, 'must not be blank').max(120),
  /** A calendar date or instant between 2000 and 2100 (JavaScript accepts years far outside any real data). */
  date: z.coerce
    .date({ error: 'must be an ISO date' })
    .refine(
      (d) => d.getUTCFullYear() >= 2000 && d.getUTCFullYear() <= 2100,
      'must be between the years 2000 and 2100',
    ),
} as const;
