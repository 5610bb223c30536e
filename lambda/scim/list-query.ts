import { isResourceId } from '../domain/clock';
import { parseNameCursor } from '../domain/list-order';
import { ScimError } from './errors';
import { MAX_PAGE_SIZE, Schemas } from './schemas';

export interface PageRequest {
  /** 1-based. */
  readonly startIndex: number;
  readonly count: number;
  /** RFC 9865 cursor pagination: present (possibly empty, meaning the first page) when the client asked for it. */
  readonly cursor?: string;
}

/**
 * Reads `startIndex`, `count` and `cursor` (RFC 7644 §3.4.2.4, RFC 9865). Values below the minimum are raised to it
 * as the RFC asks; `count` above MAX_PAGE_SIZE is capped; text that is not an integer is an error.
 */
export function parsePageRequest(query: Readonly<Record<string, string | undefined>>): PageRequest {
  const startIndex = Math.max(1, integerParam(query, 'startIndex') ?? 1);
  // Past 2^53 a number no longer holds the integer the client sent (and past 1e308 it is Infinity, which JSON writes
  // as null), so the page could not be echoed back truthfully; no result set is that large.
  if (startIndex > Number.MAX_SAFE_INTEGER) {
    throw ScimError.badRequest('invalidValue', `startIndex must be at most ${Number.MAX_SAFE_INTEGER}`);
  }
  const count = Math.min(MAX_PAGE_SIZE, Math.max(0, integerParam(query, 'count') ?? MAX_PAGE_SIZE));
  const cursor = param(query, 'cursor');
  if (cursor !== undefined && param(query, 'startIndex') !== undefined) {
    throw ScimError.badRequest('invalidValue', 'Use either cursor or startIndex, not both');
  }
  // Our cursors are the id of the last resource of a page (RFC 9865 §4), followed in a list sorted by name by that
  // name's sort key; anything else was not issued here.
  if (cursor !== undefined && cursor !== '' && !isIssuedCursor(cursor)) {
    throw ScimError.badRequest('invalidCursor', 'The cursor is not one this server issued: start again with cursor=');
  }
  return { startIndex, count, cursor };
}

function isIssuedCursor(cursor: string): boolean {
  const position = parseNameCursor(cursor);
  return isResourceId(position === undefined ? cursor : position.id);
}

/** Query parameter names are matched without regard to case (`startindex`, `Count`). */
export function param(query: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(query)) {
    if (key.toLowerCase() === lower) return value;
  }
  return undefined;
}

function integerParam(query: Readonly<Record<string, string | undefined>>, name: string): number | undefined {
  const raw = param(query, name);
  if (raw === undefined || raw.trim() === '') return undefined;
  if (!/^\s*-?\d+\s*$/.test(raw)) {
    throw ScimError.badRequest('invalidValue', `${name} must be an integer, got "${raw.slice(0, 40)}"`);
  }
  return Number(raw);
}

export interface ListResponse {
  schemas: [typeof Schemas.listResponse];
  totalResults: number;
  startIndex?: number;
  itemsPerPage: number;
  nextCursor?: string;
  Resources: unknown[];
}

export function listResponse(
  page: PageRequest,
  totalResults: number,
  resources: unknown[],
  nextCursor?: string,
): ListResponse {
  return {
    schemas: [Schemas.listResponse],
    totalResults,
    ...(page.cursor === undefined ? { startIndex: page.startIndex } : {}),
    itemsPerPage: resources.length,
    ...(page.cursor !== undefined && nextCursor !== undefined ? { nextCursor } : {}),
    Resources: resources,
  };
}
