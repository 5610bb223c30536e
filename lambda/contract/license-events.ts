/**
 * The license events this service publishes to its EventBridge bus for the vendor's other systems (billing, CRM,
 * support): names, the schema of each event's `detail`, and which records of the licenses table's stream carry them.
 * One definition for the CDK stack (bus, event source mapping filters), the publisher, the README and the tests that
 * check recorded events against these schemas. No imports: CDK loads it.
 *
 * Every event's `detail.eventId` names the fact, not the delivery: a stream record retried, or handled twice, is
 * published again with the same id, so a consumer deduplicates on it.
 */

/** `source` of every license event. */
export const LICENSE_EVENT_SOURCE = 'license-portal.scim';

/** `detail-type` of each license event. */
export const LICENSE_EVENT_TYPES = {
  licenseIssued: 'License Issued',
  licenseRevoked: 'License Revoked',
  userDeprovisioned: 'User Deprovisioned',
  seatsExhausted: 'Seats Exhausted',
  emailBounced: 'License Email Bounced',
  emailComplained: 'License Email Complained',
} as const;

export type LicenseEventType = (typeof LICENSE_EVENT_TYPES)[keyof typeof LICENSE_EVENT_TYPES];

/** A JSON Schema (draft 2020-12), restricted to the keywords these schemas use. */
export interface EventDetailSchema {
  readonly $schema?: string;
  readonly $id?: string;
  readonly title?: string;
  readonly description?: string;
  readonly type?: 'object' | 'string' | 'integer' | 'boolean' | 'array';
  readonly required?: readonly string[];
  readonly properties?: Readonly<Record<string, EventDetailSchema>>;
  readonly additionalProperties?: boolean;
  readonly enum?: readonly (string | number | boolean)[];
  readonly const?: string | number | boolean;
  readonly format?: 'date-time';
  readonly minLength?: number;
  readonly items?: EventDetailSchema;
}

const text: EventDetailSchema = { type: 'string', minLength: 1 };
const time: EventDetailSchema = { type: 'string', format: 'date-time' };

/** Fields of every license event's detail. */
const common = {
  eventId: { ...text, description: 'Unique per fact; the same fact published again carries the same id.' },
  orgId: { ...text, description: 'The customer organization.' },
  occurredAt: { ...time, description: 'When the fact happened (not when it was published).' },
} as const;

function detailSchema(
  type: LicenseEventType,
  description: string,
  properties: Readonly<Record<string, EventDetailSchema>>,
  required: readonly string[],
): EventDetailSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `urn:license-portal:events:${type.toLowerCase().replaceAll(' ', '-')}`,
    title: type,
    description,
    type: 'object',
    required: ['eventId', 'orgId', 'occurredAt', ...required],
    properties: { ...common, ...properties },
    additionalProperties: false,
  };
}

const licenseId: EventDetailSchema = {
  ...text,
  description: 'The license (one per issue; reactivation issues a new one).',
};
const userId: EventDetailSchema = { ...text, description: 'The SCIM id of the user.' };
const keyHint: EventDetailSchema = { type: 'string', description: 'Last four characters of the license key.' };

