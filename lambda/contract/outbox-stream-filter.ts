/**
 * Which records of the licenses table's stream the mailer receives: inserts of outbox items, and the one update of
 * an outbox item that asks for it again (`npm run admin -- mail redrive` sets `redriveRequestedAt`); not the mailer's
 * own updates (its claim removes `redriveRequestedAt`, so none of its writes carries it), not TTL deletions, not
 * license or organization changes. One definition for the event source mapping's filters (CDK), the local stream
 * poller and the handler's own guard. No imports: CDK loads it.
 */

/** The outbox item's sort key (see dynamodb-license-writes.ts). */
export const OUTBOX_SORT_KEY = 'OUTBOX';

/** Set on an unsent outbox item by a redrive; removed by the mailer's claim. */
export const REDRIVE_ATTRIBUTE = 'redriveRequestedAt';

/** Lambda event filter pattern (`FilterCriteria.Filters[].Pattern`): a new outbox item. */
export const OUTBOX_INSERT_PATTERN = {
  eventName: ['INSERT'],
  dynamodb: { NewImage: { sk: { S: [OUTBOX_SORT_KEY] } } },
} as const;

/**
 * Lambda event filter pattern: an outbox item redriven. Only the new image is tested, not that the old one lacked the
 * attribute: a redrive whose record was itself given up before any claim (so the attribute is still set) must be
 * able to trigger again. Extra records are harmless: the claim lets one send through.
 */
export const OUTBOX_REDRIVE_PATTERN = {
  eventName: ['MODIFY'],
  dynamodb: { NewImage: { sk: { S: [OUTBOX_SORT_KEY] }, [REDRIVE_ATTRIBUTE]: { S: [{ exists: true }] } } },
} as const;

/** Every pattern the mailer's event source mapping passes (a record matching any one is delivered). */
export const OUTBOX_PATTERNS = [OUTBOX_INSERT_PATTERN, OUTBOX_REDRIVE_PATTERN] as const;

interface StreamRecordLike {
  readonly eventName?: string;
  readonly dynamodb?: {
    readonly NewImage?: {
      readonly sk?: { readonly S?: string };
      readonly [REDRIVE_ATTRIBUTE]?: { readonly S?: string };
    };
  };
}

/** OUTBOX_INSERT_PATTERN as a predicate. */
export function isOutboxInsert(record: StreamRecordLike): boolean {
  return record.eventName === 'INSERT' && record.dynamodb?.NewImage?.sk?.S === OUTBOX_SORT_KEY;
}

/** OUTBOX_REDRIVE_PATTERN as a predicate. */
export function isOutboxRedrive(record: StreamRecordLike): boolean {
  const image = record.dynamodb?.NewImage;
  return (
    record.eventName === 'MODIFY' && image?.sk?.S === OUTBOX_SORT_KEY && typeof image[REDRIVE_ATTRIBUTE]?.S === 'string'
  );
}

/** OUTBOX_PATTERNS as a predicate: the records the mailer handles. */
export function isOutboxDelivery(record: StreamRecordLike): boolean {
  return isOutboxInsert(record) || isOutboxRedrive(record);
}
