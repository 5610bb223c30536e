import { DomainError } from './errors';
import type { LicenseStatus, RevocationReason } from './licenses';

/** An organization's licenses as its admin sees them: who holds each, its state, and whether its email went out. */

/** Where the license's latest email stands (the issue email, or the revocation notice once revoked). */
export type EmailStatus = 'sent' | 'failed' | 'pending';

export interface LicenseSummary {
  readonly licenseId: string;
  readonly userId: string;
  /** Undefined once the user is deleted (its revoked licenses stay listed). */
  readonly userName?: string;
  readonly status: LicenseStatus;
  /** The plan its user's groups give it, else the organization's default plan (domain/plans.ts). */
  readonly plan?: string;
  /** A higher plan its groups give it that had no seat left when the membership changed. */
  readonly planSeatRefused?: string;
  /** Last four characters of the key; the key itself is derived only by the mailer. */
  readonly keyHint: string;
  readonly issuedAt: string;
  readonly revokedAt?: string;
  readonly revocationReason?: RevocationReason;
  /** Undefined when no email is stored: the user had no address, or the outbox item expired (14 days). */
  readonly email?: { readonly status: EmailStatus; readonly at?: string };
}

export interface LicensePage {
  /** In issue order. */
  readonly licenses: readonly LicenseSummary[];
  /** Present when more licenses may follow: pass it back as `cursor`. */
  readonly nextCursor?: string;
}

/** A cursor this service did not issue for this organization. */
export class InvalidCursorError extends DomainError {}

export interface LicenseDirectory {
  /** One page of at most `limit` licenses; InvalidCursorError for a cursor not issued for `orgId`. */
  listLicenses(orgId: string, page: { readonly limit: number; readonly cursor?: string }): Promise<LicensePage>;
}
