import {
  decodeEnvironment,
  ENVIRONMENT_NAMES,
  EnvironmentError,
  encodeEnvironment,
  type RuntimeSettings,
  requireSetting,
} from '../../../lambda/contract/environment';
import { authorizerConfigFromEnv, configFromEnv } from '../../../lambda/wiring/config';

const everySetting: Required<RuntimeSettings> = {
  usersTable: 'users-table',
  groupsTable: 'groups-table',
  licensesTable: 'licenses-table',
  defaultOrgId: 'acme',
  tokenSecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:token',
  orgSecretPrefix: 'scim-license-portal/org/',
  signingKeySecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:signing',
  defaultOrgSeats: 25,
  senderEmail: 'licenses@example.com',
  sesConfigurationSet: 'license-mail',
  productName: 'Acme Studio',
  supportEmail: 'help@acme.example',
  emailTemplatesDigest: 'a'.repeat(64),
  tokenGraceHours: 0.5,
  usageKeyPrefix: 'stack-scim-usage-key-',
  activityRetentionDays: 30,
  eventBusName: 'license-events',
  tokenRotationFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:rotation',
  stackName: 'ScimLicensePortal',
  serviceName: 'scim',
};

describe('runtime environment contract', () => {
  it('decodes exactly what the stack encodes, for every setting', () => {
    const env = encodeEnvironment(everySetting);

    expect(decodeEnvironment(env)).toEqual(everySetting);
    expect(Object.keys(env).sort()).toEqual(Object.values(ENVIRONMENT_NAMES).sort());
  });

  it('gives every setting its own variable name', () => {
    const names = Object.values(ENVIRONMENT_NAMES);

    expect(new Set(names).size).toBe(names.length);
  });

  it('leaves unset settings out and reads empty variables as unset', () => {
    const env = encodeEnvironment({ usersTable: 'u', defaultOrgSeats: undefined });

    expect(env).toEqual({ USERS_TABLE: 'u' });
    expect(decodeEnvironment({ USERS_TABLE: 'u', DEFAULT_ORG_SEATS: '' })).toEqual(
      expect.objectContaining({ usersTable: 'u', defaultOrgSeats: undefined }),
    );
  });

  it('keeps zero seats and a zero grace period, which mean something', () => {
    const env = encodeEnvironment({ defaultOrgSeats: 0, tokenGraceHours: 0 });

    expect(decodeEnvironment(env)).toEqual(expect.objectContaining({ defaultOrgSeats: 0, tokenGraceHours: 0 }));
  });

  it.each([
    [{ DEFAULT_ORG_SEATS: '1.5' }, 'environment variable DEFAULT_ORG_SEATS must be a whole number >= 0, got "1.5"'],
    [{ DEFAULT_ORG_SEATS: '-1' }, 'environment variable DEFAULT_ORG_SEATS must be a whole number >= 0, got "-1"'],
    [{ DEFAULT_ORG_SEATS: 'ten' }, 'environment variable DEFAULT_ORG_SEATS must be a whole number >= 0, got "ten"'],
    [{ TOKEN_GRACE_HOURS: '-2' }, 'environment variable TOKEN_GRACE_HOURS must be a number of hours >= 0, got "-2"'],
    [
      { ACTIVITY_RETENTION_DAYS: '0' },
      'environment variable ACTIVITY_RETENTION_DAYS must be a number of days > 0, got "0"',
    ],
    [
      { ACTIVITY_RETENTION_DAYS: 'forever' },
      'environment variable ACTIVITY_RETENTION_DAYS must be a number of days >= 0, got "forever"',
    ],
    [
      { TOKEN_GRACE_HOURS: 'Infinity' },
      'environment variable TOKEN_GRACE_HOURS must be a number of hours >= 0, got "Infinity"',
    ],
  ])('refuses malformed numbers, naming the variable: %j', (env, message) => {
    expect(() => decodeEnvironment(env)).toThrow(new EnvironmentError(message));
  });

  it('names the missing variable when a required setting is unset', () => {
    expect(() => requireSetting(decodeEnvironment({}), 'usersTable')).toThrow(
      'environment variable USERS_TABLE is not set',
    );
    expect(requireSetting(decodeEnvironment({ USERS_TABLE: 't' }), 'usersTable')).toBe('t');
  });

  it('builds the handlers configuration from the encoded environment, defaulting the organization', () => {
    const { defaultOrgId: _ignored, ...withoutOrg } = everySetting;
    const env = { ...encodeEnvironment(withoutOrg), AWS_REGION: 'eu-west-1' };

    expect(configFromEnv(env)).toEqual({
      usersTable: 'users-table',
      groupsTable: 'groups-table',
      licensesTable: 'licenses-table',
      defaultOrgId: 'default',
      tokenSecretId: everySetting.tokenSecretId,
      orgSecretPrefix: 'scim-license-portal/org/',
      region: 'eu-west-1',
      signingKeySecretId: everySetting.signingKeySecretId,
      defaultOrgSeats: 25,
      senderEmail: 'licenses@example.com',
      sesConfigurationSet: 'license-mail',
      productName: 'Acme Studio',
      supportEmail: 'help@acme.example',
      emailTemplatesDigest: 'a'.repeat(64),
      usageKeyPrefix: 'stack-scim-usage-key-',
      activityRetentionDays: 30,
      eventBusName: 'license-events',
    });
    expect(authorizerConfigFromEnv(env)).toEqual({
      defaultOrgId: 'default',
      tokenSecretId: everySetting.tokenSecretId,
      orgSecretPrefix: 'scim-license-portal/org/',
      region: 'eu-west-1',
      licensesTable: 'licenses-table',
      usageKeyPrefix: 'stack-scim-usage-key-',
    });
    expect(() => authorizerConfigFromEnv({})).toThrow('environment variable TOKEN_SECRET_ARN is not set');
  });
});
