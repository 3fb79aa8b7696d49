import { Injectable } from '@nestjs/common';
import { pageToken } from '@textback/domain';
import type { LocationId } from '@textback/contracts';
import { LocationSchema, LocationService } from '@textback/contracts/partner';
import { TenancyService } from '../../tenancy/tenancy.service';
import { maskedFields } from '../field-mask';
import { PartnerError } from '../partner-errors';
import { covered, idsOf, rpc, type PartnerCall } from '../partner-method';
import { adminBody, locationOf } from './location-fields';
import { pageParams } from './paging';

const m = LocationService.method;

/**
 * Locations, their numbers, hours, templates and on-call: the admin API's use cases
 * (TenancyService), so a partner's location is validated and published exactly as an admin's.
 */
@Injectable()
export class LocationHandlers {
  constructor(private readonly tenancy: TenancyService) {}

  /** The tenant's locations the grant covers (or the one named), ordered by id. */
  private records(call: PartnerCall, only?: LocationId) {
    return this.tenancy.locationRecords(call.tenantId, only ? [only] : call.access.locationIds);
  }

  private async record(call: PartnerCall, name: string, field = 'name') {
    const [, id] = idsOf(field, name, 'tenants/*/locations/*');
    const found = (await this.records(call, covered(call, id as LocationId)))[0];
    if (!found) throw new PartnerError('not-found', `no location ${id} in tenant ${call.tenantId}`);
    return found;
  }

  readonly methods = {
    getLocation: rpc(m.getLocation, 'locations:read', async (req, call) =>
      locationOf(call.tenantId, await this.record(call, req.name)),
    ),

    listLocations: rpc(m.listLocations, 'locations:read', async (req, call) => {
      const { size, after, query } = pageParams('ListLocations', call, req, {});
      const rows = (await this.records(call)).filter((r) => !after || r.locationId > after);
      const page = rows.slice(0, size);
      const last = page[page.length - 1];
      return {
        locations: page.map((r) => locationOf(call.tenantId, r)),
        nextPageToken: rows.length > size && last ? pageToken(query, last.locationId) : '',
      };
    }),

    createLocation: rpc(
      m.createLocation,
      'locations:write',
      async (req, call) => {
        if (call.access.locationIds !== 'all')
          throw new PartnerError(
            'forbidden',
            'this grant covers some locations only: it may not create locations',
          );
        if (!req.location)
          throw new PartnerError('invalid-request', 'location: is required', {
            fields: [{ field: 'location', description: 'is required' }],
          });
        const exists = (await this.records(call, req.locationId as LocationId)).length > 0;
        if (exists) throw new PartnerError('conflict', `location ${req.locationId} exists already`);
        const fields = maskedFields(LocationSchema, req.location, undefined).map(
          (f) => f.localName,
        );
        await this.tenancy.putLocation(
          call.tenantId,
          req.locationId,
          adminBody(req.location, fields),
        );
        return locationOf(
          call.tenantId,
          await this.record(call, `tenants/${call.tenantId}/locations/${req.locationId}`),
        );
      },
      true,
    ),

    updateLocation: rpc(
      m.updateLocation,
      'locations:write',
      async (req, call) => {
        if (!req.location)
          throw new PartnerError('invalid-request', 'location: is required', {
            fields: [{ field: 'location', description: 'is required' }],
          });
        const current = await this.record(call, req.location.name, 'location.name');
        const fields = maskedFields(LocationSchema, req.location, req.updateMask).map(
          (f) => f.localName,
        );
        await this.tenancy.putLocation(
          call.tenantId,
          current.locationId,
          adminBody(req.location, fields, current.settings),
        );
        return locationOf(
          call.tenantId,
          await this.record(call, req.location.name, 'location.name'),
        );
      },
      true,
    ),

    listPhoneNumbers: rpc(m.listPhoneNumbers, 'locations:read', async (req, call) => {
      const { size, after, query } = pageParams('ListPhoneNumbers', call, req, {});
      const numbers = (await this.records(call))
        .flatMap((r) => r.settings.businessNumbers.map((n) => ({ n, l: r.locationId })))
        .sort((a, b) => a.n.localeCompare(b.n))
        .filter((x) => !after || x.n > after);
      const page = numbers.slice(0, size);
      const last = page[page.length - 1];
      return {
        phoneNumbers: page.map((x) => ({
          name: `tenants/${call.tenantId}/phoneNumbers/${x.n}`,
          phoneNumber: x.n,
          location: `tenants/${call.tenantId}/locations/${x.l}`,
        })),
        nextPageToken: numbers.length > size && last ? pageToken(query, last.n) : '',
      };
    }),
  };
}
