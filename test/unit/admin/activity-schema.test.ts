import { ActivityRecordJson } from '../../../lambda/admin/schemas';
import { ACTIVITY_OPERATIONS, LICENSE_EFFECTS } from '../../../lambda/domain/activity';

/** The admin API's activity answer declares every record the log can hold, email feedback included. */
describe('the activity record schema of the admin API', () => {
  const record = {
    activityId: '01a229bd-67a7-74d5-8534-298cbfde1991',
    at: '2026-11-29T23:56:48.423Z',
    resourceType: 'User',
    result: 'ok',
  };

  it.each(ACTIVITY_OPERATIONS)('accepts the operation %s', (operation) => {
    expect(ActivityRecordJson.safeParse({ ...record, operation, licenseEffects: [] }).success).toBe(true);
  });

  it('accepts every license effect, bounces and complaints too', () => {
    const parsed = ActivityRecordJson.safeParse({
      ...record,
      operation: 'email feedback',
      licenseEffects: [...LICENSE_EFFECTS],
    });

    expect(parsed.success && parsed.data.licenseEffects).toEqual([
      'license issued',
      'license revoked',
      'email queued',
      'seat refused',
      'plan seat refused',
      'email bounced',
      'email complained',
    ]);
  });

  it('refuses an operation the log never writes', () => {
    expect(ActivityRecordJson.safeParse({ ...record, operation: 'rename', licenseEffects: [] }).success).toBe(false);
  });
});
