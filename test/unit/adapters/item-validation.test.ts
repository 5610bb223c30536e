import { marshall } from '@aws-sdk/util-dynamodb';
import { fromItem, toItem } from '../../../lambda/adapters/dynamodb-group-items';
import { MalformedItemError } from '../../../lambda/adapters/dynamodb-operations';
import type { GroupRecord } from '../../../lambda/domain/groups';

const group: GroupRecord = {
  orgId: 'acme',
  id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  displayName: 'Engineering',
  externalId: 'ext-1',
  version: 3,
  created: '2026-11-29T12:00:00.000Z',
  lastModified: '2026-11-29T12:30:00.000Z',
};

describe('group items read back', () => {
  it('reads what it writes', () => {
    const item = marshall(toItem(group), { removeUndefinedValues: true });

    expect(fromItem(item)).toEqual(group);
  });

  it('leaves an absent externalId absent', () => {
    const { externalId: _none, ...withoutExternalId } = group;
    const item = marshall(toItem(withoutExternalId), { removeUndefinedValues: true });

    expect(fromItem(item)).toEqual(withoutExternalId);
    expect(fromItem(item)).not.toHaveProperty('externalId');
  });

  it('refuses an item with a field of the wrong type, naming its key and the field', () => {
    const item = marshall({ ...toItem(group), version: 'three' }, { removeUndefinedValues: true });

    expect(() => fromItem(item)).toThrow(MalformedItemError);
    expect(() => fromItem(item)).toThrow(`malformed item acme#GROUP#${group.id} / GROUP: version:`);
  });

  it('refuses an item missing a field instead of returning half a group', () => {
    const { displayName: _missing, ...rest } = toItem(group);
    const item = marshall(rest, { removeUndefinedValues: true });

    expect(() => fromItem(item)).toThrow(/malformed item acme#GROUP#.* \/ GROUP: displayName/);
  });
});
