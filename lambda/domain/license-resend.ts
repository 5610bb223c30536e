import { type Clock, systemClock } from './clock';
import { DomainError, NotFoundError } from './errors';
import { type EmailIntent, greetingName, type LicenseReader } from './licenses';
import type { UserRepository } from './users';

/** The user has no email address to send the license to. */
export class NoRecipientError extends DomainError {}

/** Puts one email intent in the outbox; the mailer sends it like any other license email. */
export interface EmailOutbox {
  enqueue(intent: EmailIntent): Promise<void>;
}

export interface LicenseResendOptions {
  readonly users: Pick<UserRepository, 'find'>;
  readonly licenses: Pick<LicenseReader, 'activeLicenseOf'>;
  readonly outbox: EmailOutbox;
  readonly clock?: Clock;
}

export interface ResentLicense {
  readonly orgId: string;
  readonly userId: string;
  readonly userName: string;
  readonly licenseId: string;
  readonly keyHint: string;
  readonly recipient: string;
  readonly eventId: string;
}

/**
 * Re-sends a user's license email (an admin command). Keys are derived from the license (HMAC of organization and
 * license id), so the mailer derives and sends the same key again: nothing changes for the desktop app, no seat moves.
 * The email goes through the outbox like every other, so it is sent once even if the mailer retries.
 */
export class LicenseResend {
  private readonly clock: Clock;

  constructor(private readonly options: LicenseResendOptions) {
    this.clock = options.clock ?? systemClock;
  }

  async resend(orgId: string, userName: string): Promise<ResentLicense> {
    const [user] = await this.options.users.find(orgId, { userName });
    if (!user) throw new NotFoundError(`organization ${orgId} has no user ${userName}`);
    const license = await this.options.licenses.activeLicenseOf(orgId, user.id);
    if (!license) {
      throw new NotFoundError(
        `user ${user.userName} has no active license${user.active ? '' : ' (inactive users get one when reactivated)'}`,
      );
    }
    const recipient = (user.lookupEmail ?? user.emails[0]?.value)?.trim();
    if (!recipient) throw new NoRecipientError(`user ${user.userName} has no email address to send the license to`);

    const at = this.clock.now();
    const displayName = greetingName(user);
    const intent: EmailIntent = {
      // Its own event: the outbox accepts each event id once, and the original `.issued` email was already sent.
      eventId: `${license.licenseId}.resent.${at.getTime()}`,
      type: 'license-issued',
      orgId,
      licenseId: license.licenseId,
      userId: user.id,
      recipient,
      keyHint: license.keyHint,
      ...(displayName !== undefined ? { displayName } : {}),
      createdAt: at.toISOString(),
    };
    await this.options.outbox.enqueue(intent);
    return {
      orgId,
      userId: user.id,
      userName: user.userName,
      licenseId: license.licenseId,
      keyHint: license.keyHint,
      recipient,
      eventId: intent.eventId,
    };
  }
}
