import type { LicenseRecord } from './licenses';

/** What support sees of one license email: never its recipient's address beyond what the record needs, never a key. */
export interface LicenseEmailStatus {
  readonly eventId: string;
  readonly type: string;
  /** queued (not sent yet), sending, sent or failed; bounced or complained once SES reported it (feedbackAt). */
  readonly status: 'queued' | 'sending' | 'sent' | 'failed' | 'bounced' | 'complained';
  readonly createdAt?: string;
  readonly sentAt?: string;
  readonly failedAt?: string;
  readonly failure?: string;
  /** When the bounce or complaint happened. */
  readonly feedbackAt?: string;
}

export interface LicenseHistoryEntry {
  readonly license: LicenseRecord;
  readonly emails: readonly LicenseEmailStatus[];
}

/** Every license a user ever had, oldest first, with the state of its emails (the admin API's license history). */
export interface LicenseHistory {
  ofUser(orgId: string, userId: string): Promise<LicenseHistoryEntry[]>;
}
