import type { EmailIntent } from './licenses';

/**
 * Email budgets. Any tenant can make the shared sender mail an address (a user's email), so one tenant looping
 * create/delete could burn the sender's reputation and quota for every organization. Each recipient gets at most
 * `perRecipient` license emails per window, and each organization `perOrganization`. An email past either budget is
 * held, not sent: the recipient's latest held email replaces any earlier held one (coalescing: only the final state
 * matters), and when the window reopens that one email is sent (see `due`), telling the user the state they are in.
 */
export interface EmailBudgetLimits {
  /** @default 3 */
  readonly perRecipient: number;
  /** @default 500 */
  readonly perOrganization: number;
  /** @default one hour */
  readonly windowMs: number;
}

export const DEFAULT_EMAIL_BUDGET: EmailBudgetLimits = { perRecipient: 3, perOrganization: 500, windowMs: 3_600_000 };

export type BudgetDecision = 'granted' | 'held';

/** A held email whose recipient's window has reopened: to be sent again (the outbox's redrive). */
export interface HeldEmail {
  readonly orgId: string;
  readonly eventId: string;
}

/** What `org show` prints: the current window's use. */
export interface BudgetUsage {
  readonly limits: EmailBudgetLimits;
  /** Emails of the organization counted in the current window. */
  readonly sentThisWindow: number;
  /** Recipients of the organization with an email held. */
  readonly held: number;
}

export interface EmailBudgetStore {
  /**
   * Counts the email against its recipient's and its organization's current window, or, when either is spent, makes
   * it the recipient's held email unless a later one is held already. A granted email at least as recent as the held
   * one clears it: the user is told a state as new. Answers what happened.
   */
  take(intent: EmailIntent, now: Date, limits: EmailBudgetLimits): Promise<BudgetDecision>;
  /** Gives back what a granted `take` counted, when the email was not sent after all (the retry takes again). */
  refund(intent: EmailIntent, now: Date, limits: EmailBudgetLimits): Promise<void>;
  /** Held emails whose window has ended by `now`, at most `limit`. */
  due(now: Date, limit: number): Promise<HeldEmail[]>;
  usage(orgId: string, now: Date, limits: EmailBudgetLimits): Promise<BudgetUsage>;
}

/** Start of the window `now` falls in (windows are aligned, so every worker agrees on them). */
export function windowStart(now: Date, windowMs: number): number {
  return Math.floor(now.getTime() / windowMs) * windowMs;
}
