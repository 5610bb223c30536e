import { NotFoundError } from '../../../lambda/domain/errors';
import { LicenseResend, NoRecipientError } from '../../../lambda/domain/license-resend';
import type { EmailIntent, LicenseRecord } from '../../../lambda/domain/licenses';
import { type UserProfile, UserService } from '../../../lambda/domain/users';
import { idAt } from '../../support/contracts/records';
import { InMemoryUserRepository } from '../../support/in-memory/users';

const ORG = 'acme';
const AT = new Date('2026-05-01T08:00:00.000Z');

function sequentialIds(): () => string {
  let n = 1;
  return () => idAt(n++);
}

function profile(userName: string, extra: Partial<UserProfile> = {}): UserProfile {
  return {
    userName,
    active: true,
    lookupEmail: userName.toLowerCase(),
    emails: [{ value: userName.toLowerCase(), type: 'work' }],
    document: { userName, name: { givenName: 'Ada' } },
    ...extra,
  };
}

function license(userId: string): LicenseRecord {
  return {
    orgId: ORG,
    licenseId: idAt(900),
    userId,
    status: 'active',
    keyHint: 'AB12',
    keyHash: 'hash',
    issuedAt: '2026-04-01T00:00:00.000Z',
  };
}

function setup() {
  const repository = new InMemoryUserRepository();
  const users = new UserService(repository, { newId: sequentialIds() });
  const active = new Map<string, LicenseRecord>();
  const sent: EmailIntent[] = [];
  const resend = new LicenseResend({
    users: repository,
    licenses: { activeLicenseOf: async (orgId, userId) => (orgId === ORG ? active.get(userId) : undefined) },
    outbox: { enqueue: async (intent) => void sent.push(intent) },
    clock: { now: () => AT },
  });
  const licensed = async (p: UserProfile) => {
    const user = await users.create(ORG, p);
    active.set(user.id, license(user.id));
    return user;
  };
  return { users, resend, sent, licensed };
}

describe('LicenseResend', () => {
  it('queues the license email again, as a new event, to the user found by userName in any case', async () => {
    const { resend, sent, licensed } = setup();
    const user = await licensed(profile('Ada@Example.com'));

    const result = await resend.resend(ORG, 'ADA@example.com');

    const eventId = `${idAt(900)}.resent.${AT.getTime()}`;
    expect(sent).toEqual([
      {
        eventId,
        type: 'license-issued',
        orgId: ORG,
        licenseId: idAt(900),
        userId: user.id,
        recipient: 'ada@example.com',
        keyHint: 'AB12',
        displayName: 'Ada',
        createdAt: AT.toISOString(),
      },
    ]);
    expect(result).toEqual({
      orgId: ORG,
      userId: user.id,
      userName: 'Ada@Example.com',
      licenseId: idAt(900),
      keyHint: 'AB12',
      recipient: 'ada@example.com',
      eventId,
    });
  });

  it('sends to the first email, trimmed, when the user has no lookup email, and greets no one without a name', async () => {
    const { resend, sent, licensed } = setup();
    await licensed(
      profile('ada', {
        lookupEmail: undefined,
        emails: [{ value: '  ada@home.example ' }, { value: 'ada@work.example' }],
        document: { userName: 'ada' },
      }),
    );

    const result = await resend.resend(ORG, 'ada');

    expect(result.recipient).toBe('ada@home.example');
    expect(sent[0]?.recipient).toBe('ada@home.example');
    expect(sent[0]).not.toHaveProperty('displayName');
  });

  it.each([
    ['no email at all', { lookupEmail: undefined, emails: [] }],
    ['only a blank email', { lookupEmail: '   ', emails: [] }],
  ])('refuses a user with %s, and queues nothing', async (_, extra) => {
    const { resend, sent, licensed } = setup();
    await licensed(profile('ada', extra));

    const resending = resend.resend(ORG, 'ada');

    await expect(resending).rejects.toThrow(NoRecipientError);
    await expect(resending).rejects.toThrow('user ada has no email address to send the license to');
    expect(sent).toEqual([]);
  });

  it('answers NotFound for a userName the organization does not have', async () => {
    const { resend, sent, licensed } = setup();
    await licensed(profile('ada'));

    const resending = resend.resend(ORG, 'grace');

    await expect(resending).rejects.toThrow(new NotFoundError('organization acme has no user grace'));
    expect(sent).toEqual([]);
  });

  it('answers NotFound for a user without an active license, saying when an inactive one gets one', async () => {
    const { resend, sent, users } = setup();
    await users.create(ORG, profile('ada'));
    await users.create(ORG, profile('grace', { active: false }));

    await expect(resend.resend(ORG, 'ada')).rejects.toThrow(new NotFoundError('user ada has no active license'));
    await expect(resend.resend(ORG, 'grace')).rejects.toThrow(
      new NotFoundError('user grace has no active license (inactive users get one when reactivated)'),
    );
    expect(sent).toEqual([]);
  });
});
