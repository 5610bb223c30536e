import type { APIGatewayProxyEvent } from 'aws-lambda';
import { deriveLicenseKey } from '../../../lambda/domain/license-keys';
import type { LicenseLookup, LicenseRecord } from '../../../lambda/domain/licenses';
import { createValidateLicenseHandler, untilDeadline } from '../../../lambda/handlers/validate-license';
import type { ServiceConfig } from '../../../lambda/wiring/config';

/**
 * The answer time must not tell a made-up key from a known one: every answer leaves at the deadline after arrival,
 * however many reads it took. A fake clock stands in for time, so nothing here depends on the machine's speed.
 */

const config: ServiceConfig = {
  usersTable: 'users',
  groupsTable: 'groups',
  licensesTable: 'licenses',
  defaultOrgId: 'org-a',
  tokenSecretId: 'token',
};
const secret = Buffer.alloc(32, 7);
const active = deriveLicenseKey(secret, 'org-a', 'license-active');
const revoked = deriveLicenseKey(secret, 'org-a', 'license-revoked');

function harness(readMs: number) {
  let now = 1_000_000;
  const clock = { now: () => new Date(now) };
  const lookup: LicenseLookup = {
    async findByKeyHash(hash) {
      now += readMs;
      if (hash === active.hash) return { license: { status: 'active' } as LicenseRecord, plan: 'pro' };
      if (hash === revoked.hash) return { license: { status: 'revoked' } as LicenseRecord };
      return undefined;
    },
  };
  const handler = createValidateLicenseHandler(config, {
    lookup,
    clock,
    signingKeys: { signingKey: async () => secret },
    logger: { info: () => {}, error: () => {} } as never,
    responseDeadlineMs: 150,
    wait: async (ms) => {
      now += ms;
    },
  });
  return async (licenseKey: string) => {
    const startedAt = now;
    const response = await handler({ body: JSON.stringify({ licenseKey }) } as APIGatewayProxyEvent);
    return { tookMs: now - startedAt, body: JSON.parse(response.body) };
  };
}

describe('license validation timing', () => {
  it.each([0, 40, 149])('answers every kind of key at the deadline when the reads take %i ms', async (readMs) => {
    const validate = harness(readMs);

    const answers = [];
    for (const key of [active.key, revoked.key, deriveLicenseKey(secret, 'org-a', 'never-issued').key, 'ABCDE-FGHJK']) {
      answers.push(await validate(key));
    }

    expect(answers).toEqual([
      { tookMs: 150, body: { valid: true, status: 'active', plan: 'pro' } },
      { tookMs: 150, body: { valid: false } },
      { tookMs: 150, body: { valid: false } },
      { tookMs: 150, body: { valid: false } },
    ]);
  });

  it('answers work that overruns the deadline at its next multiple, not as soon as it is done', async () => {
    const slow = await harness(160)(active.key);

    expect(slow.tookMs).toBe(300);
  });

  it.each([
    [0, 150, 150],
    [150, 150, 0],
    [151, 150, 149],
    [10, 0, 0],
  ])('after %i ms of work with a %i ms deadline waits %i ms', (elapsed, deadline, expected) => {
    expect(untilDeadline(elapsed, deadline)).toBe(expected);
  });
});
