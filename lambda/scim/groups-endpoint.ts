import type { GroupMember, GroupRecord, GroupService } from '../domain/groups';
import { ScimError } from './errors';
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
import { checkCursorOrder, pageOfSorted, parseSortRequest, readAllForSort } from './sort';

/**
 * Largest group whose members a PATCH response carries when the client did not choose the attributes. See `patch`.
 */
export const PATCH_RESPONSE_MEMBER_LIMIT = 200;

/**
 * Largest response body, in bytes as the Lambda proxy integration carries it (JSON-escaped inside its envelope):
 * Lambda refuses a response over 6 MB (6,291,456 bytes), and the envelope and headers need some room.
 */
export const MAX_RESPONSE_BYTES = 5_500_000;
/**
 * Fewest bytes one member adds to a response (`{"value":"<36>","$ref":"…/Users/<36>","type":"User"}`, escaped, with a
 * base URL of at least `https://a/scim/v2`): members are read only up to the count that could still fit.
 */
const MIN_MEMBER_BYTES = 120;
/**
 * Most members one response carries, whatever their size: reading them is the cost (about 4.5 s for 20,000 on
 * DynamoDB Local here, a 3 MB response), and a refusal reads this many first, so it bounds every GET at any group
 * size well inside the function's 10 s.
 */
export const MAX_RESPONSE_MEMBERS = 20_000;

export interface GroupsEndpointOptions {
  /** @default MAX_RESPONSE_BYTES */
  readonly maxResponseBytes?: number;
}

/**
 * `/Groups` and `/Groups/{id}`: RFC 7644 §3 operations as Okta's Push Groups and Entra ID use them. Every read honours
 * `attributes` / `excludedAttributes`, and `members` is read from DynamoDB only when the response will show it
 * (`excludedAttributes=members`, which Okta and Entra send for big groups, costs one item read). Lists leave `members`
 * out unless `attributes` names them (RFC 7643 lets a server return an attribute by default or not; Okta reads a
 * group's members from no list, and Entra excludes them anyway), so a page of big groups stays small.
 *
 * A response that would pass Lambda's response limit is answered 400 `tooMany` asking for
 * `excludedAttributes=members`; members are read only as far as a response could hold them, so finding out is bounded.
 */
export class GroupsEndpoint implements ResourceEndpoint {
  private readonly maxResponseBytes: number;

  constructor(
    private readonly groups: GroupService,
    options: GroupsEndpointOptions = {},
  ) {
    this.maxResponseBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  }

  async list(request: HttpRequest): Promise<HttpResponse> {
    const page = parsePageRequest(request.query);
    const projection = parseProjection(request.query);
    const sort = parseSortRequest(request.query, 'Group');
    checkCursorOrder(page, sort?.order);
    const filterText = param(request.query, 'filter');
    const orgId = request.orgId;
    const count = async () => (await this.groups.list(orgId, { startIndex: 1, count: 0 })).totalResults;
    const scan = (afterId: string | undefined, limit: number) => this.groups.scan(orgId, afterId, limit);
    if (filterText !== undefined) {
      const filter = parseFilter(decodePlusInFilter(filterText), filterSchemas('Group'));
      // Members are read for evaluation only when the filter names them and no index answered it.
      const needsMembers = /members/i.test(printFilter(filter));
      const matches = await findMatches(filter, 'Group', {
        lookup: (lookup) => this.lookup(orgId, lookup),
        count,
        scan,
        idOf: (group) => group.id,
        represent: async (group) =>
          toScimGroup(group, request.baseUrl, needsMembers ? await this.groups.members(orgId, group.id) : undefined),
      });
      // The matches are all in memory already, so sorting them reads nothing more.
      const window =
        sort === undefined
          ? matches.slice(page.startIndex - 1, page.startIndex - 1 + page.count)
          : pageOfSorted(matches, { ...page, cursor: undefined }, sort.order, displayNameOf).items;
      return this.bounded(
        scimResponse(200, listResponse(page, matches.length, await this.represent(request, window, projection))),
      );
    }
    let result = await this.groups.list(orgId, page, sort?.order);
    if (result.orderUnavailable && sort !== undefined) {
      const all = await readAllForSort({ count, scan }, 'Group', sort.attribute);
      result = pageOfSorted(all, page, sort.order, displayNameOf);
    }
    return this.bounded(
      scimResponse(
        200,
        listResponse(
          page,
          result.totalResults,
          await this.represent(request, result.items, projection),
          result.nextCursor,
        ),
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
    if (hasProjection(projection)) {
      const group = await this.groups.update(request.orgId, checkedId('Group', id), () => edits, ifMatch(request));
      return this.single(request, group, await this.membersFor(request, group, projection), projection, 200);
    }
    const { group, members } = await this.groups.updateWithMembers(
      request.orgId,
      checkedId('Group', id),
      () => edits,
      PATCH_RESPONSE_MEMBER_LIMIT + 1,
      ifMatch(request),
    );
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
    return this.bounded(
      scimResponse(status, applyProjection(toScimGroup(group, request.baseUrl, members), projection), headers),
    );
  }

  /** Groups of a list: `members` only when `attributes` names them, read within one budget for the whole page. */
  private async represent(
    request: HttpRequest,
    groups: readonly GroupRecord[],
    projection: Projection,
  ): Promise<Record<string, unknown>[]> {
    const withMembers = projection.attributes !== undefined && isRequested(projection, 'members');
    const budget = { members: this.memberBudget() };
    const represented: Record<string, unknown>[] = [];
    for (const group of groups) {
      const members = withMembers ? await this.boundedMembers(request.orgId, group.id, budget) : undefined;
      represented.push(applyProjection(toScimGroup(group, request.baseUrl, members), projection));
    }
    return represented;
  }

  private async membersFor(
    request: HttpRequest,
    group: GroupRecord,
    projection: Projection,
  ): Promise<GroupMember[] | undefined> {
    if (!isRequested(projection, 'members')) return undefined;
    return this.boundedMembers(request.orgId, group.id, { members: this.memberBudget() });
  }

  /** The group's members, unless more than `budget` allows are left, then tooMany before reading them all. */
  private async boundedMembers(orgId: string, groupId: string, budget: { members: number }): Promise<GroupMember[]> {
    const members = await this.groups.members(orgId, groupId, { limit: budget.members + 1 });
    if (members.length > budget.members) throw this.tooLarge();
    budget.members -= members.length;
    return members;
  }

  private memberBudget(): number {
    return Math.min(MAX_RESPONSE_MEMBERS, Math.floor(this.maxResponseBytes / MIN_MEMBER_BYTES));
  }

  /** The response, or tooMany when its body, as the Lambda proxy integration escapes it, would pass the limit. */
  private bounded(response: HttpResponse): HttpResponse {
    if (escapedBytes(response.body) > this.maxResponseBytes) {
      throw this.tooLarge();
    }
    return response;
  }

  private tooLarge(): ScimError {
    return ScimError.badRequest(
      'tooMany',
      `The response would exceed this service's limit of ${this.maxResponseBytes} bytes or ` +
        `${MAX_RESPONSE_MEMBERS} members because of the groups' members. Request it with excludedAttributes=members ` +
        '(and change members with PATCH), or with a smaller count.',
    );
  }
}

/** Bytes of `text` as a JSON string inside the proxy integration's envelope (quotes and backslashes escaped). */
function escapedBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8');
}

function displayNameOf(group: GroupRecord): string {
  return group.displayName;
}
