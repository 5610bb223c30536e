import { ScimError } from '../../../lambda/scim/errors';
import { parseFilter } from '../../../lambda/scim/filter';
import {
  attributeCharacteristics,
  checkFilter,
  type FilterResourceType,
  type FilterSource,
  filterSchemas,
  findMatches,
  type IndexLookup,
  MAX_FILTER_SCAN_ITEMS,
  matchesFilter,
  planFilter,
} from '../../../lambda/scim/filter-query';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

const parse = (text: string, type: FilterResourceType = 'User') => parseFilter(text, filterSchemas(type));

function errorOf(run: () => unknown): ScimError {
  try {
    run();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a SCIM error');
}

async function rejectionOf(run: () => Promise<unknown>): Promise<ScimError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a SCIM error');
}

const id = (n: number) => `0190a0b0-0000-7000-8000-${String(n).padStart(12, '0')}`;

interface Item {
  readonly id: string;
  readonly resource: Record<string, unknown>;
}

const person = (n: number, fields: Record<string, unknown>): Item => ({
  id: id(n),
  resource: { schemas: [CORE_USER], id: id(n), ...fields },
});

/** A directory in memory that records what the search read. */
class Directory implements FilterSource<Item> {
  readonly lookups: IndexLookup[] = [];
  readonly scans: (string | undefined)[] = [];
  counted = 0;

  constructor(
    private readonly items: readonly Item[],
    private readonly index: (lookup: IndexLookup) => readonly Item[] = () => [],
    private readonly claimedCount?: number,
    private readonly pageSize = Number.POSITIVE_INFINITY,
  ) {}

  async lookup(lookup: IndexLookup): Promise<readonly Item[]> {
    this.lookups.push(lookup);
    return this.index(lookup);
  }

  async count(): Promise<number> {
    this.counted += 1;
    return this.claimedCount ?? this.items.length;
  }

  async scan(afterId: string | undefined, limit: number): Promise<{ items: readonly Item[]; last?: string }> {
    this.scans.push(afterId);
    const rest = this.items.filter((item) => afterId === undefined || item.id > afterId);
    const items = rest.slice(0, Math.min(limit, this.pageSize));
    return items.length < rest.length ? { items, last: items[items.length - 1]?.id } : { items };
  }

  idOf(item: Item): string {
    return item.id;
  }

  async represent(item: Item): Promise<Readonly<Record<string, unknown>>> {
    return item.resource;
  }
}

