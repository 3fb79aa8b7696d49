import type { Permission } from './roles';

/**
 * The partner API's scopes: what a brand grants an integration. Each names the permission a
 * granter must hold to give it (never more than the granter may do) and the permissions the
 * gateway's own calls to a service carry on the partner's behalf (`downstream`). A partner's own
 * token carries scopes, not permissions: it opens the partner API and nothing else.
 */
export const partnerScopes = {
  'locations:read': {
    description: 'Read the locations and business numbers',
    granterNeeds: 'locations:write',
    downstream: [],
  },
  'locations:write': {
    description: 'Create and change locations: numbers, hours, templates, on-call',
    granterNeeds: 'locations:write',
    downstream: ['locations:write'],
  },
  'calls:write': {
    description: 'Report calls that ended on another phone system',
    granterNeeds: 'call-events:write',
    downstream: ['call-events:write'],
  },
  'threads:read': {
    description: 'Read conversations and their messages',
    granterNeeds: 'inbox:read',
    downstream: ['inbox:read'],
  },
  'messages:write': {
    description: 'Text customers in their conversations, as the application',
    granterNeeds: 'inbox:write',
    downstream: ['inbox:write'],
  },
  'leads:write': {
    description: "Move a lead's stage and book it with a value",
    granterNeeds: 'inbox:write',
    downstream: ['inbox:write'],
  },
  'consent:read': {
    description: 'Read whether a number may be texted',
    granterNeeds: 'consent:read',
    downstream: ['consent:read'],
  },
  'reports:read': {
    description: 'Read the funnel report and its revenue',
    granterNeeds: 'reports:read',
    downstream: ['reports:read'],
  },
  'events:read': {
    description: 'Receive events (partner API part 2)',
    granterNeeds: 'inbox:read',
    downstream: [],
  },
  'webhooks:manage': {
    description: 'Register webhook endpoints (partner API part 2)',
    granterNeeds: 'tenant:settings',
    downstream: [],
  },
} as const satisfies Record<
  string,
  { description: string; granterNeeds: Permission; downstream: readonly Permission[] }
>;

export type PartnerScope = keyof typeof partnerScopes;
export const partnerScopeNames = Object.keys(partnerScopes) as [PartnerScope, ...PartnerScope[]];

/** The scopes of `wanted` a granter holding `permissions` may not give. */
export function scopesBeyond(
  wanted: readonly PartnerScope[],
  permissions: readonly Permission[],
): PartnerScope[] {
  return wanted.filter((s) => !permissions.includes(partnerScopes[s].granterNeeds));
}
