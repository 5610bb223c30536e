import type { EmailIntent } from '../../../lambda/domain/licenses';
import { OutboxRedrive } from '../../../lambda/domain/outbox-redrive';
import { InMemoryLicenseStore } from '../../support/in-memory/licenses';

const NOW = new Date('2026-05-01T12:00:00.000Z');

function intent(orgId: string, eventId: string): EmailIntent {
  return {
    eventId,
    type: 'license-issued',
    orgId,
    licenseId: eventId.split('.')[0] ?? eventId,
    userId: 'user',
    recipient: 'ada@example.com',
    keyHint: 'AB12',
    createdAt: '2026-05-01T08:00:00.000Z',
  };
}

/** An outbox with, in org acme: one unsent, one sent, one refused for good, one held by a live lease; in org beta one unsent. */
async function outbox() {
  const store = new InMemoryLicenseStore();
  for (const [org, id] of [
    ['acme', 'a1.issued'],
    ['acme', 'a2.issued'],
    ['acme', 'a3.issued'],
    ['acme', 'a4.issued'],
    ['beta', 'b1.issued'],
  ] as const) {
    await store.enqueue(intent(org, id));
  }
  await store.markSent(intent('acme', 'a2.issued'), 'message-1', NOW);
  await store.markFailed(intent('acme', 'a3.issued'), 'address rejected', NOW);
  await store.claim(intent('acme', 'a4.issued'), NOW, new Date(NOW.getTime() + 60_000));
  const redrive = new OutboxRedrive({
    store,
    organizations: async () => ['acme', 'beta'],
    clock: { now: () => NOW },
  });
  return { store, redrive };
}

const outcomes = (results: ReadonlyArray<{ orgId: string; eventId: string; outcome: string }>) =>
  results.map(({ orgId, eventId, outcome }) => [orgId, eventId, outcome]);

describe('OutboxRedrive', () => {
  it('requests every unsent email of every organization, leaving failed and leased ones alone', async () => {
    const { store, redrive } = await outbox();
    const requestRedrive = jest.spyOn(store, 'requestRedrive');

    const results = await redrive.redrive();

    expect(outcomes(results)).toEqual([
      ['acme', 'a1.issued', 'requested'],
      ['acme', 'a3.issued', 'failed'],
      ['acme', 'a4.issued', 'in-progress'],
      ['beta', 'b1.issued', 'requested'],
    ]);
    expect(results[1]).toMatchObject({ type: 'license-issued', failedAt: NOW.toISOString() });
    // A failed email is answered without a conditional write.
    expect(requestRedrive.mock.calls.map(([email]) => email.eventId)).toEqual(['a1.issued', 'a4.issued', 'b1.issued']);
    expect(requestRedrive.mock.calls.every(([, at, includeFailed]) => at === NOW && !includeFailed)).toBe(true);
    expect(store.outboxOf('acme').map((item) => item.redriveRequestedAt)).toEqual([
      NOW.toISOString(),
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('redrives one organization only when asked, and failed emails too with includeFailed', async () => {
    const { store, redrive } = await outbox();

    const results = await redrive.redrive({ orgId: 'acme', includeFailed: true });

    expect(outcomes(results)).toEqual([
      ['acme', 'a1.issued', 'requested'],
      ['acme', 'a3.issued', 'requested'],
      ['acme', 'a4.issued', 'in-progress'],
    ]);
    const failedAgain = store.outboxOf('acme')[2];
    expect(failedAgain).toMatchObject({ redriveRequestedAt: NOW.toISOString() });
    expect(failedAgain?.failedAt).toBeUndefined();
    expect(store.outboxOf('beta')[0]?.redriveRequestedAt).toBeUndefined();
  });

  it('answers an empty list when nothing is unsent', async () => {
    const store = new InMemoryLicenseStore();
    const redrive = new OutboxRedrive({ store, organizations: async () => ['acme'], clock: { now: () => NOW } });

    await expect(redrive.redrive()).resolves.toEqual([]);
  });
});
