import { isResourceId } from '../domain/clock';
import { ScimError } from './errors';
import type { HttpRequest } from './http';
import { parseIfMatch } from './schemas';

/** Ids we could not have issued are answered 404 without a database read. */
export function checkedId(resourceType: 'User' | 'Group', id: string): string {
  if (!isResourceId(id)) throw ScimError.notFound(`${resourceType} ${id.slice(0, 80)} not found`);
  return id;
}

/** The version an `If-Match` header requires, if any (RFC 7644 §3.14). */
export function ifMatch(request: HttpRequest): { ifMatch?: number } {
  const parsed = parseIfMatch(request.headers['if-match']);
  if (parsed === 'invalid') throw new ScimError(412, 'If-Match must be an entity tag returned in meta.version');
  return parsed === undefined ? {} : { ifMatch: parsed };
}
