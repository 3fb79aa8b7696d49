import type { LocationProfile } from '@textback/contracts';
import type { LocationDirectory } from '@textback/tenancy';

/** A send's location; a directory behind the gateway is reloaded once before giving up for now. */
export async function knownLocation(
  directory: LocationDirectory,
  locationId: string,
): Promise<LocationProfile | undefined> {
  const known = directory.location(locationId);
  if (known) return known;
  await directory.reload();
  return directory.location(locationId);
}
