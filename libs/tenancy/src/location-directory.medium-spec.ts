import { Registry } from 'prom-client';
import type { Client } from 'pg';
import type { DataSource } from 'typeorm';
import type { LocationProfile } from '@textback/contracts';
import { Database, openDataSource, poolOf, tenantScope } from '@textback/persistence';
import { aLocation, schemaSession, uniqueTestPrefix } from '@textback/testing';
import { LocationDirectory } from './location-directory';
import { locationDirectoryRepository } from './location-directory.repository';
import { LocationDirectory1763900000000 } from './migrations/location-directory';

/**
 * A service's copy of the location directory on a real PostgreSQL. Every replica of every
 * service reloads it every few seconds, so a reload reads and parses only the rows written since
 * the last one — and still sees every kind of write: a newer profile, a row edited by hand, a
 * profile this version cannot read, a row removed.
 */
describe('the location directory reload (middle tier: PostgreSQL)', () => {
  const schema = uniqueTestPrefix('locdir');
  const quiet = { info: () => undefined, warn: () => undefined };
  const errors: object[] = [];
  let ds: DataSource;
  let db: Database;
  let sql: Client;
  let registry: Registry;
  let directory: LocationDirectory;
  let fetched: string[][];

  const store = (profile: LocationProfile) =>
    locationDirectoryRepository.keepNewest(db, tenantScope(profile.tenantId), profile);
  const invalidGauge = async () =>
    (await registry.getSingleMetric('test_location_directory_invalid_profiles')?.get())?.values[0]
      ?.value;

  beforeAll(async () => {
    ds = await openDataSource({
      url: process.env['DATABASE_URL']!,
      schema,
      migrations: [LocationDirectory1763900000000],
    });
    db = new Database(poolOf(ds));
    sql = await schemaSession(schema);
  });

  beforeEach(async () => {
    await sql.query('TRUNCATE location_directory');
    errors.length = 0;
    registry = new Registry();
    directory = new LocationDirectory({
      db,
      service: 'test',
      logger: { ...quiet, error: (fields) => void errors.push(fields) },
      registry,
    });
    // Which locations each reload fetched whole (observed, not replaced: the query still runs).
    fetched = [];
    const profiles = locationDirectoryRepository.profiles.bind(locationDirectoryRepository);
    jest
      .spyOn(locationDirectoryRepository, 'profiles')
      .mockImplementation((d, s, ids) => (fetched.push([...ids].sort()), profiles(d, s, ids)));
    await store(aLocation({ locationId: 'atlanta-north', businessNumbers: ['+14045550199'] }));
    await store(aLocation({ locationId: 'austin', businessNumbers: ['+15125550100'] }));
    await directory.reload();
  });

  afterEach(() => jest.restoreAllMocks());

  afterAll(async () => {
    await sql?.end();
    await ds?.destroy();
  });

  it('reads every location on its first reload, and nothing whole when nothing changed', async () => {
    expect(fetched).toEqual([['atlanta-north', 'austin']]);
    expect(directory.locationOfNumber('+15125550100')?.locationId).toBe('austin');
    await directory.reload();
    await directory.reload();
    expect(fetched).toHaveLength(1);
    expect(
      directory
        .all()
        .map((p) => p.locationId)
        .sort(),
    ).toEqual(['atlanta-north', 'austin']);
  });

  it('reads only the location another replica updated, and serves its new number', async () => {
    await store(aLocation({ locationId: 'austin', version: 2, businessNumbers: ['+15125550111'] }));
    await directory.reload();
    expect(fetched.at(-1)).toEqual(['austin']);
    expect(directory.locationOfNumber('+15125550111')?.version).toBe(2);
    expect(directory.locationOfNumber('+15125550100')).toBeUndefined();
    expect(directory.location('atlanta-north')?.version).toBe(1);
  });

  it('sees a row edited without a new version (by hand, or by an older writer)', async () => {
    await sql.query(
      `UPDATE location_directory SET profile = jsonb_set(profile, '{brandName}', '"Renamed"')
        WHERE location_id = 'atlanta-north'`,
    );
    await directory.reload();
    expect(fetched.at(-1)).toEqual(['atlanta-north']);
    expect(directory.location('atlanta-north')?.brandName).toBe('Renamed');
  });

  it('keeps the last good copy of a profile it cannot read, counted until it is readable again', async () => {
    await sql.query(
      `UPDATE location_directory SET profile = profile - 'timezone' WHERE location_id = 'austin'`,
    );
    await directory.reload();
    expect(directory.location('austin')?.timezone).toBe('America/New_York');
    expect(await invalidGauge()).toBe(1);
    expect(errors).toEqual([
      expect.objectContaining({
        locationId: 'austin',
        issues: [expect.stringMatching(/^timezone/)],
      }),
    ]);
    // Unchanged since: not read again, still counted.
    await directory.reload();
    expect(fetched).toHaveLength(2);
    expect(await invalidGauge()).toBe(1);

    await store(aLocation({ locationId: 'austin', version: 2, timezone: 'America/Chicago' }));
    await directory.reload();
    expect(directory.location('austin')?.timezone).toBe('America/Chicago');
    expect(await invalidGauge()).toBe(0);
  });

  it('drops a location whose row is gone, and takes a new one', async () => {
    await sql.query(`DELETE FROM location_directory WHERE location_id = 'austin'`);
    await store(aLocation({ locationId: 'boise', businessNumbers: ['+12085550100'] }));
    await directory.reload();
    expect(fetched.at(-1)).toEqual(['boise']);
    expect(directory.location('austin')).toBeUndefined();
    expect(directory.locationOfNumber('+15125550100')).toBeUndefined();
    expect(directory.locationOfNumber('+12085550100')?.locationId).toBe('boise');
  });

  it('a profile applied from the topic is served at once and read back once', async () => {
    const changes: string[] = [];
    directory.onChange((p) => changes.push(`${p.locationId}@${p.version}`));
    const newer = aLocation({ locationId: 'atlanta-north', version: 3, active: false });
    await directory.apply(tenantScope(newer.tenantId), newer);
    expect(changes).toEqual(['atlanta-north@3']);
    expect(directory.locationOfNumber('+14045550199')).toBeUndefined(); // inactive: no number
    await directory.apply(tenantScope(newer.tenantId), aLocation({ locationId: 'atlanta-north' }));
    expect(directory.location('atlanta-north')?.version).toBe(3); // an older version changes nothing
    await directory.reload();
    expect(directory.location('atlanta-north')?.version).toBe(3);
  });

  it('keeps a newer version applied from the topic while a reload was reading the table', async () => {
    await store(aLocation({ locationId: 'austin', version: 2, brandName: 'Read by the reload' }));
    const newer = aLocation({ locationId: 'austin', version: 3, brandName: 'Applied meanwhile' });
    const profiles = jest.mocked(locationDirectoryRepository.profiles).getMockImplementation()!;
    jest.mocked(locationDirectoryRepository.profiles).mockImplementationOnce(async (d, s, ids) => {
      const rows = await profiles(d, s, ids); // version 2, read before the topic's version 3
      await directory.apply(tenantScope(newer.tenantId), newer);
      return rows;
    });
    await directory.reload();
    expect(directory.location('austin')?.brandName).toBe('Applied meanwhile');
    await directory.reload(); // the row changed since: read again, still version 3
    expect(directory.location('austin')?.version).toBe(3);
  });
});
