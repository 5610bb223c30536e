import {
  createLicenseWriteTranslator,
  planSeatConflict,
  revocationConflict,
  seatRefusal,
} from '../../../lambda/adapters/dynamodb-license-writes';
import { TransactionCancelledError } from '../../../lambda/adapters/dynamodb-transactions';
import { VersionConflictError } from '../../../lambda/domain/errors';
import type { LicenseWrite } from '../../../lambda/domain/licenses';

const translate = createLicenseWriteTranslator({ tableName: 'licenses' });
const revocation: LicenseWrite[] = [
  { kind: 'license.revoke', orgId: 'acme', userId: 'u1', licenseId: 'l1', revokedAt: 't', reason: 'deleted' },
  { kind: 'license.seat', orgId: 'acme', delta: -1 },
];
/** A user delete of four items (user, userName claim, count, one email item) followed by the revocation. */
const cancelled = (failed: number) =>
  new TransactionCancelledError(
    Array.from({ length: 6 }, (_, index) => (index === failed ? 'ConditionalCheckFailed' : 'None')),
  );

describe('license writes in a cancelled user transaction', () => {
  it('makes a revocation whose license was revoked in the meantime a version conflict, so the change is read again', () => {
    const conflict = revocationConflict(cancelled(4), revocation, translate);

    expect(conflict).toBeInstanceOf(VersionConflictError);
    expect(conflict?.message).toBe('the license of user u1 changed');
  });

  it('leaves other failures alone', () => {
    expect(revocationConflict(cancelled(0), revocation, translate)).toBeUndefined();
    expect(revocationConflict(cancelled(5), revocation, translate)).toBeUndefined();
    expect(revocationConflict(new Error('network'), revocation, translate)).toBeUndefined();
    expect(seatRefusal(cancelled(4), revocation, translate)).toBeUndefined();
  });

  it('makes the plan seat a reactivation took while the plan filled up a version conflict, so it is planned again', () => {
    const issue: LicenseWrite[] = [
      { kind: 'license.seat', orgId: 'acme', delta: 1 },
      { kind: 'plan.seat', orgId: 'acme', plan: 'pro', delta: 1, userId: 'u1' },
    ];

    const conflict = planSeatConflict(cancelled(5), issue, translate);

    expect(conflict).toBeInstanceOf(VersionConflictError);
    expect(conflict?.message).toBe('the last seat of plan pro was taken');
    expect(planSeatConflict(cancelled(4), issue, translate)).toBeUndefined();
  });
});
