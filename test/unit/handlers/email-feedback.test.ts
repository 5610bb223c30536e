import { feedbackOf } from '../../../lambda/handlers/email-feedback';

const tags = {
  'ses:configuration-set': ['license-mail'],
  event: ['license-revoked'],
  org: ['acme'],
  license: ['lic-1'],
  user: ['user-1'],
};

describe('SES feedback events read as license email feedback', () => {
  it('reads a complaint about a revocation notice', () => {
    const feedback = feedbackOf({
      eventType: 'Complaint',
      mail: { messageId: 'm-1', tags },
      complaint: { feedbackId: 'fb-1', timestamp: '2026-11-29T10:00:00.000Z', complaintFeedbackType: 'abuse' },
    });

    expect(feedback).toEqual({
      status: 'complained',
      feedbackId: 'fb-1',
      at: '2026-11-29T10:00:00.000Z',
      orgId: 'acme',
      licenseId: 'lic-1',
      userId: 'user-1',
      email: 'license-revoked',
    });
  });

  it('ignores mail this service did not tag, other event types and feedback without its report', () => {
    const untagged = feedbackOf({
      eventType: 'Bounce',
      mail: { messageId: 'm-1', tags: { 'ses:configuration-set': ['license-mail'] } },
      bounce: { bounceType: 'Permanent', feedbackId: 'fb-1', timestamp: '2026-11-29T10:00:00.000Z' },
    });
    const delivery = feedbackOf({ eventType: 'Delivery', mail: { messageId: 'm-1', tags } });
    const withoutReport = feedbackOf({ eventType: 'Bounce', mail: { messageId: 'm-1', tags } });

    expect([untagged, delivery, withoutReport]).toEqual([undefined, undefined, undefined]);
  });
});
