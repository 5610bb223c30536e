/**
 * The predicates the local stack uses in place of the stream filter patterns of the deployed stack, and the key size
 * check every stored key passes: which change records reach the mailer and the event publisher, and which keys fit.
 */
import { keyFits, MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES, maxKeyBytes } from '../../../lambda/contract/keys';
import { isLicenseEventRecord } from '../../../lambda/contract/license-events';
import {
  isOutboxDelivery,
  isOutboxInsert,
  isOutboxRedrive,
  OUTBOX_SORT_KEY,
  REDRIVE_ATTRIBUTE,
} from '../../../lambda/contract/outbox-stream-filter';

type Image = Record<string, { S: string }>;
const record = (eventName: string, image: Record<string, string>) => ({
  eventName,
  dynamodb: { NewImage: Object.fromEntries(Object.entries(image).map(([k, v]) => [k, { S: v }])) as Image },
});

describe('isLicenseEventRecord', () => {
  it.each<[string, Record<string, string>, boolean]>([
    ['INSERT', { kind: 'license' }, true],
    ['MODIFY', { kind: 'license' }, true],
    ['REMOVE', { kind: 'license' }, false],
    ['INSERT', { kind: 'activity', result: 'refused' }, true],
    ['INSERT', { kind: 'activity', result: 'ok', operation: 'deactivate' }, true],
    ['INSERT', { kind: 'activity', result: 'ok', operation: 'delete' }, true],
    ['INSERT', { kind: 'activity', result: 'ok', operation: 'create' }, false],
    ['INSERT', { kind: 'activity', result: 'failed', operation: 'delete' }, false],
    ['MODIFY', { kind: 'activity', result: 'refused' }, false],
    ['REMOVE', { kind: 'activity', result: 'ok', operation: 'delete' }, false],
    ['INSERT', { kind: 'user', result: 'refused' }, false],
    ['INSERT', {}, false],
  ])('%s of %j → %s', (eventName, image, expected) => {
    expect(isLicenseEventRecord(record(eventName, image))).toBe(expected);
  });

  it('passes no record without a new image', () => {
    expect(isLicenseEventRecord({ eventName: 'INSERT' })).toBe(false);
  });
});

describe('the outbox predicates', () => {
  const outbox = { sk: OUTBOX_SORT_KEY };
  const redriven = { sk: OUTBOX_SORT_KEY, [REDRIVE_ATTRIBUTE]: '2026-11-30T00:00:00.000Z' };

  it.each<[string, Record<string, string>, boolean, boolean]>([
    ['INSERT', outbox, true, false],
    ['INSERT', redriven, true, false],
    ['MODIFY', outbox, false, false],
    ['MODIFY', redriven, false, true],
    ['REMOVE', redriven, false, false],
    ['INSERT', { sk: 'USER' }, false, false],
    ['MODIFY', { sk: 'USER', [REDRIVE_ATTRIBUTE]: 'x' }, false, false],
  ])('%s of %j: an insert %s, a redrive %s', (eventName, image, insert, redrive) => {
    const change = record(eventName, image);

    expect([isOutboxInsert(change), isOutboxRedrive(change), isOutboxDelivery(change)]).toEqual([
      insert,
      redrive,
      insert || redrive,
    ]);
  });

  it('passes no record without a new image', () => {
    expect([isOutboxInsert({ eventName: 'INSERT' }), isOutboxRedrive({ eventName: 'MODIFY' })]).toEqual([false, false]);
  });
});

describe('keyFits', () => {
  it('knows the limit of each kind of key', () => {
    expect([maxKeyBytes('partition'), maxKeyBytes('sort')]).toEqual([2048, 1024]);
    expect([MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES]).toEqual([2048, 1024]);
  });

  it('counts UTF-8 bytes up to the limit exactly, for a partition key by default', () => {
    expect(keyFits('a'.repeat(2048))).toBe(true);
    expect(keyFits('a'.repeat(2049))).toBe(false);
    expect(keyFits('é'.repeat(1024))).toBe(true);
    expect(keyFits(`${'é'.repeat(1024)}a`)).toBe(false);
    expect(keyFits('a'.repeat(1024), 'sort')).toBe(true);
    expect(keyFits('a'.repeat(1025), 'sort')).toBe(false);
    expect(keyFits('€'.repeat(341), 'sort')).toBe(true);
    expect(keyFits('€'.repeat(342), 'sort')).toBe(false);
  });
});
