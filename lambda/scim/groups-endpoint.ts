import type { GroupMember, GroupRecord, GroupService } from '../domain/groups';
import { parseFilter, printFilter } from './filter';
import { filterSchemas, findMatches, type IndexLookup } from './filter-query';
import { toGroupEdits } from './group-patch';
import { parseGroup, toScimGroup } from './group-resource';
import type { HttpRequest, HttpResponse } from './http';
import { scimResponse } from './http';
import { listResponse, param, parsePageRequest } from './list-query';
import { parsePatchRequest } from './patch';
import { checkedId, ifMatch, notModified } from './preconditions';
import { applyProjection, hasProjection, isRequested, type Projection, parseProjection } from './projection';
import { decodePlusInFilter } from './query-decoding';
import type { ResourceEndpoint } from './router';
import { etag } from './schemas';

/**
 * Largest group whose members a PATCH response carries when the client did not choose the attributes. See `patch`.
 */
export const PATCH_RESPONSE_MEMBER_LIMIT = 200;

/**
 * `/Groups` and `/Groups/{id}`: RFC 7644 §3 operations as Okta's Push Groups and Entra ID use them. Every read honours
 * `attributes` / `excludedAttributes`, and `members` is read from DynamoDB only when the response will show it
 * (`excludedAttributes=members`, which Okta and Entra send for big groups, costs one item read).
 */
export class GroupsEndpoint implements ResourceEndpoint {
  constructor(private readonly groups: GroupService) {}

  async list(request: HttpRequest): Promise<HttpResponse> {
    const page = parsePageRequest(request.query);
    const projection = parseProjection(request.query);
    const filterText = param(request.query, 'filter');
    if (filterText !== undefined) {
      const filter = parseFilter(decodePlusInFilter(filterText), filterSchemas('Group'));
      const orgId = request.orgId;
      // Members are read for evaluation only when the filter names them and no index answered it.
      const needsMembers = /members/i.test(printFilter(filter));
      const matches = await findMatches(filter, 'Group', {
        lookup: (lookup) => this.lookup(orgId, lookup),
        count: async () => (await this.groups.list(orgId, { startIndex: 1, count: 0 })).totalResults,
        scan: (afterId, limit) => this.groups.scan(orgId, afterId, limit),
        idOf: (group) => group.id,
        represent: async (group) =>
          toScimGroup(group, request.baseUrl, needsMembers ? await this.groups.members(orgId, group.id) : undefined),
      });
      const window = matches.slice(page.startIndex - 1, page.startIndex - 1 + page.count);
      return scimResponse(200, listResponse(page, matches.length, await this.represent(request, window, projection)));
    }
    const result = await this.groups.list(request.orgId, page);
    return scimResponse(
      200,
      listResponse(
        page,
        result.totalResults,
        await this.represent(request, result.items, projection),
        result.nextCursor,
      ),
    );
  }

  /** The groups an index lookup of a filter plan finds; `member`: the user's groups, from the reverse index. */
  private async lookup(orgId: string, lookup: IndexLookup): Promise<readonly GroupRecord[]> {
    switch (lookup.index) {
      case 'id':
        return this.groups.find(orgId, { id: lookup.value });
      case 'displayName':
        return this.groups.find(orgId, { displayName: lookup.value });
      case 'externalId':
        return this.groups.find(orgId, { externalId: lookup.value });
      case 'member': {
        const refs = await this.groups.groupsOfUser(orgId, lookup.value);
        const groups = await Promise.all(refs.map((ref) => this.groups.find(orgId, { id: ref.id })));
        return groups.flat();
      }
      default:
        return [];
    }
  }

  async create(request: HttpRequest, body: unknown): Promise<HttpResponse> {
    const projection = parseProjection(request.query);
    const { group, members } = await this.groups.create(request.orgId, parseGroup(body));
    return this.single(request, group, members, projection, 201);
  }

  async get(request: HttpRequest, id: string): Promise<HttpResponse> {
    const projection = parseProjection(request.query);
    const group = await this.groups.get(request.orgId, checkedId('Group', id));
    const unchanged = notModified(request, group.version);
    if (unchanged) return unchanged;
    return this.single(request, group, await this.membersFor(request, group, projection), projection, 200);
  }

  async replace(request: HttpRequest, id: string, body: unknown): Promise<HttpResponse> {
    const projection = parseProjection(request.query);
    const input = parseGroup(body);
    const group = await this.groups.replace(request.orgId, checkedId('Group', id), input, ifMatch(request));
    return this.single(request, group, await this.membersFor(request, group, projection), projection, 200);
  }

  /**
   * The response to a PATCH is chosen so that a membership change never costs a read of the whole group:
   * - with `attributes` or `excludedAttributes`: 200 with the group as they select (RFC 7644 §3.5.2 requires 200 then),
   *   `members` read only when selected;
   * - otherwise, a group of at most PATCH_RESPONSE_MEMBER_LIMIT members: 200 with the whole group, members included
   *   (found with one bounded query);
   * - otherwise (a bigger group): 204 No Content with the new ETag, which RFC 7644 §3.5.2 allows and Okta and Entra
   *   accept, instead of thousands of members on every 100-member PATCH. A client wanting the group reads it, or
   *   sends `excludedAttributes=members` to get 200 without members.
   */
  async patch(request: HttpRequest, id: string, body: unknown): Promise<HttpResponse> {
    const projection = parseProjection(request.query);
    const edits = toGroupEdits(parsePatchRequest(body));
    const group = await this.groups.update(request.orgId, checkedId('Group', id), () => edits, ifMatch(request));
    if (hasProjection(projection)) {
      return this.single(request, group, await this.membersFor(request, group, projection), projection, 200);
    }
    const members = await this.groups.members(request.orgId, group.id, { limit: PATCH_RESPONSE_MEMBER_LIMIT + 1 });
    if (members.length > PATCH_RESPONSE_MEMBER_LIMIT) {
      return { status: 204, headers: { ETag: etag(group.version) }, body: '' };
    }
    return this.single(request, group, members, projection, 200);
  }

  async delete(request: HttpRequest, id: string): Promise<HttpResponse> {
    await this.groups.delete(request.orgId, checkedId('Group', id), ifMatch(request));
    return { status: 204, headers: {}, body: '' };
  }

  private single(
    request: HttpRequest,
    group: GroupRecord,
    members: readonly GroupMember[] | undefined,
    projection: Projection,
    status: number,
  ): HttpResponse {
    const headers: Record<string, string> = { ETag: etag(group.version) };
    if (status === 201) headers.Location = `${request.baseUrl}/Groups/${group.id}`;
    return scimResponse(status, applyProjection(toScimGroup(group, request.baseUrl, members), projection), headers);
  }

  private async represent(
    request: HttpRequest,
    groups: readonly GroupRecord[],
    projection: Projection,
  ): Promise<Record<string, unknown>[]> {
    return Promise.all(
      groups.map(async (group) =>
        applyProjection(
          toScimGroup(group, request.baseUrl, await this.membersFor(request, group, projection)),
          projection,
        ),
      ),
    );
  }

  private async membersFor(
    request: HttpRequest,
    group: GroupRecord,
    projection: Projection,
  ): Promise<GroupMember[] | undefined> {
    if (!isRequested(projection, 'members')) return undefined;
    return this.groups.members(request.orgId, group.id);
  }
}
