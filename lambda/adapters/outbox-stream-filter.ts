/**
 * Which records of the licenses table's stream the mailer receives: inserts of outbox items only (not the mailer's
 * own updates of them, not their TTL deletions, not license or organization changes). One definition for the event
 * source mapping's filter (CDK), the local stream poller and the handler's own guard. No imports: CDK loads it.
 */

/** The outbox item's sort key (see dynamodb-license-writes.ts). */
export const OUTBOX_SORT_KEY = 'OUTBOX';

/** Lambda event filter pattern (`FilterCriteria.Filters[].Pattern`). */
export const OUTBOX_INSERT_PATTERN = {
  eventName: ['INSERT'],
  dynamodb: { NewImage: { sk: { S: [OUTBOX_SORT_KEY] } } },
} as const;

interface StreamRecordLike {
  readonly eventName?: string;
  readonly dynamodb?: { readonly NewImage?: { readonly sk?: { readonly S?: string } } };
}

/** The pattern above as a predicate. */
export function isOutboxInsert(record: StreamRecordLike): boolean {
  return record.eventName === 'INSERT' && record.dynamodb?.NewImage?.sk?.S === OUTBOX_SORT_KEY;
}
