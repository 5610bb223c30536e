import { OrganizationExistsError, type OrganizationRepository } from '../../../lambda/domain/organizations';
import { freshOrgId } from './records';

/** What every `OrganizationRepository` must do: run against the in-memory fake and the DynamoDB adapter. */
export function describeOrganizationRepositoryContract(
  name: string,
  make: () => OrganizationRepository | Promise<OrganizationRepository>,
) {
  describe(`OrganizationRepository contract: ${name}`, () => {
    let repository: OrganizationRepository;

    beforeEach(async () => {
      repository = await make();
    });

    it('creates an organization once and lists it by id', async () => {
      const [a, b] = [freshOrgId(), freshOrgId()].sort();
      const first = { orgId: b as string, name: 'B', seatsUsed: 0, createdAt: '2026-01-01T00:00:00.000Z' };
      const second = { ...first, orgId: a as string, name: 'A', seatLimit: 3 };
      await repository.create(first);
      await repository.create(second);

      const again = repository.create({ ...first, name: 'B again' });
      const listed = (await repository.list()).filter((o) => o.orgId === a || o.orgId === b);

      await expect(again).rejects.toThrow(OrganizationExistsError);
      expect(listed).toEqual([second, first]);
      expect(await repository.get(b as string)).toEqual(first);
    });

    it('sets and removes a seat limit, and answers undefined for an organization that does not exist', async () => {
      const orgId = freshOrgId();
      await repository.create({ orgId, name: 'Seats', seatsUsed: 0, createdAt: 'x' });

      const limited = await repository.setSeatLimit(orgId, 10);
      const unlimited = await repository.setSeatLimit(orgId, undefined);
      const missing = await repository.setSeatLimit(freshOrgId(), 10);

      expect(limited).toEqual({ orgId, name: 'Seats', seatLimit: 10, seatsUsed: 0, createdAt: 'x' });
      expect(unlimited).toEqual({ orgId, name: 'Seats', seatsUsed: 0, createdAt: 'x' });
      expect(missing).toBeUndefined();
    });

    it('creates a missing organization on demand with createAs, then keeps its name and creation time', async () => {
      const orgId = freshOrgId();

      const created = await repository.setSeatLimit(orgId, 4, { name: 'Default organization', createdAt: 'now' });
      const again = await repository.setSeatLimit(orgId, 6, { name: 'Other name', createdAt: 'later' });

      expect(created).toEqual({ orgId, name: 'Default organization', seatLimit: 4, seatsUsed: 0, createdAt: 'now' });
      expect(again).toEqual({ orgId, name: 'Default organization', seatLimit: 6, seatsUsed: 0, createdAt: 'now' });
      expect((await repository.list()).map((o) => o.orgId)).toContain(orgId);
    });

    it('disables SCIM with a time and enables it again, keeping seats; undefined for an unknown organization', async () => {
      const orgId = freshOrgId();
      await repository.create({ orgId, name: 'Scim', seatLimit: 2, seatsUsed: 0, createdAt: 'x' });

      const disabled = await repository.setScimDisabled(orgId, '2026-02-01T00:00:00.000Z');
      const read = await repository.get(orgId);
      const enabled = await repository.setScimDisabled(orgId, undefined);
      const missing = await repository.setScimDisabled(freshOrgId(), 'y');

      expect(disabled).toEqual({
        orgId,
        name: 'Scim',
        seatLimit: 2,
        seatsUsed: 0,
        createdAt: 'x',
        scimDisabledAt: '2026-02-01T00:00:00.000Z',
      });
      expect(read).toEqual(disabled);
      expect(enabled).toEqual({ orgId, name: 'Scim', seatLimit: 2, seatsUsed: 0, createdAt: 'x' });
      expect(missing).toBeUndefined();
    });

    it('deletes an organization', async () => {
      const orgId = freshOrgId();
      await repository.create({ orgId, name: 'Gone', seatsUsed: 0, createdAt: 'x' });

      await repository.delete(orgId);

      expect(await repository.get(orgId)).toBeUndefined();
      await expect(repository.create({ orgId, name: 'Back', seatsUsed: 0, createdAt: 'y' })).resolves.toBeUndefined();
    });
  });
}
