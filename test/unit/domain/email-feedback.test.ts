import type { ActivityRecord } from '../../../lambda/domain/activity';
import { type EmailFeedback, EmailFeedbackRecorder, type FeedbackResult } from '../../../lambda/domain/email-feedback';

const ORG = 'acme';

function setup(options: { userName?: string; result?: FeedbackResult } = {}) {
  const recorded: Array<{ feedback: EmailFeedback; activity: ActivityRecord }> = [];
  const asked: Array<[string, string]> = [];
  const recorder = new EmailFeedbackRecorder(
    {
      record: async (feedback, activity) => {
        recorded.push({ feedback, activity });
        return options.result ?? 'recorded';
      },
    },
    {
      userNameOf: async (orgId, userId) => {
        asked.push([orgId, userId]);
        return options.userName;
      },
    },
    { newId: () => 'activity-1', clock: { now: () => new Date('2026-05-02T00:00:00.000Z') } },
  );
  return { recorder, recorded, asked };
}

const bounce: EmailFeedback = {
  status: 'bounced',
  feedbackId: 'fb-1',
  at: '2026-05-01T10:00:00.000Z',
  orgId: ORG,
  licenseId: 'lic-1',
  userId: 'user-1',
  email: 'license-issued',
  bounceType: 'Permanent',
};

describe('EmailFeedbackRecorder', () => {
  it('records a bounce on the license with an activity record naming the user, the email and the bounce type', async () => {
    const { recorder, recorded, asked } = setup({ userName: 'ada@example.com' });

    const result = await recorder.record(bounce);

    expect(result).toBe('recorded');
    expect(asked).toEqual([[ORG, 'user-1']]);
    expect(recorded).toEqual([
      {
        feedback: bounce,
        activity: {
          orgId: ORG,
          activityId: 'activity-1',
          at: '2026-05-01T10:00:00.000Z',
          operation: 'email feedback',
          resourceType: 'User',
          resourceId: 'user-1',
          name: 'ada@example.com',
          result: 'ok',
          detail: 'license-issued email bounced (Permanent)',
          licenseEffects: ['email bounced'],
          licenseId: 'lic-1',
        },
      },
    ]);
  });

  it('records a complaint about a deleted user without a name or a bounce type', async () => {
    const { recorder, recorded } = setup();
    const complaint: EmailFeedback = {
      status: 'complained',
      feedbackId: 'fb-2',
      at: '2026-05-01T11:00:00.000Z',
      orgId: ORG,
      licenseId: 'lic-2',
      userId: 'user-2',
      email: 'license-revoked',
    };

    await recorder.record(complaint);

    const activity = recorded[0]?.activity;
    expect(activity).toMatchObject({
      detail: 'license-revoked email complained',
      licenseEffects: ['email complained'],
      licenseId: 'lic-2',
    });
    expect(activity).not.toHaveProperty('name');
  });

  it('answers what the store found: a repeated notification is already recorded', async () => {
    const { recorder } = setup({ result: 'already-recorded' });

    await expect(recorder.record(bounce)).resolves.toBe('already-recorded');
  });

  it('gives each activity record a time-ordered id of its own by default', async () => {
    const ids: string[] = [];
    const recorder = new EmailFeedbackRecorder(
      {
        record: async (_, activity) => {
          ids.push(activity.activityId);
          return 'recorded';
        },
      },
      { userNameOf: async () => undefined },
      { clock: { now: () => new Date('2026-05-02T00:00:00.000Z') } },
    );

    await recorder.record(bounce);
    await recorder.record(bounce);

    expect(ids[0]).toMatch(/^019de5fc-2400-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ids[1]).not.toBe(ids[0]);
  });
});
