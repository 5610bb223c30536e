import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { MAX_FILTER_SCAN_ITEMS } from '../../lambda/scim/filter-query';
import { TEST_DEFAULT_ORG_ID, testDynamoDbClient } from '../support/dynamodb';
import { type LocalApi, startLocalApi } from '../support/local-api';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

describe('The whole SCIM filter grammar over HTTP', () => {
  let api: LocalApi;
  const ids: Record<string, string> = {};

  const users = async (filter: string, resource = 'Users') =>
    api.request('GET', `/${resource}?filter=${encodeURIComponent(filter)}`);
  const names = async (filter: string) =>
    (await users(filter)).body.Resources.map((user: { userName: string }) => user.userName);

  beforeAll(async () => {
    api = await startLocalApi({ label: 'filter-grammar' });
    const people = [
      {
        userName: 'ann',
        title: 'Engineer',
        name: { givenName: 'Ann' },
        emails: [{ value: 'ann@acme.example', type: 'work' }],
        employee: '1',
      },
      { userName: 'bob', title: 'Manager', emails: [{ value: 'bob@home.example', type: 'home' }], employee: '2' },
      {
        userName: 'cy',
        emails: [
          { value: 'cy@ACME.example', type: 'home' },
          { value: 'cy@work.example', type: 'work' },
        ],
      },
    ];
    for (const person of people) {
      const { employee, ...rest } = person;
      const created = await api.request('POST', '/Users', {
        body: {
          schemas: [USER, ENTERPRISE],
          ...rest,
          active: false,
          ...(employee ? { [ENTERPRISE]: { employeeNumber: employee } } : {}),
        },
      });
      ids[person.userName] = created.body.id;
    }
    const group = await api.request('POST', '/Groups', {
      body: { schemas: [GROUP], displayName: 'Engineering', members: [{ value: ids.ann }] },
    });
    ids.group = group.body.id;
    await api.request('POST', '/Groups', { body: { schemas: [GROUP], displayName: 'Sales' } });
  });

  afterAll(async () => {
    await api.close();
  });

  it.each([
    ['userName sw "a" or userName ew "Y"', ['ann', 'cy']],
    ['title pr and not (title eq "manager")', ['ann']],
    ['emails[type eq "work" and value co "@acme"]', ['ann']],
    ['emails co "acme.example"', ['ann', 'cy']],
    ['emails[value eq "cy@work.example"]', ['cy']],
    ['emails[type eq "work"].value eq "cy@work.example"', ['cy']],
    ['(userName eq "bob" or userName eq "cy") and emails.type eq "home"', ['bob', 'cy']],
    [`${ENTERPRISE}:employeeNumber eq "2"`, ['bob']],
    [`${USER}:userName gt "b" and ${USER}:userName le "bob"`, ['bob']],
    ['title ne "Engineer"', ['bob', 'cy']],
    ['meta.created gt "2000-01-01T00:00:00Z" and userName eq "ANN"', ['ann']],
    ['meta.lastModified lt "2000-01-01T00:00:00Z"', []],
    ['name pr', ['ann']],
    ['name.givenName pr or emails pr', ['ann', 'bob', 'cy']],
  ])('%s', async (filter, expected) => {
    const response = await users(filter);

    expect(response.status).toBe(200);
    expect(response.body.totalResults).toBe(expected.length);
    expect(response.body.Resources.map((user: { userName: string }) => user.userName)).toEqual(expected);
  });

  it('honours caseExact: ids compare exactly, userName does not', async () => {
    expect(await names(`id eq "${ids.ann?.toUpperCase()}"`)).toEqual([]);
    expect(await names(`id eq "${ids.ann}"`)).toEqual(['ann']);
    expect(await names('userName eq "ANN"')).toEqual(['ann']);
  });

  it("answers Entra's group membership check and Group filters beyond eq", async () => {
    const member = await users(`id eq "${ids.group}" and members.value eq "${ids.ann}"`, 'Groups');
    const notMember = await users(`id eq "${ids.group}" and members.value eq "${ids.bob}"`, 'Groups');
    const byMember = await users(`members.value eq "${ids.ann}"`, 'Groups');
    const startsWith = await users('displayName sw "eng" or displayName co "ALE"', 'Groups');

    expect(member.body.Resources.map((g: { id: string }) => g.id)).toEqual([ids.group]);
    expect(notMember.body).toMatchObject({ totalResults: 0, Resources: [] });
    expect(byMember.body.Resources.map((g: { displayName: string }) => g.displayName)).toEqual(['Engineering']);
    expect(startsWith.body.Resources.map((g: { displayName: string }) => g.displayName)).toEqual([
      'Engineering',
      'Sales',
    ]);
  });

  it.each([
    ['nosuch eq "x"', 'nosuch'],
    ['active gt false', 'active'],
    ['meta.created gt "last tuesday"', 'dateTime'],
    ['userName eq "x" or', 'missing'],
  ])('answers %s with 400 invalidFilter naming the problem', async (filter, hint) => {
    const response = await users(filter);

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ scimType: 'invalidFilter', detail: expect.stringContaining(hint) });
  });

  it('answers 400 tooMany naming the limit when no index answers and the organization is too large', async () => {
    const stack = await startLocalApi({ label: 'filter-too-many' });
    try {
      await testDynamoDbClient().send(
        new PutItemCommand({
          TableName: stack.config.usersTable,
          Item: {
            pk: { S: `${TEST_DEFAULT_ORG_ID}#USERS` },
            sk: { S: 'COUNT' },
            total: { N: String(MAX_FILTER_SCAN_ITEMS + 1) },
          },
        }),
      );

      const scanned = await stack.request('GET', `/Users?filter=${encodeURIComponent('userName co "a"')}`);
      const indexed = await stack.request('GET', `/Users?filter=${encodeURIComponent('userName eq "a"')}`);

      expect(scanned.status).toBe(400);
      expect(scanned.body).toMatchObject({ scimType: 'tooMany', detail: expect.stringContaining('10000') });
      expect(indexed.status).toBe(200);
      expect(indexed.body.totalResults).toBe(0);
    } finally {
      await stack.close();
    }
  });
});
