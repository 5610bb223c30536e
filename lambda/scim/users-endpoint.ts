import type { UserCriteria, UserRecord, UserService } from '../domain/users';
import { coreAttributeNames, isIgnoredOnInput, schemaUrnsOf } from './attribute-model';
import { parseFilter } from './filter';
import { filterSchemas, findMatches, type IndexLookup } from './filter-query';
import type { HttpRequest, HttpResponse } from './http';
import { scimResponse } from './http';
import { listResponse, param, parsePageRequest } from './list-query';
import { applyPatch, parsePatchRequest } from './patch';
import { checkedId, ifMatch, notModified } from './preconditions';
import { applyProjection, isRequested, type Projection, parseProjection } from './projection';
import { decodePlusInFilter } from './query-decoding';
import type { ResourceEndpoint } from './router';
import { etag, Schemas } from './schemas';
import { checkCursorOrder, pageOfSorted, parseSortRequest, readAllForSort } from './sort';
import { parseUser, parseUserInput, patchableDocument, toScimUser, type UserGroupRef } from './user-resource';

/** Reads the groups a user belongs to, for the read-only `groups` attribute (absent until groups are supported). */
export type UserGroupsReader = (orgId: string, userId: string) => Promise<readonly UserGroupRef[]>;

/** How PATCH treats User attributes, from the attribute model (exported for the model's consistency test). */
export const USER_PATCH_OPTIONS = {
  coreSchema: Schemas.user,
  extensionSchemas: schemaUrnsOf('User').extensions,
  readOnly: coreAttributeNames('User', isIgnoredOnInput),
  booleanAttributes: coreAttributeNames('User', (attribute) => attribute.type === 'boolean'),
};

/** `/Users` and `/Users/{id}`: RFC 7644 §3 operations as Okta and Entra use them. */
export class UsersEndpoint implements ResourceEndpoint {
  constructor(
    private readonly users: UserService,
    private readonly groupsOf?: UserGroupsReader,
  ) {}

  async list(request: HttpRequest): Promise<HttpResponse> {
    const page = parsePageRequest(request.query);
    const projection = parseProjection(request.query);
    // A user's groups cost one index query each, so lists (Okta's import reads 100 users a page) carry `groups` only
    // when the client names it in `attributes`; a single user always carries it unless excluded.
    const groups = projection.attributes?.has('groups') === true ? 'read' : 'omit';
    const sort = parseSortRequest(request.query, 'User');
    checkCursorOrder(page, sort?.order);
    const filterText = param(request.query, 'filter');
    const orgId = request.orgId;
    const count = async () => (await this.users.list(orgId, { startIndex: 1, count: 0 })).totalResults;
    const scan = (afterId: string | undefined, limit: number) => this.users.scan(orgId, afterId, limit);
    if (filterText !== undefined) {
      const filter = parseFilter(decodePlusInFilter(filterText), filterSchemas('User'));
      const matches = await findMatches(filter, 'User', {
        lookup: (lookup) => this.users.find(orgId, userLookup(lookup)),
        count,
        scan,
        idOf: (user) => user.id,
        represent: async (user) => toScimUser(user, request.baseUrl),
      });
      // The matches are all in memory already (an index lookup's few, or the bounded evaluation's), so sorting them
      // reads nothing more.
      const window =
        sort === undefined
          ? matches.slice(page.startIndex - 1, page.startIndex - 1 + page.count)
          : pageOfSorted(matches, { ...page, cursor: undefined }, sort.order, userNameOf).items;
      const resources = await this.represent(request, window, projection, groups);
      return scimResponse(200, listResponse(page, matches.length, resources));
    }
    let result = await this.users.list(orgId, page, sort?.order);
    if (result.orderUnavailable && sort !== undefined) {
      const all = await readAllForSort({ count, scan }, 'User', sort.attribute);
      result = pageOfSorted(all, page, sort.order, userNameOf);
    }
    const resources = await this.represent(request, result.items, projection, groups);
    return scimResponse(200, listResponse(page, result.totalResults, resources, result.nextCursor));
  }

  async create(request: HttpRequest, body: unknown): Promise<HttpResponse> {
    const user = await this.users.create(request.orgId, parseUser(body));
    // A user just created belongs to no group yet: nothing to read.
    return this.single(request, user, 201, Promise.resolve([]));
  }

  async get(request: HttpRequest, id: string): Promise<HttpResponse> {
    const userId = checkedId('User', id);
    const projection = parseProjection(request.query);
    // The groups are read together with the user (one round trip of latency, not two); for an unknown id or a 304 the
    // groups read is wasted, which costs less than making every found user wait for it.
    const groupsOf = this.groupsOf;
    const groups =
      groupsOf !== undefined && isRequested(projection, 'groups') ? groupsOf(request.orgId, userId) : undefined;
    groups?.catch(() => {});
    const user = await this.users.get(request.orgId, userId);
    const unchanged = notModified(request, user.version);
    if (unchanged) return unchanged;
    const resource = applyProjection(toScimUser(user, request.baseUrl, await groups), projection);
    return scimResponse(200, resource, { ETag: etag(user.version) });
  }

