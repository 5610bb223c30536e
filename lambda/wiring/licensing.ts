import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { withActivityWrites } from '../adapters/dynamodb-activity';
import { withMembershipRemovals } from '../adapters/dynamodb-group-repository';
import { DynamoLicenseRepository } from '../adapters/dynamodb-license-repository';
import { createLicenseWriteTranslator, LicensedUserRepository } from '../adapters/dynamodb-license-writes';
import { consistentGroupsOfUser, DynamoPlanRepository } from '../adapters/dynamodb-plans';
import { DynamoUserRepository, type LinkedWriteTranslator } from '../adapters/dynamodb-user-repository';
import { SecretSigningKeyProvider } from '../adapters/secret-signing-key-provider';
import { SecretsManagerSecretReader } from '../adapters/secrets-manager-secret-reader';
import { type Clock, systemClock, uuidV7 } from '../domain/clock';
import type { EmailBranding, EmailTemplates } from '../domain/email-templates';
import { LicenseKeys, type SigningKeyProvider } from '../domain/license-keys';
import { LicensePolicy } from '../domain/licenses';
import { MembershipPlanPolicy, planOfIssuedLicense } from '../domain/plans';
import type { SecretReader } from '../domain/tokens';
import type { UserRepository } from '../domain/users';
import type { ServiceConfig } from './config';

/** Wiring shared by the SCIM, mailer and validation handlers: the same keys, tables and seat rules everywhere. */

export const DEFAULT_PRODUCT_NAME = 'License Portal';

/** Secrets Manager on AWS; the local stack and tests pass their own reader (files, moto) instead. */
export function secretReaderFor(config: Pick<ServiceConfig, 'region'>, secrets?: SecretReader): SecretReader {
  return secrets ?? new SecretsManagerSecretReader(new SecretsManagerClient({ region: config.region }));
}

export function licenseKeysFor(
  config: ServiceConfig,
  signingKeys?: SigningKeyProvider,
  secrets?: SecretReader,
): LicenseKeys {
  if (signingKeys) return new LicenseKeys(signingKeys);
  if (!config.signingKeySecretId) throw new Error('licensing needs the signing key secret (SIGNING_KEY_SECRET_ARN)');
  return new LicenseKeys(new SecretSigningKeyProvider(secretReaderFor(config, secrets), config.signingKeySecretId));
}

export function brandingFor(config: ServiceConfig, templates?: EmailTemplates): EmailBranding {
  return { productName: config.productName ?? DEFAULT_PRODUCT_NAME, supportEmail: config.supportEmail, templates };
}

export interface Licensing {
  readonly policy: LicensePolicy;
  /** The users repository whose transactions carry the license writes. */
  userRepository(usersTable: string): UserRepository;
}

export interface LicensingOverrides {
  readonly signingKeys?: SigningKeyProvider;
  /** Where the signing key secret is read from. @default Secrets Manager */
  readonly secrets?: SecretReader;
  readonly clock?: Clock;
  /** Translates the activity records linked to user changes; without it only license writes are translated. */
  readonly activityWrites?: LinkedWriteTranslator;
  /** Translates the group memberships a user's delete removes in its transaction. */
  readonly membershipRemovals?: LinkedWriteTranslator;
}

/** The license policy and its transaction wiring, or undefined when licensing is not configured (no signing key). */
export function createLicensing(
  config: ServiceConfig,
  dynamo: DynamoDBClient,
  overrides: LicensingOverrides = {},
): Licensing | undefined {
  if (!config.signingKeySecretId && !overrides.signingKeys) return undefined;
  const clock = overrides.clock ?? systemClock;
  const licenseWrites = createLicenseWriteTranslator({ tableName: config.licensesTable });
  const others = overrides.activityWrites ? withActivityWrites(overrides.activityWrites, licenseWrites) : licenseWrites;
  const translate = overrides.membershipRemovals
    ? withMembershipRemovals(overrides.membershipRemovals, others)
    : others;
  const planReads = {
    plans: new DynamoPlanRepository(dynamo, config.licensesTable),
    groupsOfUser: (orgId: string, userId: string) => consistentGroupsOfUser(dynamo, config.groupsTable, orgId, userId),
  };
  const policy = new LicensePolicy({
    reader: new DynamoLicenseRepository(dynamo, config.licensesTable),
    planOf: (orgId, userId) => planOfIssuedLicense(planReads, orgId, userId),
    keys: licenseKeysFor(config, overrides.signingKeys, overrides.secrets),
    newId: () => uuidV7(clock.now().getTime()),
    configuredSeatLimit: (orgId) => (orgId === config.defaultOrgId ? config.defaultOrgSeats : undefined),
  });
  return {
    policy,
    userRepository: (usersTable) =>
      new LicensedUserRepository(new DynamoUserRepository(dynamo, usersTable, translate), translate),
  };
}

/**
 * License plans by group: the policy planning members' plan changes and the translator putting them into the
 * membership transactions. Undefined when licensing is not configured (no licenses, no plans to change).
 */
export function createMembershipPlans(
  config: ServiceConfig,
  dynamo: DynamoDBClient,
  overrides: { readonly signingKeys?: SigningKeyProvider; readonly clock?: Clock } = {},
): { policy: MembershipPlanPolicy; translate: LinkedWriteTranslator } | undefined {
  if (!config.signingKeySecretId && !overrides.signingKeys) return undefined;
  const licenses = new DynamoLicenseRepository(dynamo, config.licensesTable);
  const users = new DynamoUserRepository(dynamo, config.usersTable);
  const policy = new MembershipPlanPolicy(
    {
      plans: new DynamoPlanRepository(dynamo, config.licensesTable),
      activeLicenseOf: (orgId, userId) => licenses.activeLicenseOf(orgId, userId),
      groupsOfUser: (orgId, userId) => consistentGroupsOfUser(dynamo, config.groupsTable, orgId, userId),
      user: (orgId, userId) => users.get(orgId, userId),
    },
    overrides.clock ? { clock: overrides.clock } : {},
  );
  return { policy, translate: createLicenseWriteTranslator({ tableName: config.licensesTable }) };
}