describe('findMatches', () => {
  it('answers an indexed filter from the index alone, each user once, in creation order, re-checking each one', async () => {
    const ann = person(3, { userName: 'ann', emails: [{ value: 'shared@x.example' }] });
    const bob = person(1, { userName: 'bob', emails: [{ value: 'shared@x.example' }] });
    const stale = person(2, { userName: 'carol', emails: [{ value: 'old@x.example' }] });
    const directory = new Directory([bob, stale, ann], (lookup) =>
      lookup.index === 'userName' ? [ann] : [ann, stale, bob],
    );

    const found = await findMatches(
      parse('userName eq "ann" or emails.value eq "shared@x.example"'),
      'User',
      directory,
    );

    expect(found.map((item) => item.resource.userName)).toEqual(['bob', 'ann']);
    expect(directory.lookups).toEqual([
      { index: 'userName', value: 'ann' },
      { index: 'email', value: 'shared@x.example' },
    ]);
    expect(directory.scans).toEqual([]);
    expect(directory.counted).toBe(0);
  });

  it('reads every page of an organization for a filter no index answers', async () => {
    const people = Array.from({ length: 5 }, (_, n) => person(n + 1, { title: n % 2 === 0 ? 'Engineer' : 'Sales' }));
    const directory = new Directory(people, () => [], undefined, 2);

    const found = await findMatches(parse('title eq "engineer"'), 'User', directory);

    expect(found.map((item) => item.id)).toEqual([id(1), id(3), id(5)]);
    expect(directory.scans).toEqual([undefined, id(2), id(4)]);
  });

  it('evaluates an organization of exactly the limit, and refuses one item more with 400 tooMany', async () => {
    const few = new Directory([person(1, { title: 'Engineer' })], () => [], MAX_FILTER_SCAN_ITEMS);
    expect(await findMatches(parse('title pr'), 'User', few)).toHaveLength(1);

    const users = new Directory([], () => [], MAX_FILTER_SCAN_ITEMS + 1);
    const refusedUsers = await rejectionOf(() => findMatches(parse('title pr'), 'User', users));
    expect(refusedUsers.status).toBe(400);
    expect(refusedUsers.scimType).toBe('tooMany');
    expect(refusedUsers.detail).toContain(
      `every User of the organization, and it holds more than ${MAX_FILTER_SCAN_ITEMS}`,
    );
    expect(refusedUsers.detail).toContain('userName or an email address');
    expect(users.scans).toEqual([]);

    const groups = new Directory([], () => [], MAX_FILTER_SCAN_ITEMS + 1);
    const refusedGroups = await rejectionOf(() => findMatches(parse('displayName co "x"', 'Group'), 'Group', groups));
    expect(refusedGroups.scimType).toBe('tooMany');
    expect(refusedGroups.detail).toContain('displayName or members.value');
  });

  it('refuses with 400 tooMany when the organization grows past the limit while it is read, never a partial list', async () => {
    const people = Array.from({ length: MAX_FILTER_SCAN_ITEMS + 1 }, (_, n) => person(n + 1, { title: 'Engineer' }));
    const directory = new Directory(people, () => [], 10);

    const refused = await rejectionOf(() => findMatches(parse('title pr'), 'User', directory));

    expect(refused.scimType).toBe('tooMany');
  });

  it('reads up to the limit when the organization holds exactly that many', async () => {
    const people = Array.from({ length: MAX_FILTER_SCAN_ITEMS }, (_, n) => person(n + 1, {}));
    const directory = new Directory(people);

    expect(await findMatches(parse('title pr'), 'User', directory)).toEqual([]);
  });

  it('refuses a filter naming an attribute the resource does not have before reading anything', async () => {
    const directory = new Directory([person(1, { userName: 'a' })]);

    const refused = await rejectionOf(() => findMatches(parse('members.value eq "x"'), 'User', directory));

    expect(refused.scimType).toBe('invalidFilter');
    expect(directory.counted + directory.lookups.length + directory.scans.length).toBe(0);
  });
});