  async replace(request: HttpRequest, id: string, body: unknown): Promise<HttpResponse> {
    const input = parseUserInput(body);
    const userId = checkedId('User', id);
    const groups = this.groupsAlongside(request, userId);
    const user = await this.users.update(
      request.orgId,
      userId,
      (current) => ({ ...input, active: input.active ?? current.active }),
      // Without `active: false` the user keeps its state or becomes active: nothing to revoke, nothing to read for it.
      // Okta sends `active: true` in every PUT, so it cannot tell a reactivation apart: a PUT that reactivates reads
      // the new license's plan after the user (Okta and Entra reactivate by PATCH).
      { ...ifMatch(request), mayDeactivate: input.active === false },
    );
    return this.single(request, user, 200, groups);
  }

  async patch(request: HttpRequest, id: string, body: unknown): Promise<HttpResponse> {
    const operations = parsePatchRequest(body);
    const userId = checkedId('User', id);
    const groups = this.groupsAlongside(request, userId);
    // An operation can only reach `active` by naming it, in a path or a value's key, in some case: operations that
    // never spell it leave it as it is (a wrong guess would cost a read round trip, never a wrong change).
    const text = JSON.stringify(operations);
    const mentionsActive = /active/i.test(text);
    // Reactivation sets `active` to true (Entra: "True"): operations without a true anywhere cannot reactivate.
    const mayActivate = mentionsActive && /true/i.test(text);
    const user = await this.users.update(
      request.orgId,
      userId,
      (current) => parseUser(applyPatch(patchableDocument(current), operations, USER_PATCH_OPTIONS), false),
      { ...ifMatch(request), mayDeactivate: mentionsActive, mayActivate },
    );
    return this.single(request, user, 200, groups);
  }

  async delete(request: HttpRequest, id: string): Promise<HttpResponse> {
    await this.users.delete(request.orgId, checkedId('User', id), ifMatch(request));
    return { status: 204, headers: {}, body: '' };
  }

  /**
   * The groups of the user a change names, read while the change reads and writes the user (a change of a user never
   * changes its memberships), unless the client's projection leaves them out. A failed change wastes the read.
   */
  private groupsAlongside(request: HttpRequest, userId: string): Promise<readonly UserGroupRef[]> | undefined {
    const groupsOf = this.groupsOf;
    if (groupsOf === undefined || !isRequested(parseProjection(request.query), 'groups')) return undefined;
    const groups = groupsOf(request.orgId, userId);
    groups.catch(() => {});
    return groups;
  }

  private async single(
    request: HttpRequest,
    user: UserRecord,
    status: number,
    groups: Promise<readonly UserGroupRef[]> | undefined,
  ): Promise<HttpResponse> {
    const resource = applyProjection(
      // Stryker disable next-line ConditionalExpression: equivalent, awaiting an absent promise gives undefined too
      toScimUser(user, request.baseUrl, groups === undefined ? undefined : await groups),
      parseProjection(request.query),
    );
    const headers: Record<string, string> = { ETag: etag(user.version) };
    if (status === 201) headers.Location = `${request.baseUrl}/Users/${user.id}`;
    return scimResponse(status, resource, headers);
  }

  /**
   * SCIM representations with the client's projection applied. `groups`: 'read' loads each user's groups (unless the
   * projection leaves them out), 'omit' leaves the attribute out.
   */
  private async represent(
    request: HttpRequest,
    users: readonly UserRecord[],
    projection: Projection,
    groups: 'read' | 'omit',
  ): Promise<Record<string, unknown>[]> {
    const groupsOf = this.groupsOf;
    const load = groups === 'read' && groupsOf !== undefined && isRequested(projection, 'groups');
    return Promise.all(
      users.map(async (user) => {
        const memberOf = load ? await groupsOf(request.orgId, user.id) : undefined;
        return applyProjection(toScimUser(user, request.baseUrl, memberOf), projection);
      }),
    );
  }
}

function userNameOf(user: UserRecord): string {
  return user.userName;
}

/** The users an index lookup of a filter plan finds. */
function userLookup(lookup: IndexLookup): UserCriteria {
  switch (lookup.index) {
    case 'id':
      return { id: lookup.value };
    case 'userName':
      return { userName: lookup.value };
    case 'externalId':
      return { externalId: lookup.value };
    default:
      return { email: { value: lookup.value } };
  }
}
