import { AsyncLocalStorage } from 'node:async_hooks';
import type { GroupActivityWrite } from '../adapters/dynamodb-group-repository';
import type { LinkedWriteTranslator } from '../adapters/dynamodb-user-repository';
import {
  type ActivityContext,
  type ActivityOperation,
  type ActivityRecord,
  clientOf,
  groupActivityRecord,
  type RecordActivityWrite,
  truncateDetail,
} from '../domain/activity';
import { type Clock, systemClock, uuidV7 } from '../domain/clock';
import type { HttpRequest, HttpResponse } from '../scim/http';

/**
 * The request a user change belongs to, for its activity record: the handler wires the use cases once per container,
 * so the request's method and client travel with the call instead of through the use cases' signatures.
 */
const requests = new AsyncLocalStorage<ActivityContext>();

export function runWithActivityContext<T>(context: ActivityContext, work: () => Promise<T>): Promise<T> {
  return requests.run(context, work);
}

export function currentActivityContext(): ActivityContext | undefined {
  return requests.getStore();
}

export function activityContextOf(request: Pick<HttpRequest, 'method' | 'headers'>): ActivityContext {
  const client = clientOf(request.headers['user-agent']);
  return { method: request.method.toUpperCase(), ...(client !== undefined ? { client } : {}) };
}

/**
 * Group changes' records, through the same translator as users' records (so a test's failing translator fails both),
 * with the request's method and client.
 */
export function groupActivityWrites(translate: LinkedWriteTranslator, clock: Clock = systemClock): GroupActivityWrite {
  return (change) => {
    const at = clock.now();
    const write: RecordActivityWrite = {
      kind: 'activity.record',
      record: groupActivityRecord(change, currentActivityContext(), at, uuidV7(at.getTime())),
    };
    const [item, ...more] = translate(write);
    if (!item || more.length > 0) throw new Error('a group activity record must be one transaction item');
    return item;
  };
}

const OPERATION_OF_METHOD: Readonly<Record<string, ActivityOperation>> = {
  POST: 'create',
  PUT: 'replace',
  PATCH: 'patch',
  DELETE: 'delete',
};

/** Longest name kept from a refused request's body (the longest userName the service accepts). */
const MAX_NAME_LENGTH = 512;

/**
 * The record of a refused change (a 4xx to POST, PUT, PATCH or DELETE of Users or Groups), or undefined for anything
 * else: reads and searches are not activity, and a 5xx is the service's failure, already in its log.
 */
export function refusalRecord(
  request: Pick<HttpRequest, 'method' | 'path' | 'headers' | 'body' | 'orgId'>,
  response: Pick<HttpResponse, 'status' | 'body'>,
  at: Date,
): ActivityRecord | undefined {
  if (response.status < 400 || response.status >= 500) return undefined;
  const method = request.method.toUpperCase();
  const operation = OPERATION_OF_METHOD[method];
  if (!operation) return undefined;
  const [resource, id, extra] = request.path.split('/').filter((segment) => segment !== '');
  const resourceType =
    resource?.toLowerCase() === 'users' ? 'User' : resource?.toLowerCase() === 'groups' ? 'Group' : undefined;
  if (!resourceType || extra !== undefined || id?.startsWith('.')) return undefined;
  const error = scimError(response.body);
  const name = nameOf(request.body, resourceType);
  const client = clientOf(request.headers['user-agent']);
  const detail = truncateDetail(error.detail);
  return {
    orgId: request.orgId,
    activityId: uuidV7(at.getTime()),
    at: at.toISOString(),
    operation,
    method,
    resourceType,
    ...(id !== undefined ? { resourceId: id.slice(0, 100) } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(client !== undefined ? { client } : {}),
    result: 'refused',
    status: response.status,
    ...(error.scimType !== undefined ? { scimType: error.scimType } : {}),
    ...(detail !== undefined ? { detail } : {}),
    // On a user write only the seat limit answers 403 (lambda/scim/router.ts maps SeatLimitError to it).
    licenseEffects: resourceType === 'User' && response.status === 403 ? ['seat refused'] : [],
  };
}

function scimError(body: string | undefined): { scimType?: string; detail?: string } {
  if (!body) return {};
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    return {
      ...(typeof parsed.scimType === 'string' ? { scimType: parsed.scimType } : {}),
      ...(typeof parsed.detail === 'string' ? { detail: parsed.detail } : {}),
    };
  } catch {
    return {};
  }
}

/** The userName (or displayName) the refused request named, when its body is a JSON object that has one. */
function nameOf(body: string | undefined, resourceType: 'User' | 'Group'): string | undefined {
  if (!body) return undefined;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    const wanted = resourceType === 'User' ? 'username' : 'displayname';
    for (const [key, value] of Object.entries(parsed)) {
      if (key.toLowerCase() === wanted && typeof value === 'string' && value.trim() !== '') {
        return value.slice(0, MAX_NAME_LENGTH);
      }
    }
  } catch {
    // A malformed body names nobody.
  }
  return undefined;
}
