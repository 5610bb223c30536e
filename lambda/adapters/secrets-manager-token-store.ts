import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RotateSecretCommand,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import {
  type CreatedSecret,
  OrganizationExistsError,
  type RotationSettings,
  type TokenStore,
} from '../domain/organizations';
import { CURRENT, PENDING, type SecretVersionValue } from '../domain/token-rotation';

export interface SecretsManagerTokenStoreOptions {
  /**
   * Rotation attached to the secrets this store creates, copied from the deployment so every organization's secret
   * rotates like the default one.
   * @default none: secrets are created without a rotation Lambda
   */
  readonly rotation?: {
    readonly lambdaArn: string;
    /** @default no schedule: rotation runs only when asked for */
    readonly automaticallyAfterDays?: number;
    /** A schedule as Secrets Manager reports it (`rate(30 days)`); the CDK stack sets it this way. */
    readonly scheduleExpression?: string;
  };
  /** Extra tags on created secrets (the `orgId` tag is always set). @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * Organization token secrets in Secrets Manager. Every read of a value names its staging label: an unqualified read
 * may return another version on some emulators, and naming AWSCURRENT is what AWS means anyway.
 */
export class SecretsManagerTokenStore implements TokenStore {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly options: SecretsManagerTokenStoreOptions = {},
  ) {}

  async readCurrent(secretId: string): Promise<SecretVersionValue | undefined> {
    const result = await orUndefined(
      this.client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: CURRENT })),
    );
    if (!result?.VersionId || result.SecretString === undefined) return undefined;
    return { versionId: result.VersionId, value: result.SecretString, createdAt: result.CreatedDate };
  }

  async readPending(secretId: string, versionId: string): Promise<string | undefined> {
    // An empty version (Secrets Manager creates one before calling createSecret) has no value to read.
    const result = await orUndefined(
      this.client.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: versionId, VersionStage: PENDING })),
    );
    return result?.SecretString;
  }

  async stages(secretId: string): Promise<ReadonlyMap<string, readonly string[]>> {
    const result = await orUndefined(this.client.send(new DescribeSecretCommand({ SecretId: secretId })));
    return new Map(Object.entries(result?.VersionIdsToStages ?? {}));
  }

  async putPending(secretId: string, versionId: string, value: string): Promise<void> {
    await this.client.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        ClientRequestToken: versionId,
        SecretString: value,
        VersionStages: [PENDING],
      }),
    );
  }

  async promote(secretId: string, versionId: string, fromVersionId: string): Promise<void> {
    await this.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: CURRENT,
        MoveToVersionId: versionId,
        RemoveFromVersionId: fromVersionId,
      }),
    );
  }

  async createSecret(secretId: string, orgId: string, value: string): Promise<CreatedSecret> {
    try {
      await this.client.send(
        new CreateSecretCommand({
          Name: secretId,
          Description: `SCIM API key of organization ${orgId}: paste the "token" field into the identity provider`,
          SecretString: value,
          Tags: [
            { Key: 'orgId', Value: orgId },
            ...Object.entries(this.options.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
          ],
        }),
      );
    } catch (error) {
      if (error instanceof ResourceExistsException) {
        throw new OrganizationExistsError(`a token secret named ${secretId} already exists`, { cause: error });
      }
      throw error;
    }

    const rotation = this.options.rotation;
    if (!rotation) return { rotationAttached: false };
    try {
      // RotateImmediately=false: the token just created is the one the admin is about to paste into Okta.
      await this.client.send(
        new RotateSecretCommand({
          SecretId: secretId,
          RotationLambdaARN: rotation.lambdaArn,
          // Secrets Manager takes one form of schedule, not both.
          RotationRules: rotation.scheduleExpression
            ? { ScheduleExpression: rotation.scheduleExpression }
            : rotation.automaticallyAfterDays
              ? { AutomaticallyAfterDays: rotation.automaticallyAfterDays }
              : undefined,
          RotateImmediately: false,
        }),
      );
      return { rotationAttached: true };
    } catch (error) {
      // The organization works without it; the admin command reports how to attach it later.
      return { rotationAttached: false, rotationError: error instanceof Error ? error.message : String(error) };
    }
  }

  async rotationSettings(secretId: string): Promise<RotationSettings> {
    const result = await orUndefined(this.client.send(new DescribeSecretCommand({ SecretId: secretId })));
    const rules = result?.RotationRules;
    return {
      rotationEnabled: result?.RotationEnabled === true,
      ...(rules?.AutomaticallyAfterDays ? { automaticallyAfterDays: rules.AutomaticallyAfterDays } : {}),
      ...(rules?.ScheduleExpression ? { scheduleExpression: rules.ScheduleExpression } : {}),
      ...(result?.LastRotatedDate ? { lastRotatedAt: result.LastRotatedDate.toISOString() } : {}),
      ...(result?.NextRotationDate ? { nextRotationAt: result.NextRotationDate.toISOString() } : {}),
    };
  }
}

async function orUndefined<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/** New organization secrets rotate like the default one: the same Lambda and the same schedule, if any. */
export async function rotationLike(
  client: SecretsManagerClient,
  defaultSecretArn: string,
  lambdaArn: string,
): Promise<NonNullable<SecretsManagerTokenStoreOptions['rotation']>> {
  const { RotationRules } = await client.send(new DescribeSecretCommand({ SecretId: defaultSecretArn }));
  return {
    lambdaArn,
    ...(RotationRules?.ScheduleExpression ? { scheduleExpression: RotationRules.ScheduleExpression } : {}),
    ...(RotationRules?.AutomaticallyAfterDays ? { automaticallyAfterDays: RotationRules.AutomaticallyAfterDays } : {}),
  };
}
