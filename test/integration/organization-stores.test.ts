import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoOrganizationRepository } from '../../lambda/adapters/dynamodb-organization-repository';
import { OrganizationExistsError } from '../../lambda/domain/organizations';
import { TokenRotation } from '../../lambda/domain/token-rotation';
import { parseTokenSecret } from '../../lambda/domain/tokens';
import { FileSecretReader, secretFilePath } from '../../local/file-secret-reader';
import { FileTokenStore } from '../../local/file-token-store';
import { createTestTables, deleteTestTables, type TestTableNames, testDynamoDbClient } from '../support/dynamodb';

describe('DynamoOrganizationRepository on DynamoDB Local', () => {
  let tables: TestTableNames;
  let repository: DynamoOrganizationRepository;

  beforeAll(async () => {
    tables = await createTestTables('organizations');
    repository = new DynamoOrganizationRepository(testDynamoDbClient(), tables.licensesTable);
  });

  afterAll(async () => {
    await deleteTestTables(tables);
  });

  it('creates an organization once and lists organizations by id', async () => {
    const zeta = { orgId: 'zeta-000001', name: 'Zeta', seatsUsed: 0, createdAt: '2026-11-28T12:00:00.000Z' };
    const alpha = { ...zeta, orgId: 'alpha-000001', name: 'Alpha', seatLimit: 3 };
    await repository.create(zeta);
    await repository.create(alpha);

    const again = repository.create({ ...zeta, name: 'Zeta again' });
    const list = await repository.list();

    await expect(again).rejects.toThrow(OrganizationExistsError);
    expect(list).toEqual([alpha, zeta]);
    expect(await repository.get('zeta-000001')).toEqual(zeta);
  });

  it('sets and removes a seat limit, and refuses an organization that does not exist', async () => {
    await repository.create({ orgId: 'seats-000001', name: 'Seats', seatsUsed: 0, createdAt: 'x' });

    const limited = await repository.setSeatLimit('seats-000001', 10);
    const unlimited = await repository.setSeatLimit('seats-000001', undefined);
    const missing = await repository.setSeatLimit('nobody-000001', 10);

    expect(limited).toMatchObject({ orgId: 'seats-000001', name: 'Seats', seatLimit: 10 });
    expect(unlimited).toEqual({ orgId: 'seats-000001', name: 'Seats', seatsUsed: 0, createdAt: 'x' });
    expect(missing).toBeUndefined();
    expect(await repository.get('nobody-000001')).toBeUndefined();
  });

  it('creates the default organization item on demand, then keeps its name and creation time', async () => {
    const created = await repository.setSeatLimit('default', 4, { name: 'Default organization', createdAt: 'now' });
    const renamed = await repository.setSeatLimit('default', 6, { name: 'Other name', createdAt: 'later' });

    expect(created).toEqual({
      orgId: 'default',
      name: 'Default organization',
      seatLimit: 4,
      seatsUsed: 0,
      createdAt: 'now',
    });
    expect(renamed).toMatchObject({ name: 'Default organization', seatLimit: 6, createdAt: 'now' });
    expect((await repository.list()).map((organization) => organization.orgId)).toContain('default');
  });

  it('deletes an organization', async () => {
    await repository.create({ orgId: 'gone-000001', name: 'Gone', seatsUsed: 0, createdAt: 'x' });

    await repository.delete('gone-000001');

    expect(await repository.get('gone-000001')).toBeUndefined();
  });
});

describe('FileTokenStore', () => {
  let directory: string;
  let store: FileTokenStore;
  const now = { t: Date.parse('2026-11-28T12:00:00Z') };

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'scim-file-tokens-'));
    store = new FileTokenStore(directory, { now: () => new Date(now.t) });
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it("creates a secret readable only by its owner where the authorizer's reader finds it, once", async () => {
    const value = JSON.stringify({ orgId: 'acme', token: 'scim_acme_x' });

    await store.createSecret('prefix/acme', 'acme', value);
    const again = store.createSecret('prefix/acme', 'acme', value);

    await expect(again).rejects.toThrow(OrganizationExistsError);
    expect(await new FileSecretReader(directory).read('prefix/acme')).toBe(value);
    expect(statSync(secretFilePath(directory, 'prefix/acme')).mode & 0o777).toBe(0o600);
    expect((await store.readCurrent('prefix/acme'))?.createdAt?.toISOString()).toBe('2026-11-28T12:00:00.000Z');
  });

  it('rotates a secret another program wrote (the local default token) and the reader sees the new value', async () => {
    const path = secretFilePath(directory, 'local/scim-token/default');
    writeFileSync(path, JSON.stringify({ orgId: 'default', token: 'd'.repeat(43) }));
    const rotation = new TokenRotation(store, { graceMs: 3_600_000, clock: { now: () => new Date(now.t) } });

    const { secret } = await rotation.rotateNow('local/scim-token/default');

    const read = parseTokenSecret((await new FileSecretReader(directory).read('local/scim-token/default')) ?? '');
    expect(read).toEqual(secret);
    expect(read?.previousToken).toBe('d'.repeat(43));
    expect(read?.token).toMatch(/^scim_default_/);
    expect(JSON.parse(readFileSync(path.replace(/\.json$/, '.versions'), 'utf8')).pending).toBeUndefined();
  });

  it('keeps a pending value invisible to the reader until it is promoted, and refuses a stale promotion', async () => {
    await store.createSecret('s', 'acme', '{"orgId":"acme","token":"one"}');
    const current = await store.readCurrent('s');
    await store.putPending('s', 'v2', '{"orgId":"acme","token":"two"}');

    const beforePromotion = await new FileSecretReader(directory).read('s');
    const stages = Object.fromEntries(await store.stages('s'));
    await store.promote('s', 'v2', current!.versionId);
    const stale = store.promote('s', 'v2', current!.versionId);

    expect(beforePromotion).toBe('{"orgId":"acme","token":"one"}');
    expect(stages).toEqual({ [current!.versionId]: ['AWSCURRENT'], v2: ['AWSPENDING'] });
    expect(await new FileSecretReader(directory).read('s')).toBe('{"orgId":"acme","token":"two"}');
    await expect(stale).rejects.toThrow('is not current');
  });
});