/** JSON Schema of each detail-type's `detail`. */
export const LICENSE_EVENT_SCHEMAS: Readonly<Record<LicenseEventType, EventDetailSchema>> = {
  [LICENSE_EVENT_TYPES.licenseIssued]: detailSchema(
    LICENSE_EVENT_TYPES.licenseIssued,
    'A user got a license: provisioned as active, or reactivated.',
    { licenseId, userId, keyHint },
    ['licenseId', 'userId', 'keyHint'],
  ),
  [LICENSE_EVENT_TYPES.licenseRevoked]: detailSchema(
    LICENSE_EVENT_TYPES.licenseRevoked,
    'A license stopped being valid because its user was deactivated or deleted; its seat is free.',
    {
      licenseId,
      userId,
      keyHint,
      reason: { type: 'string', enum: ['deactivated', 'deleted'] },
    },
    ['licenseId', 'userId', 'keyHint', 'reason'],
  ),
  [LICENSE_EVENT_TYPES.userDeprovisioned]: detailSchema(
    LICENSE_EVENT_TYPES.userDeprovisioned,
    'The identity provider deactivated or deleted a user (whether or not the user held a license).',
    {
      userId,
      userName: { ...text, description: 'The userName as the identity provider sent it.' },
      operation: { type: 'string', enum: ['deactivate', 'delete'] },
      licenseId: { ...text, description: 'The license revoked by this change, when there was one.' },
    },
    ['userId', 'userName', 'operation'],
  ),
  [LICENSE_EVENT_TYPES.seatsExhausted]: detailSchema(
    LICENSE_EVENT_TYPES.seatsExhausted,
    'A request needing a seat was refused (403) because every seat of the organization is taken.',
    {
      userName: { ...text, description: 'The userName of the refused create, when known.' },
      method: { type: 'string', description: 'HTTP method of the refused request.' },
      detail: { type: 'string', description: 'The SCIM error detail answered, naming the seats in use.' },
    },
    ['detail'],
  ),
  [LICENSE_EVENT_TYPES.emailBounced]: detailSchema(
    LICENSE_EVENT_TYPES.emailBounced,
    'A license email could not be delivered: the user did not get their key (or notice). SES suppresses the address.',
    {
      licenseId,
      userId,
      email: { type: 'string', enum: ['license-issued', 'license-revoked'] },
      bounceType: { type: 'string', description: "SES's bounce type: Permanent, Transient or Undetermined." },
    },
    ['licenseId', 'userId', 'email'],
  ),
  [LICENSE_EVENT_TYPES.emailComplained]: detailSchema(
    LICENSE_EVENT_TYPES.emailComplained,
    'The recipient marked a license email as spam. SES suppresses the address.',
    {
      licenseId,
      userId,
      email: { type: 'string', enum: ['license-issued', 'license-revoked'] },
    },
    ['licenseId', 'userId', 'email'],
  ),
};

/** `kind` of the licenses table's items that carry license facts (see the adapters' item layouts). */
export const LICENSE_ITEM_KIND = 'license';
export const ACTIVITY_ITEM_KIND = 'activity';

/**
 * Lambda event filter patterns of the publisher's event source mapping: license items written or changed (issue,
 * revocation, email feedback), and activity records of deprovisioning changes and of refused requests. Not outbox
 * items, organization items or TTL deletions. The handler's own mapping decides which records become events.
 */
export const LICENSE_EVENT_STREAM_PATTERNS = [
  { eventName: ['INSERT', 'MODIFY'], dynamodb: { NewImage: { kind: { S: [LICENSE_ITEM_KIND] } } } },
  {
    eventName: ['INSERT'],
    dynamodb: {
      NewImage: {
        kind: { S: [ACTIVITY_ITEM_KIND] },
        operation: { S: ['deactivate', 'delete'] },
        result: { S: ['ok'] },
      },
    },
  },
  { eventName: ['INSERT'], dynamodb: { NewImage: { kind: { S: [ACTIVITY_ITEM_KIND] }, result: { S: ['refused'] } } } },
] as const;

interface StreamRecordLike {
  readonly eventName?: string;
  readonly dynamodb?: {
    readonly NewImage?: {
      readonly kind?: { readonly S?: string };
      readonly operation?: { readonly S?: string };
      readonly result?: { readonly S?: string };
    };
  };
}

/** LICENSE_EVENT_STREAM_PATTERNS as a predicate, for the local stream poller. */
export function isLicenseEventRecord(record: StreamRecordLike): boolean {
  const image = record.dynamodb?.NewImage;
  const kind = image?.kind?.S;
  if (kind === LICENSE_ITEM_KIND) return record.eventName === 'INSERT' || record.eventName === 'MODIFY';
  if (kind !== ACTIVITY_ITEM_KIND || record.eventName !== 'INSERT') return false;
  const result = image?.result?.S;
  const operation = image?.operation?.S;
  return result === 'refused' || (result === 'ok' && (operation === 'deactivate' || operation === 'delete'));
}
