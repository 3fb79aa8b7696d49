import { Inject, Injectable } from '@nestjs/common';
import type { PartnerScope } from '@textback/auth';
import { sandboxForwardTo, sandboxNumber, sandboxNumberCount } from '@textback/domain';
import { TenantId } from '@textback/contracts';
import { tenantScope } from '@textback/persistence';
import { RUNTIME, type ServiceRuntime } from '@textback/service-kit';
import { GatewayError } from '../errors';
import { credentialsRepository as credentials } from '../identity/credentials.repository';
import { TenancyService } from '../tenancy/tenancy.service';

export interface Sandbox {
  readonly tenantId: string;
  readonly locationId: string;
  readonly businessNumber: string;
}

/**
 * Every partner client gets a sandbox brand of its own (#19): one location on a fictional number,
 * granted to the client with all its scopes. It is made with the admin API's use cases, like any
 * brand, and marked a sandbox: its texts go to the sandbox carrier (a Plivo fake), never to
 * customers' phones.
 */
@Injectable()
export class SandboxTenants {
  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly tenancy: TenancyService,
  ) {}

  async provision(client: {
    clientId: string;
    name: string;
    scopes: readonly PartnerScope[];
  }): Promise<Sandbox> {
    const key = client.clientId.slice(4, 12);
    const tenantId = `sandbox-${key}`;
    const locationId = `${tenantId}-main`;
    await this.tenancy.putTenant(
      tenantId,
      { brandName: `${client.name} (sandbox)`.slice(0, 80), vertical: 'other' },
      { sandbox: true },
    );
    const businessNumber = await this.location(tenantId, locationId, parseInt(key, 16));
    await credentials.grant(this.runtime.db, tenantScope(TenantId.parse(tenantId)), {
      clientId: client.clientId,
      scopes: client.scopes,
      locationIds: null,
      grantedBy: 'platform:sandbox',
    });
    return { tenantId, locationId, businessNumber };
  }

  /** The sandbox's location on the first free sandbox number from the client's own offset. */
  private async location(tenantId: string, locationId: string, start: number): Promise<string> {
    for (let i = 0; i < 100; i++) {
      const businessNumber = sandboxNumber(start + i);
      try {
        await this.tenancy.putLocation(tenantId, locationId, {
          name: 'Sandbox',
          businessNumbers: [businessNumber],
          forwardTo: sandboxForwardTo,
          timezone: 'America/Chicago',
          textbackHours: 'always',
        });
        return businessNumber;
      } catch (err) {
        // Another sandbox has that number: try the next.
        if (err instanceof GatewayError && err.code === 'conflict') continue;
        throw err;
      }
    }
    throw new GatewayError(
      'conflict',
      `no free sandbox number near ${sandboxNumber(start)} (of ${sandboxNumberCount})`,
    );
  }
}
