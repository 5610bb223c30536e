import type { ActivityRecord } from './activity';
import { type Clock, type IdGenerator, systemClock, uuidV7 } from './clock';
import type { EmailFeedbackStatus, LicenseEmailType } from './license-events';

/**
 * Bounces and complaints of license emails, reported by the mail provider after the fact, written back to the
 * license the email was about: `license show` then says the user never got their key, the organization's activity
 * log records it, and the change of the license item publishes a license event. One feedback is recorded once,
 * however often the provider's notification is delivered.
 */

export interface EmailFeedback {
  readonly status: EmailFeedbackStatus;
  /** The provider's id of this feedback: a repeated notification carries the same one. */
  readonly feedbackId: string;
  readonly at: string;
  readonly orgId: string;
  readonly licenseId: string;
  readonly userId: string;
  /** Which email of the license bounced. */
  readonly email: LicenseEmailType;
  /** Permanent, Transient or Undetermined (bounces only). */
  readonly bounceType?: string;
}

export type FeedbackResult = 'recorded' | 'already-recorded' | 'unknown-license';

export interface EmailFeedbackStore {
  /**
   * Marks the license's email status and writes the activity record, together or not at all. `already-recorded`
   * when this feedback id is already on the license; `unknown-license` when there is no such license.
   */
  record(feedback: EmailFeedback, activity: ActivityRecord): Promise<FeedbackResult>;
}

/** The userName an activity record names, read from the user (undefined once the user is deleted). */
export interface UserNames {
  userNameOf(orgId: string, userId: string): Promise<string | undefined>;
}

export class EmailFeedbackRecorder {
  private readonly clock: Clock;
  private readonly newId: IdGenerator;

  constructor(
    private readonly store: EmailFeedbackStore,
    private readonly users: UserNames,
    options: { clock?: Clock; newId?: IdGenerator } = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.newId = options.newId ?? (() => uuidV7(this.clock.now().getTime()));
  }

  async record(feedback: EmailFeedback): Promise<FeedbackResult> {
    const name = await this.users.userNameOf(feedback.orgId, feedback.userId);
    const activity: ActivityRecord = {
      orgId: feedback.orgId,
      activityId: this.newId(),
      at: feedback.at,
      operation: 'email feedback',
      resourceType: 'User',
      resourceId: feedback.userId,
      ...(name !== undefined ? { name } : {}),
      result: 'ok',
      detail: `${feedback.email} email ${feedback.status}${feedback.bounceType ? ` (${feedback.bounceType})` : ''}`,
      licenseEffects: [feedback.status === 'bounced' ? 'email bounced' : 'email complained'],
      licenseId: feedback.licenseId,
    };
    return this.store.record(feedback, activity);
  }
}