describe('planFilter', () => {
  const plan = (text: string, type: FilterResourceType = 'User') => planFilter(parse(text, type), type);
  const uuid = id(7);

  it.each<[string, FilterResourceType, IndexLookup[] | undefined]>([
    [`id eq "${uuid}"`, 'User', [{ index: 'id', value: uuid }]],
    ['id eq "not-an-id"', 'User', []],
    ['externalId eq "e-1"', 'Group', [{ index: 'externalId', value: 'e-1' }]],
    ['emails eq "a@x"', 'User', [{ index: 'email', value: 'a@x' }]],
    ['displayName eq "Ops"', 'Group', [{ index: 'displayName', value: 'Ops' }]],
    ['displayName eq "Ann"', 'User', undefined],
    ['userName eq "ann"', 'Group', undefined],
    [`members eq "${uuid}"`, 'Group', [{ index: 'member', value: uuid }]],
    ['members.value eq "nobody"', 'Group', []],
    ['externalId eq true', 'User', undefined],
    ['externalId ne "e"', 'User', undefined],
    ['externalId pr', 'User', undefined],
    [`${ENTERPRISE}:externalId eq "e"`, 'User', undefined],
    ['USERNAME eq "u"', 'User', [{ index: 'userName', value: 'u' }]],
    ['emails.VALUE eq "a@x"', 'User', [{ index: 'email', value: 'a@x' }]],
    ['EMAILS[VALUE eq "a@x"]', 'User', [{ index: 'email', value: 'a@x' }]],
    [
      'emails[value eq "a@x" or value eq "b@x"]',
      'User',
      [
        { index: 'email', value: 'a@x' },
        { index: 'email', value: 'b@x' },
      ],
    ],
    ['emails[type eq "work" and value eq "a@x"]', 'User', [{ index: 'email', value: 'a@x' }]],
    ['emails[value eq "a@x" or type eq "work"]', 'User', undefined],
    ['emails[value co "a@x"]', 'User', undefined],
    ['emails[value eq true]', 'User', undefined],
    ['emails[not (value eq "a@x")]', 'User', undefined],
    ['ims[value eq "a@x"]', 'User', undefined],
    ['externalId eq "e" and userName eq "u"', 'User', [{ index: 'externalId', value: 'e' }]],
    ['(externalId eq "e" or externalId eq "f") and userName eq "u"', 'User', [{ index: 'userName', value: 'u' }]],
    [`userName eq "u" and id eq "${uuid}"`, 'User', [{ index: 'id', value: uuid }]],
    [`id eq "${uuid}" and (userName eq "u" or userName eq "v")`, 'User', [{ index: 'id', value: uuid }]],
    ['userName eq "u" and title co "x"', 'User', [{ index: 'userName', value: 'u' }]],
    [`userName eq "u" and (id eq "${uuid}" or userName eq "v")`, 'User', [{ index: 'userName', value: 'u' }]],
    [
      `(externalId eq "e" or externalId eq "f") and (id eq "${uuid}" or userName eq "v")`,
      'User',
      [
        { index: 'id', value: uuid },
        { index: 'userName', value: 'v' },
      ],
    ],
    ['title co "x" or userName eq "u"', 'User', undefined],
    ['emails.type eq "work"', 'User', undefined],
    ['emails[value eq "a@x"]', 'Group', undefined],
    ['members.display eq "Ann"', 'Group', undefined],
  ])('plans %s on %s', (text, type, lookups) => {
    expect(plan(text, type)).toEqual(lookups === undefined ? { kind: 'scan' } : { kind: 'lookups', lookups });
  });

  it('plans a Group filter that names its attribute with the Group schema URN', () => {
    expect(plan('urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "Ops"', 'Group')).toEqual({
      kind: 'lookups',
      lookups: [{ index: 'displayName', value: 'Ops' }],
    });
  });

  it('answers up to 50 alternatives through the index and more by evaluation', () => {
    const anyOf = (n: number) => Array.from({ length: n }, (_, k) => `userName eq "u${k}"`).join(' or ');

    expect(plan(anyOf(50))).toMatchObject({ kind: 'lookups', lookups: expect.any(Array) });
    expect(plan(anyOf(51))).toEqual({ kind: 'scan' });
  });
});

