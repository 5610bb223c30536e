import type { LicenseHistoryEntry } from '../lambda/adapters/dynamodb-license-history';
import type { ActivityReader } from '../lambda/domain/activity';
import type { EmailBudgetStore } from '../lambda/domain/email-budget';
import type { LicenseResend } from '../lambda/domain/license-resend';
import type { SeatUsage } from '../lambda/domain/licenses';
import type { OrganizationService } from '../lambda/domain/organizations';
import type { OutboxRedrive } from '../lambda/domain/outbox-redrive';
import type { PlanService } from '../lambda/domain/plans';
import type { UserRecord } from '../lambda/domain/users';

/** The shapes every admin command shares: parsed flags, where it acts, what it prints. */

/** A mistake in the command line itself: answered with the usage text and exit code 2. */
export class UsageError extends Error {}

export interface Values {
  readonly name?: string;
  readonly seats?: string;
  readonly id?: string;
  readonly org?: string;
  readonly 'grace-hours'?: string;
  readonly user?: string;
  readonly since?: string;
  readonly 'include-failed'?: boolean;
  readonly tier?: string;
  readonly plan?: string;
  /** `plans set`: each `--group` names one group (displayName or id). */
  readonly group?: readonly string[];
  readonly rank?: string;
  readonly local?: boolean;
  readonly json?: boolean;
  readonly stack?: string;
  readonly region?: string;
  readonly help?: boolean;
}

/** What a command produced: one JSON object, and the same for people. */
export interface Outcome {
  readonly json: Record<string, unknown>;
  readonly text: string;
}

export interface Target {
  /** Where the commands act, for progress lines: "the local stack in .local" or "stack X in eu-west-1". */
  readonly description: string;
  readonly scimBaseUrl: string;
  readonly organizations: OrganizationService;
  readonly licenses: LicenseResend;
  readonly outbox: OutboxRedrive;
  readonly activity: ActivityReader;
  /** Support's view of users and licenses: read only. */
  readonly support: {
    findUser(orgId: string, userName: string): Promise<UserRecord | undefined>;
    licensesOf(orgId: string, userId: string): Promise<LicenseHistoryEntry[]>;
    seatUsage(orgId: string): Promise<SeatUsage>;
  };
  /** License plans by group. */
  readonly plans: PlanService;
  /** The email budgets' current use, shown by `org show`. */
  readonly emailBudget?: Pick<EmailBudgetStore, 'usage'>;
  /** How to attach rotation to a secret that has none (shown after `org create` when it could not be attached). */
  readonly rotationHint: string;
  close(): void;
}

export type Progress = (line: string) => void;

export interface Command {
  readonly required: readonly (keyof Values)[];
  readonly optional: readonly (keyof Values)[];
  run(target: Target, values: Values, progress: Progress): Promise<Outcome>;
}
