import { synthScimStack } from './support/app';

/**
 * Stateful resources keep their logical ids forever: a changed id makes CloudFormation create a new, empty resource
 * (and, with RETAIN, orphan the old one with the customers' data). If this test fails, revert the rename instead of
 * updating these ids.
 */
const PINNED_LOGICAL_IDS: Record<string, readonly string[]> = {
  'AWS::DynamoDB::Table': ['TablesGroupsF1984F30', 'TablesLicenses414658CC', 'TablesUsersBA34CAA2'],
  // Every license key is derived from the signing key: a new one would invalidate the keys users hold.
  'AWS::SecretsManager::Secret': ['LicenseSigningKey8E600A18', 'TokenSecretC13A4D74'],
  // A new identity would need its address verified again before any license email goes out.
  'AWS::SES::EmailIdentity': ['Sender7138FDB6'],
};

describe('stateful resources', () => {
  const { template } = synthScimStack();

  it.each(Object.entries(PINNED_LOGICAL_IDS))('%s keeps its pinned logical ids', (type, pinned) => {
    const actual = Object.keys(template.findResources(type)).sort();

    expect(actual).toEqual([...pinned].sort());
  });
});