describe('checkFilter', () => {
  it.each<[string, FilterResourceType, string]>([
    ['userName eq null', 'User', ''],
    ['userName ne null', 'User', ''],
    ['active eq "TRUE"', 'User', ''],
    ['active ne false', 'User', ''],
    ['meta.created co "2024"', 'User', ''],
    ['meta.created pr', 'User', ''],
    ['emails[primary pr]', 'User', ''],
    [`${CORE_USER}:emails[type eq "work"]`, 'User', ''],
    ['userName gt null', 'User', 'only eq and ne compare userName with null'],
    ['active ge true', 'User', 'active is boolean: only eq, ne and pr apply'],
    ['active eq 1', 'User', 'active is boolean: compare it with true or false'],
    ['x509Certificates.value lt "AAAA"', 'User', 'x509Certificates.value is binary'],
    ['meta.created eq 5', 'User', 'meta.created is a dateTime'],
    ['meta.created le "soon"', 'User', 'meta.created is a dateTime'],
    ['meta.created ne "soon"', 'User', 'meta.created is a dateTime'],
    ['meta.created gt "soon"', 'User', 'meta.created is a dateTime'],
    ['meta.created ge "soon"', 'User', 'meta.created is a dateTime'],
    ['meta.created lt "soon"', 'User', 'meta.created is a dateTime'],
    ['active eq "xtrue"', 'User', 'active is boolean: compare it with true or false'],
    ['active eq "falsex"', 'User', 'active is boolean: compare it with true or false'],
    ['x509Certificates.value eq "AAAA"', 'User', ''],
    ['emails[nosuch pr]', 'User', 'Users have no attribute emails.nosuch'],
    ['nosuch pr', 'User', 'Users have no attribute nosuch'],
    ['not (nosuch eq "x")', 'User', 'nosuch'],
    ['userName eq "a" and nosuch eq "x"', 'User', 'nosuch'],
    ['nosuch eq "x" or userName eq "a"', 'User', 'nosuch'],
    ['emails[nosuch eq "x"]', 'User', 'emails.nosuch'],
    ['groups.value eq "x"', 'User', 'Users have no attribute groups.value'],
    ['userName eq "x"', 'Group', 'Groups have no attribute userName'],
    [`${CORE_USER}:department eq "x"`, 'User', 'department'],
    ['title[value eq "x"]', 'User', 'title is not multi-valued, so it cannot take a value filter'],
  ])('%s on %s is refused with %j (empty: accepted)', (text, type, message) => {
    const check = () => checkFilter(parse(text, type), type);
    if (message === '') {
      expect(check).not.toThrow();
      return;
    }
    const error = errorOf(check);
    expect(error.scimType).toBe('invalidFilter');
    expect(error.detail).toContain(message);
  });

  it('describes an attribute by what it is, not how a filter spelled it', () => {
    expect(attributeCharacteristics('User', { attribute: 'emails' })).toEqual({
      type: 'complex',
      caseExact: false,
      multiValued: true,
    });
    expect(attributeCharacteristics('User', { attribute: 'emails', subAttribute: 'value' })).toMatchObject({
      multiValued: false,
    });
    expect(attributeCharacteristics('User', { attribute: 'password' })).toBeUndefined();
  });
});

