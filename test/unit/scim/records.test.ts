import { isRecord } from '../../../lambda/scim/records';

describe('isRecord', () => {
  it('is true for JSON objects only: not for null, arrays or scalars', () => {
    expect([{}, { value: 'a' }, Object.create(null)].map(isRecord)).toEqual([true, true, true]);
    expect([null, undefined, [], [{}], 'a', '', 0, 1, true, false].map(isRecord)).toEqual(Array(10).fill(false));
  });
});
