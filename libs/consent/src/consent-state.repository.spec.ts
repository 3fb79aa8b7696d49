import { E164, TenantId } from '@textback/contracts';
import { tenantScope, type Database, type SystemScope } from '@textback/persistence';
import { consentStateRepository } from './consent-state.repository';

/**
 * Type tests: `npm test` type-checks this file, so each `@ts-expect-error` must stay an error.
 * A method over a tenant's data takes a TenantScope, and nothing else passes for one.
 */
function callsThatMustNotCompile(db: Database, system: SystemScope): void {
  const phone = E164.parse('+14045550101');
  // @ts-expect-error a plain tenant id string is not a scope
  void consentStateRepository.latest(db, 'acme', phone, '');
  // @ts-expect-error a system scope is not a tenant scope
  void consentStateRepository.latest(db, system, phone, '');
  const lookAlike = { tenantId: TenantId.parse('acme'), locationIds: 'all' } as const;
  // @ts-expect-error a look-alike object is not a scope (only tenantScope/scopeOf make one)
  void consentStateRepository.latest(db, lookAlike, phone, '');
  // A scope made for the request's tenant is what the method takes.
  void consentStateRepository.latest(db, tenantScope(TenantId.parse('acme')), phone, '');
}

describe('TenantScope (type tests)', () => {
  it('is required by tenant-data repository methods (the errors above are compile errors)', () => {
    expect(typeof callsThatMustNotCompile).toBe('function');
  });
});