describe('matchesFilter on what a client stored', () => {
  const stored = {
    schemas: [CORE_USER],
    id: id(1),
    userName: 'ann@example.com',
    externalId: 'Caf\u00e9',
    title: 'Engineer',
    nickName: '',
    name: { givenName: 'Ann' },
    active: true,
    emails: [
      { value: 'ann@example.com', type: 'work' },
      { value: 'ann@home.example', type: 'home' },
    ],
    phoneNumbers: [{}],
    meta: { created: '2024-05-01T10:00:00.000Z', lastModified: 'not a date' },
  };
  const matches = (text: string, resource: Record<string, unknown> = stored) => {
    const filter = parse(text);
    checkFilter(filter, 'User');
    return matchesFilter(resource, filter, 'User');
  };

  it.each<[string, boolean]>([
    ['userName eq "nobody" or title eq "engineer"', true],
    ['userName eq "nobody" or title eq "sales"', false],
    ['userName eq "ann@example.com" and title eq "sales"', false],
    ['title ge "Engineer"', true],
    ['title gt "Engineer"', false],
    ['title le "Engineer"', true],
    ['title lt "Engineer"', false],
    ['title gt "D"', true],
    ['title lt "D"', false],
    ['title ne null', true],
    ['title eq null', false],
    ['nickName pr', false],
    ['nickName eq null', true],
    ['nickName ne null', false],
    ['phoneNumbers pr', false],
    ['name pr', true],
    ['emails pr', true],
    ['name co "object"', false],
    ['emails.type ne "work"', false],
    ['emails.type ne "other"', true],
    ['emails ew "home.example"', true],
    ['externalId eq "Cafe\u0301"', true],
    ['externalId eq "cafe\u0301"', false],
    ['active ne true', false],
    ['active eq false', false],
    ['active eq "True"', true],
    ['meta.created eq "2024-05-01T12:00:00+02:00"', true],
    ['meta.created ne "2024-05-01T10:00:00Z"', false],
    ['meta.created ge "2024-05-01T10:00:00Z"', true],
    ['meta.created gt "2024-05-01T10:00:00Z"', false],
    ['meta.created le "2024-05-01T10:00:00Z"', true],
    ['meta.created lt "2024-05-01T10:00:00Z"', false],
    ['meta.created ge "2024-05-01T12:00:00+02:00"', true],
    ['meta.created le "2024-05-01T09:30:00-01:00"', true],
    ['meta.created lt "2024-05-01T09:30:00-01:00"', true],
    ['meta.created gt "2024-05-01T11:00:00+02:00"', true],
    ['meta.created co "2024-05-01T10"', true],
    ['meta.lastModified lt "2099-01-01T00:00:00Z"', false],
    ['employeeNumber pr', false],
    ['title ge "F"', false],
    ['title le "D"', false],
    [`${ENTERPRISE}:department eq "x"`, false],
  ])('%s → %s', (text, expected) => {
    expect(matches(text)).toBe(expected);
  });

  it('matches names written in another case, in the filter or in the stored resource', () => {
    expect(matches('USERNAME eq "ann@example.com"')).toBe(true);
    expect(matches('userName eq "ann@example.com"', { UserName: 'ann@example.com' })).toBe(true);
    expect(matches('emails[TYPE eq "work"]', { emails: [{ Type: 'work' }] })).toBe(true);
  });

  it('finds extension attributes only inside the extension, and ignores a malformed one', () => {
    expect(matches('department eq "R&D"', { department: 'R&D' })).toBe(false);
    expect(matches('department eq "R&D"', { [ENTERPRISE]: { department: 'R&D' } })).toBe(true);
    expect(matches('department pr', { [ENTERPRISE]: 'R&D' })).toBe(false);
    expect(matches('title eq "x"', { [ENTERPRISE]: { title: 'x' } })).toBe(false);
  });

  it('finds no value in elements of a list that are not objects', () => {
    expect(matches('emails.value pr', { emails: ['a@x'] })).toBe(false);
    expect(matches('emails pr', { emails: ['a@x', { type: 'work' }] })).toBe(false);
  });

  it('finds a complex attribute present only when it holds something', () => {
    expect(matches('name pr', { name: {} })).toBe(false);
    expect(matches('name pr', { name: { givenName: 'Ann' } })).toBe(true);
  });

  it('finds a multi-valued attribute present only through a value, not through its other sub-attributes', () => {
    expect(matches('emails pr', { emails: [{ type: 'work' }] })).toBe(false);
    expect(matches('emails pr', { emails: [{ type: 'work', value: 'a@x' }] })).toBe(true);
  });

  it('matches nothing on an attribute the resource does not have when the filter was not checked first', () => {
    expect(matchesFilter({ nosuch: 'x' }, parse('nosuch eq "x"'), 'User')).toBe(false);
  });

  it('does not count a null in a list as a value', () => {
    expect(matches('title pr', { title: [null] })).toBe(false);
    expect(matches('emails.value pr', { emails: [{ value: null }] })).toBe(false);
  });

  it('skips values of a multi-valued attribute that are not objects', () => {
    expect(matches('emails[value eq "a@x"]', { emails: ['a@x', { value: 'b@x' }] })).toBe(false);
    expect(matches('emails.value eq "a@x"', { emails: ['a@x'] })).toBe(false);
    expect(matches('emails eq "a@x"', { emails: ['a@x', { value: 'b@x' }] })).toBe(false);
    expect(matches('emails eq "a@x"', { emails: 'a@x' })).toBe(true);
  });

  it('compares numbers stored as numbers by their order', () => {
    expect(matches('title gt 9', { title: 10 })).toBe(true);
    expect(matches('title lt 9', { title: 10 })).toBe(false);
  });
});
