import type { Clock } from './clock';
import { DEFAULT_EMAIL_BUDGET, type EmailBudgetLimits, type EmailBudgetStore, type HeldEmail } from './email-budget';
import {
  type EmailBranding,
  type RenderedEmail,
  renderLicenseIssued,
  renderLicenseRevoked,
  renderPlanChanged,
} from './email-templates';
import { DomainError } from './errors';
import type { EmailIntent, LicenseKeyDeriver } from './licenses';

/**
 * Sending the emails of the outbox, exactly once per license event as far as a mail API without idempotency keys
 * allows:
 * 1. claim: a conditional write on the outbox item takes a send lease, unless the item is already marked sent (then
 *    the record is a retry and nothing is sent) or another worker holds an unexpired lease;
 * 2. send through the Mailer;
 * 3. record: a conditional write marks the item sent with the provider's message id.
 * A send that fails releases the lease so a retry can send at once. The one window left is a crash (or a lost
 * response) after the provider accepted the message and before step 3: the lease then expires and a retry sends the
 * email again. That trade is deliberate: a duplicate license email is a nuisance, a lost one leaves a user without
 * their key. The window is the duration of one DynamoDB write.
 */

export interface OutgoingEmail {
  readonly to: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  /** The license event, sent as a header so a duplicate can be recognised downstream. */
  readonly eventId: string;
  /** Tags for the provider's event records (bounces, complaints). No personal data. */
  readonly tags: Readonly<Record<string, string>>;
}

export interface Mailer {
  /** Resolves with the provider's message id; throws PermanentDeliveryError when retrying cannot help. */
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
}

/** The provider refused the message for good (invalid address, suppressed recipient): retries would fail the same way. */
export class PermanentDeliveryError extends DomainError {}

/** Another worker is sending this email right now; the record is retried later. */
export class EmailInProgressError extends DomainError {}

/**
 * `reclaimed`: the lease was taken over from an earlier attempt that neither finished nor gave it back (it crashed or
 * timed out), which may have handed the email to the provider already.
 */
export type ClaimResult = 'claimed' | 'reclaimed' | 'already-sent' | 'in-progress' | 'gone';

/**
 * The provider accepted the email but marking it sent failed: the retry will send it a second time. Not "not sent",
 * which is what the logs must not say about a delivered email.
 */
export class SentButNotRecordedError extends DomainError {
  constructor(
    readonly messageId: string,
    options?: { cause?: unknown },
  ) {
    super('the email was sent, but marking it sent failed; a retry will send it again', options);
  }
}

export interface OutboxStore {
  /** Takes the send lease until `leaseUntil` with a conditional write. `gone`: the item expired (TTL) or never existed. */
  claim(intent: EmailIntent, now: Date, leaseUntil: Date): Promise<ClaimResult>;
  /** Marks the email sent (conditional: only once). */
  markSent(intent: EmailIntent, messageId: string, at: Date): Promise<void>;
  /** Marks the email undeliverable, so it is neither retried nor sent later. */
  markFailed(intent: EmailIntent, reason: string, at: Date): Promise<void>;
  /** Gives the lease back after a failed send. */
  release(intent: EmailIntent): Promise<void>;
  /** Gives the lease back and records that the email is held by the budget (sent later, or replaced by a later one). */
  markHeld(intent: EmailIntent, at: Date): Promise<void>;
}

/**
 * `sent-again`: sent after taking over an abandoned lease, so the recipient may have it twice.
 * `held`: over the recipient's or organization's budget; sent when the window reopens unless a later email replaces it.
 */
export type DispatchOutcome = 'sent' | 'sent-again' | 'already-sent' | 'rejected' | 'gone' | 'held';

export interface LicenseEmailDispatcherOptions {
  readonly outbox: OutboxStore;
  readonly mailer: Mailer;
  readonly keys: LicenseKeyDeriver;
  readonly branding: EmailBranding;
  readonly clock: Clock;
  /** Longer than one mailer invocation can run, so a live sender never loses its lease. @default 120000 */
  readonly leaseMs?: number;
  /** Per-recipient and per-organization email budgets; without it every email is sent. */
  readonly budget?: { readonly store: EmailBudgetStore; readonly limits?: EmailBudgetLimits };
}

export class LicenseEmailDispatcher {
  private readonly leaseMs: number;

  constructor(private readonly options: LicenseEmailDispatcherOptions) {
    this.leaseMs = options.leaseMs ?? 120_000;
  }

  /** Sends the intent's email unless it was sent already. Throws on failures worth retrying. */
  async dispatch(intent: EmailIntent): Promise<DispatchOutcome> {
    const { outbox, mailer, clock } = this.options;
    const now = clock.now();
    const claim = await outbox.claim(intent, now, new Date(now.getTime() + this.leaseMs));
    if (claim === 'already-sent' || claim === 'gone') return claim;
    if (claim === 'in-progress')
      throw new EmailInProgressError(`email ${intent.eventId} is being sent by another worker`);

    const budget = this.options.budget;
    if (budget) {
      let decision: 'granted' | 'held';
      try {
        decision = await budget.store.take(intent, now, budget.limits ?? DEFAULT_EMAIL_BUDGET);
      } catch (error) {
        await outbox.release(intent).catch(() => undefined);
        throw error;
      }
      if (decision === 'held') {
        await outbox.markHeld(intent, clock.now());
        return 'held';
      }
    }

    let sent: { messageId: string };
    try {
      const rendered = await this.render(intent);
      sent = await mailer.send({
        to: intent.recipient,
        ...rendered,
        eventId: intent.eventId,
        // What a bounce or complaint needs to find the license again, without the address.
        tags: { event: intent.type, org: intent.orgId, license: intent.licenseId, user: intent.userId },
      });
    } catch (error) {
      if (error instanceof PermanentDeliveryError) {
        await outbox.markFailed(intent, error.message, clock.now());
        return 'rejected';
      }
      // Not sent (or not known to be): give the lease back so the retry does not wait for it to expire, and the
      // budget, so an outage's retries do not spend it.
      await outbox.release(intent).catch(() => undefined);
      await budget?.store.refund(intent, now, budget.limits ?? DEFAULT_EMAIL_BUDGET).catch(() => undefined);
      throw error;
    }
    try {
      await outbox.markSent(intent, sent.messageId, clock.now());
    } catch (error) {
      throw new SentButNotRecordedError(sent.messageId, { cause: error });
    }
    return claim === 'reclaimed' ? 'sent-again' : 'sent';
  }

  /**
   * Sends again, through `redrive` (the outbox's redrive mark), each held email whose window has reopened: the latest
   * state the recipient was not told. Answers how many were requested.
   */
  async releaseDue(redrive: (email: HeldEmail) => Promise<unknown>, limit = 100): Promise<number> {
    const store = this.options.budget?.store;
    if (!store) return 0;
    const due = await store.due(this.options.clock.now(), limit);
    for (const email of due) await redrive(email);
    return due.length;
  }

  private async render(intent: EmailIntent): Promise<RenderedEmail> {
    if (intent.type === 'license-issued') {
      const { key } = await this.options.keys.derive(intent.orgId, intent.licenseId);
      return renderLicenseIssued({ displayName: intent.displayName, licenseKey: key }, this.options.branding);
    }
    if (intent.type === 'plan-changed') {
      return renderPlanChanged(
        { displayName: intent.displayName, keyHint: intent.keyHint, plan: intent.plan },
        this.options.branding,
      );
    }
    return renderLicenseRevoked(
      { displayName: intent.displayName, keyHint: intent.keyHint, reason: intent.reason },
      this.options.branding,
    );
  }
}
