import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Access } from '@textback/auth';
import { TenantId } from '@textback/contracts';
import { tenantScope } from '@textback/persistence';
import { edge, parseRequest } from '@textback/service-kit';
import { NewApiKey } from '../api-keys/api-keys.controller';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { NewClient, NewGrant } from '../identity/clients.controller';
import { ClientsService } from '../identity/clients.service';
import { IdentityService } from '../identity/identity.service';
import { NewAdmin, NewGroup, NewMember } from '../identity/users.controller';
import { TenancyService } from '../tenancy/tenancy.service';

/** What a command may use: the gateway's own services (the API's use cases). */
export interface AdminContext {
  get<T>(type: abstract new (...args: never[]) => T): T;
  readonly actor: Access;
}

export type Flags = Record<string, string | undefined>;
type Command = (ctx: AdminContext, flags: Flags, args: string[]) => Promise<unknown>;

const list = (v: string | undefined): string[] | undefined =>
  v === undefined
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
const tenant = (flags: Flags) => tenantScope(parseRequest(TenantId, flags['tenant'], 'tenant'));
/** A JSON file: `--file` of a tenant (`{"tenantId": …, …settings}`) or a location. */
const jsonFile = async (flags: Flags): Promise<Record<string, unknown>> => {
  const file = flags['file'];
  if (!file) throw new Error('--file: is required');
  return parseRequest(z.record(z.string(), z.unknown()), JSON.parse(await readFile(file, 'utf8')));
};
const member = (flags: Flags, signIn: 'invitation' | 'refresh-token') => {
  const parsed = parseRequest(NewMember, {
    email: flags['email'],
    name: flags['name'],
    role: flags['role'],
    ...(flags['locations'] ? { locationIds: list(flags['locations']) } : {}),
    ...(flags['group'] ? { groupId: flags['group'] } : {}),
  });
  const { signIn: _ignored, ...rest } = parsed;
  return [rest, signIn] as const;
};

/** Every admin command, by name: each parses its flags with the API's own request schema. */
export const adminCommands: Record<string, Command> = {
  'create-admin': (ctx, flags) => {
    const a = parseRequest(NewAdmin, { email: flags['email'], name: flags['name'] });
    return ctx.get(IdentityService).addPlatformAdmin(ctx.actor, a, 'refresh-token');
  },
  'create-tenant': async (ctx, flags) => {
    const { tenantId, ...settings } = await jsonFile(flags);
    return ctx.get(TenancyService).putTenant(String(tenantId), settings);
  },
  'create-location': async (ctx, flags) => {
    const { tenantId, locationId, ...settings } = await jsonFile(flags);
    return ctx.get(TenancyService).putLocation(String(tenantId), String(locationId), settings);
  },
  'create-group': (ctx, flags) =>
    ctx.get(IdentityService).addGroup(
      tenant(flags),
      parseRequest(NewGroup, {
        groupId: flags['id'],
        name: flags['name'],
        locationIds: list(flags['locations']),
      }),
    ),
  'create-user': (ctx, flags) =>
    ctx.get(IdentityService).addMember(tenant(flags), ctx.actor, ...member(flags, 'refresh-token')),
  'invite-user': (ctx, flags) =>
    ctx.get(IdentityService).addMember(tenant(flags), ctx.actor, ...member(flags, 'invitation')),
  'reset-password': (ctx, flags) =>
    ctx
      .get(IdentityService)
      .passwordReset(tenant(flags), ctx.actor, parseRequest(edge.uuid, flags['user'], 'user')),
  'issue-key': (ctx, flags) =>
    ctx.get(ApiKeysService).issue(
      tenant(flags),
      ctx.actor,
      parseRequest(NewApiKey, {
        name: flags['name'],
        permissions: list(flags['permissions']),
        ...(flags['locations'] ? { locationIds: list(flags['locations']) } : {}),
        ...(flags['expires'] ? { expiresAt: flags['expires'] } : {}),
      }),
    ),
  'revoke-key': async (ctx, flags) => {
    await ctx.get(ApiKeysService).revoke(tenant(flags), flags['key'] ?? '');
    return { revoked: flags['key'] };
  },
  'create-client': (ctx, flags) =>
    ctx
      .get(ClientsService)
      .create(
        ctx.actor,
        parseRequest(NewClient, { name: flags['name'], scopes: list(flags['scopes']) }),
      ),
  'grant-client': (ctx, flags) =>
    ctx.get(ClientsService).grant(
      tenant(flags),
      ctx.actor,
      parseRequest(NewGrant, {
        clientId: flags['client'],
        scopes: list(flags['scopes']),
        ...(flags['locations'] ? { locationIds: list(flags['locations']) } : {}),
      }),
    ),
  'revoke-grant': async (ctx, flags) => {
    await ctx.get(ClientsService).revokeGrant(tenant(flags), flags['client'] ?? '');
    return { revoked: flags['client'], tenant: flags['tenant'] };
  },
  list: (ctx, flags, [what]) => {
    switch (what) {
      case 'tenants':
        return ctx.get(TenancyService).listTenants();
      case 'locations':
        return ctx.get(TenancyService).listLocations(flags['tenant'] ?? '');
      case 'groups':
        return ctx.get(IdentityService).groups(tenant(flags));
      case 'users':
        return flags['tenant']
          ? ctx.get(IdentityService).members(tenant(flags))
          : ctx.get(IdentityService).platformAdmins();
      case 'keys':
        return ctx.get(ApiKeysService).list(tenant(flags));
      case 'clients':
        return ctx.get(ClientsService).list();
      case undefined:
      default:
        throw new Error('list: one of tenants, locations, groups, users, keys, clients');
    }
  },
};

export const adminUsage = `usage: npm run admin -- <command> [flags] [--json]
  create-admin    --email E --name N                       a platform administrator (prints a refresh token)
  create-tenant   --file tenant.json                       {"tenantId": …, brand settings}
  create-location --file location.json                     {"tenantId": …, "locationId": …, settings}
  create-group    --tenant T --id G --name N --locations a,b
  create-user     --tenant T --email E --name N --role R [--locations a,b | --group G]   (prints a refresh token)
  invite-user     --tenant T --email E --name N --role R [--locations a,b | --group G]   (prints the invitation and its link)
  reset-password  --tenant T --user USER_ID                (prints the one-hour reset and its link)
  issue-key       --tenant T --name N --permissions p,q [--locations a,b] [--expires ISO]
  revoke-key      --tenant T --key KEY_ID
  create-client   --name N --scopes p,q                    a partner client (prints its secret once)
  grant-client    --tenant T --client ID --scopes p,q [--locations a,b]
  revoke-grant    --tenant T --client ID
  list tenants | locations --tenant T | groups --tenant T | users [--tenant T] | keys --tenant T | clients
  new-signing-key --id KID [--active-from ISO]             a token signing key for AUTH_SIGNING_KEYS (no database)
  new-secrets-key --id KID                                 a key for TENANT_SECRETS_KEYS (no database)
Reads DATABASE_URL (else the running \`npm start\`'s database) and DATABASE_SCHEMA (default gateway).`;
