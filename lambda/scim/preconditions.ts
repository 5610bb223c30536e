import { isResourceId } from '../domain/clock';
import { ScimError } from './errors';
import type { HttpRequest, HttpResponse } from './http';
import { etag, parseIfMatch } from './schemas';

/** Ids we could not have issued are answered 404 without a database read. */
export function checkedId(resourceType: 'User' | 'Group', id: string): string {
  if (!isResourceId(id)) throw ScimError.notFound(`${resourceType} ${id.slice(0, 80)} not found`);
  return id;
}

/** The version an `If-Match` header requires, if any (RFC 7644 §3.14). */
export function ifMatch(request: HttpRequest): { ifMatch?: number } {
  const parsed = parseIfMatch(request.headers['if-match']);
  if (parsed === 'invalid') throw new ScimError(412, 'If-Match must be an entity tag returned in meta.version');
  // Stryker disable next-line ConditionalExpression: equivalent, an absent and an undefined ifMatch mean the same to every caller
  return parsed === undefined ? {} : { ifMatch: parsed };
}

/**
 * The 304 answer to a GET whose `If-None-Match` names the resource's current version (RFC 9110 §13.1.2): `*` matches
 * any existing resource, and tags compare weakly, so `W/"3"` and `"3"` both match version 3. Undefined otherwise.
 */
export function notModified(request: HttpRequest, version: number): HttpResponse | undefined {
  const header = request.headers['if-none-match'];
  if (header === undefined || !ifNoneMatchMatches(header, version)) return undefined;
  return { status: 304, headers: { ETag: etag(version) }, body: '' };
}

function ifNoneMatchMatches(header: string, version: number): boolean {
  if (header.trim() === '*') return true;
  const current = String(version);
  for (const match of header.matchAll(/(?:W\/)?"([^"]*)"/g)) {
    if (match[1] === current) return true;
  }
  return false;
}
