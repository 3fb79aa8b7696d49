import { Injectable } from '@nestjs/common';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { TenantService } from '@textback/contracts/partner';
import { ClientsService } from '../../identity/clients.service';
import { rpc } from '../partner-method';

/** The tenants that granted the calling client, with what each granted. */
@Injectable()
export class TenantHandlers {
  constructor(private readonly clients: ClientsService) {}

  readonly methods = {
    listTenants: rpc(TenantService.method.listTenants, null, async (_req, call) => ({
      tenants: (await this.clients.grantsOfClient(call.access.subject.replace(/^client:/, ''))).map(
        (g) => ({
          name: `tenants/${g.tenantId}`,
          scopes: [...g.scopes],
          locationIds: [...(g.locationIds ?? [])],
          grantTime: timestampFromDate(new Date(g.grantedAt)),
        }),
      ),
    })),
  };
}
