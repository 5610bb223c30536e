import { isDeliverableAddress } from '../../../lambda/domain/email-address';
import { DEFAULT_EMAIL_BUDGET } from '../../../lambda/domain/email-budget';
import { escapeHtml, renderLicenseIssued, renderLicenseRevoked } from '../../../lambda/domain/email-templates';
import { deriveLicenseKey, LicenseKeys } from '../../../lambda/domain/license-keys';
import {
  type ClaimResult,
  EmailInProgressError,
  LicenseEmailDispatcher,
  type Mailer,
  type OutboxStore,
  type OutgoingEmail,
  PermanentDeliveryError,
  SentButNotRecordedError,
} from '../../../lambda/domain/license-mail';
import type { EmailIntent } from '../../../lambda/domain/licenses';
import { InMemoryEmailBudgetStore } from '../../support/in-memory/email-budget';

const SECRET = Buffer.from('m'.repeat(40));
const NOW = new Date('2026-03-01T10:00:00.000Z');
const BRANDING = { productName: 'Acme Studio' };

/** The outbox item's mailer-owned state, with the same rules as the conditional writes of the DynamoDB adapter. */
class FakeOutbox implements OutboxStore {
  readonly items = new Map<string, { leaseUntil?: number; sentAt?: Date; messageId?: string; failure?: string }>();
  markSentFails: Error | undefined;

  add(intent: EmailIntent): void {
    this.items.set(intent.eventId, {});
  }

  async claim(intent: EmailIntent, now: Date, leaseUntil: Date): Promise<ClaimResult> {
    const item = this.items.get(intent.eventId);
    if (!item) return 'gone';
    if (item.sentAt || item.failure) return 'already-sent';
    if (item.leaseUntil !== undefined && item.leaseUntil >= now.getTime()) return 'in-progress';
    const abandoned = item.leaseUntil !== undefined;
    item.leaseUntil = leaseUntil.getTime();
    return abandoned ? 'reclaimed' : 'claimed';
  }

  async markSent(intent: EmailIntent, messageId: string, at: Date): Promise<void> {
    if (this.markSentFails) throw this.markSentFails;
    const item = this.items.get(intent.eventId)!;
    item.sentAt = at;
    item.messageId = messageId;
    item.leaseUntil = undefined;
  }

  async markFailed(intent: EmailIntent, reason: string): Promise<void> {
    const item = this.items.get(intent.eventId)!;
    item.failure = reason;
    item.leaseUntil = undefined;
  }

  async release(intent: EmailIntent): Promise<void> {
    const item = this.items.get(intent.eventId);
    if (item) item.leaseUntil = undefined;
  }

  async markHeld(intent: EmailIntent): Promise<void> {
    await this.release(intent);
  }
}

class FakeMailer implements Mailer {
  readonly sent: OutgoingEmail[] = [];
  failWith: Error | undefined;

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    if (this.failWith) throw this.failWith;
    this.sent.push(email);
    return { messageId: `msg-${this.sent.length}` };
  }
}

const issued: EmailIntent = {
  eventId: 'lic-1.issued',
  type: 'license-issued',
  orgId: 'default',
  licenseId: 'lic-1',
  userId: 'user-1',
  recipient: 'ada@example.com',
  keyHint: 'ABCD',
  displayName: 'Ada',
  createdAt: NOW.toISOString(),
};

const revoked: EmailIntent = {
  ...issued,
  eventId: 'lic-1.revoked',
  type: 'license-revoked',
  reason: 'deactivated',
};

function setup() {
  const outbox = new FakeOutbox();
  const mailer = new FakeMailer();
  let now = NOW;
  const dispatcher = new LicenseEmailDispatcher({
    outbox,
    mailer,
    keys: new LicenseKeys({ signingKey: async () => SECRET }),
    branding: BRANDING,
    clock: { now: () => now },
    leaseMs: 60_000,
  });
  return { outbox, mailer, dispatcher, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

describe('LicenseEmailDispatcher with email budgets', () => {
  function budgeted() {
    const outbox = new FakeOutbox();
    const mailer = new FakeMailer();
    const store = new InMemoryEmailBudgetStore();
    let now = NOW;
    const dispatcher = new LicenseEmailDispatcher({
      outbox,
      mailer,
      keys: new LicenseKeys({ signingKey: async () => SECRET }),
      branding: BRANDING,
      clock: { now: () => now },
      budget: { store },
    });
    const advance = (ms: number) => {
      now = new Date(now.getTime() + ms);
    };
    return { outbox, mailer, store, dispatcher, advance, now: () => now };
  }

  /** The intents of a user created and deleted `times` times, in order, a second apart. */
  function createDeleteLoop(times: number, recipient = 'ada@example.com'): EmailIntent[] {
    return Array.from({ length: times }, (_, n) => {
      const createdAt = (offset: number) => new Date(NOW.getTime() + (2 * n + offset) * 1000).toISOString();
      const licenseId = `lic-loop-${n}`;
      return [
        { ...issued, eventId: `${licenseId}.issued`, licenseId, recipient, createdAt: createdAt(0) },
        {
          ...revoked,
          eventId: `${licenseId}.revoked`,
          licenseId,
          recipient,
          reason: 'deleted' as const,
          createdAt: createdAt(1),
        },
      ];
    }).flat();
  }

  it('sends a create/delete loop of 20 at most the budget, then the final state once the window reopens', async () => {
    const { outbox, mailer, dispatcher, advance } = budgeted();
    const intents = createDeleteLoop(20);
    const byId = new Map(intents.map((intent) => [intent.eventId, intent]));
    const outcomes: string[] = [];
    for (const intent of intents) {
      outbox.add(intent);
      outcomes.push(await dispatcher.dispatch(intent));
      advance(1000);
    }
    const sentInWindow = mailer.sent.length;
    const releasedEarly = await dispatcher.releaseDue(async () => undefined);

    advance(DEFAULT_EMAIL_BUDGET.windowMs);
    const redriven: string[] = [];
    await dispatcher.releaseDue(async (held) => {
      redriven.push(held.eventId);
      const intent = byId.get(held.eventId);
      if (intent) await dispatcher.dispatch(intent);
    });
    const releasedAgain = await dispatcher.releaseDue(async () => undefined);

    expect(sentInWindow).toBe(DEFAULT_EMAIL_BUDGET.perRecipient);
    expect(outcomes.filter((outcome) => outcome === 'held')).toHaveLength(40 - DEFAULT_EMAIL_BUDGET.perRecipient);
    expect(releasedEarly).toBe(0);
    expect(redriven).toEqual(['lic-loop-19.revoked']);
    expect(mailer.sent).toHaveLength(DEFAULT_EMAIL_BUDGET.perRecipient + 1);
    expect(mailer.sent.at(-1)).toMatchObject({ to: 'ada@example.com', eventId: 'lic-loop-19.revoked' });
    expect(mailer.sent.at(-1)?.subject).toMatch(/deactivated|revoked|deleted/i);
    expect(releasedAgain).toBe(0);
  });

  it('drops a held email when a later one is sent in the next window: the user is told the newer state', async () => {
    const { outbox, mailer, dispatcher, advance } = budgeted();
    const [first, ...rest] = createDeleteLoop(3);
    for (const intent of [first, ...rest].slice(0, 4)) {
      if (!intent) continue;
      outbox.add(intent);
      await dispatcher.dispatch(intent);
    }
    advance(DEFAULT_EMAIL_BUDGET.windowMs);
    const [later] = createDeleteLoop(1).map((intent) => ({
      ...intent,
      eventId: 'lic-late.issued',
      licenseId: 'lic-late',
      createdAt: new Date(NOW.getTime() + DEFAULT_EMAIL_BUDGET.windowMs).toISOString(),
    }));
    outbox.add(later as EmailIntent);

    const outcome = await dispatcher.dispatch(later as EmailIntent);

    expect(outcome).toBe('sent');
    expect(await dispatcher.releaseDue(async () => undefined)).toBe(0);
    expect(mailer.sent.map((email) => email.eventId)).toEqual([
      'lic-loop-0.issued',
      'lic-loop-0.revoked',
      'lic-loop-1.issued',
      'lic-late.issued',
    ]);
  });

  it('does not spend the budget on sends that failed and are retried', async () => {
    const { outbox, mailer, dispatcher } = budgeted();
    outbox.add(issued);
    mailer.failWith = new Error('connect ECONNREFUSED');
    for (let attempt = 0; attempt < 5; attempt++) await expect(dispatcher.dispatch(issued)).rejects.toThrow();
    mailer.failWith = undefined;

    const outcome = await dispatcher.dispatch(issued);

    expect(outcome).toBe('sent');
    expect(mailer.sent.map((email) => email.eventId)).toEqual(['lic-1.issued']);
  });

  it('keeps each recipient to its own budget and the organization to its total', async () => {
    const { outbox, mailer, store, dispatcher } = budgeted();
    const intents = ['a', 'b', 'c'].flatMap((name) =>
      createDeleteLoop(2, `${name}@example.com`).map((intent) => ({
        ...intent,
        eventId: `${name}-${intent.eventId}`,
      })),
    );
    for (const intent of intents) {
      outbox.add(intent);
      await dispatcher.dispatch(intent);
    }

    const usage = await store.usage('default', NOW, DEFAULT_EMAIL_BUDGET);

    expect(mailer.sent).toHaveLength(9);
    expect(new Set(mailer.sent.map((email) => email.to))).toEqual(
      new Set(['a@example.com', 'b@example.com', 'c@example.com']),
    );
    expect(usage).toEqual({ limits: DEFAULT_EMAIL_BUDGET, sentThisWindow: 9, held: 3 });
    const tight = await store.take({ ...issued, recipient: 'd@example.com', eventId: 'd' }, NOW, {
      ...DEFAULT_EMAIL_BUDGET,
      perOrganization: 9,
    });
    expect(tight).toBe('held');
  });
});

describe('isDeliverableAddress', () => {
  it.each(['ada@example.com', 'first.last+tag@sub.example.co.uk', 'jürgen@bücher.de'])('accepts %s', (address) => {
    expect(isDeliverableAddress(address)).toBe(true);
  });

  it.each([
    'ada@example.com\r\nBcc: victim@example.org',
    'ada@example.com\nBcc: victim@example.org',
    'ada@example.com, victim@example.org',
    'ada@example.com;victim@example.org',
    'Ada <ada@example.com>',
    'ada@localhost',
    'ada@@example.com',
    'ada@example..com',
    '.ada@example.com',
    'ada',
    '',
    `${'a'.repeat(65)}@example.com`,
    `ada@${'a'.repeat(250)}.com`,
  ])('refuses %j', (address) => {
    expect(isDeliverableAddress(address)).toBe(false);
  });
});

describe('LicenseEmailDispatcher', () => {
  it('sends the issued email with the derived key, tagged with its license for feedback, and records the send', async () => {
    const { outbox, mailer, dispatcher } = setup();
    outbox.add(issued);

    const outcome = await dispatcher.dispatch(issued);

    const key = deriveLicenseKey(SECRET, 'default', 'lic-1').key;
    expect(outcome).toBe('sent');
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]).toMatchObject({
      to: 'ada@example.com',
      subject: 'Your Acme Studio license key',
      eventId: 'lic-1.issued',
      tags: { event: 'license-issued', org: 'default', license: 'lic-1', user: 'user-1' },
    });
    expect(mailer.sent[0]?.text).toContain(key);
    expect(mailer.sent[0]?.html).toContain(key);
    expect(outbox.items.get('lic-1.issued')).toMatchObject({ messageId: 'msg-1', sentAt: NOW });
  });

  it('sends nothing when a retried record was already sent', async () => {
    const { outbox, mailer, dispatcher } = setup();
    outbox.add(issued);
    await dispatcher.dispatch(issued);

    const outcome = await dispatcher.dispatch(issued);

    expect(outcome).toBe('already-sent');
    expect(mailer.sent).toHaveLength(1);
  });

  it('gives the lease back when sending fails, so the retry sends at once', async () => {
    const { outbox, mailer, dispatcher } = setup();
    outbox.add(issued);
    mailer.failWith = new Error('connect ECONNREFUSED');

    await expect(dispatcher.dispatch(issued)).rejects.toThrow('ECONNREFUSED');
    mailer.failWith = undefined;
    const outcome = await dispatcher.dispatch(issued);

    expect(outcome).toBe('sent');
    expect(mailer.sent).toHaveLength(1);
  });

  it('does not send while another worker holds the lease, and once it expired sends again, saying so', async () => {
    const { outbox, mailer, dispatcher, advance } = setup();
    outbox.add(issued);
    await outbox.claim(issued, NOW, new Date(NOW.getTime() + 60_000));

    await expect(dispatcher.dispatch(issued)).rejects.toThrow(EmailInProgressError);
    advance(60_001);
    const outcome = await dispatcher.dispatch(issued);

    expect(outcome).toBe('sent-again');
    expect(mailer.sent).toHaveLength(1);
  });

  it('reports an email the provider accepted but that could not be marked sent as sent, not as failed', async () => {
    const { outbox, mailer, dispatcher } = setup();
    outbox.add(issued);
    outbox.markSentFails = new Error('ProvisionedThroughputExceededException');

    const failure = await dispatcher.dispatch(issued).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(SentButNotRecordedError);
    expect(failure).toMatchObject({ messageId: 'msg-1' });
    expect(mailer.sent).toHaveLength(1);
  });

  it('marks a message the provider refuses for good as failed and never retries it', async () => {
    const { outbox, mailer, dispatcher } = setup();
    outbox.add(revoked);
    mailer.failWith = new PermanentDeliveryError('SES refused the message: MessageRejected');

    const first = await dispatcher.dispatch(revoked);
    mailer.failWith = undefined;
    const second = await dispatcher.dispatch(revoked);

    expect(first).toBe('rejected');
    expect(second).toBe('already-sent');
    expect(mailer.sent).toHaveLength(0);
    expect(outbox.items.get('lic-1.revoked')?.failure).toContain('MessageRejected');
  });

  it('skips an intent whose outbox item expired', async () => {
    const { mailer, dispatcher } = setup();

    const outcome = await dispatcher.dispatch(issued);

    expect(outcome).toBe('gone');
    expect(mailer.sent).toHaveLength(0);
  });

  it('sends the deactivation notice naming the key by its last characters, without the key', async () => {
    const { outbox, mailer, dispatcher } = setup();
    outbox.add(revoked);

    await dispatcher.dispatch(revoked);

    const key = deriveLicenseKey(SECRET, 'default', 'lic-1').key;
    expect(mailer.sent[0]?.subject).toBe('Your Acme Studio license has been deactivated');
    expect(mailer.sent[0]?.text).toContain('ending in ABCD');
    expect(mailer.sent[0]?.text).not.toContain(key);
  });

  it('tells the user its new plan and that the key stays, without the key', async () => {
    const { outbox, mailer, dispatcher } = setup();
    const planChanged: EmailIntent = { ...issued, eventId: 'lic-1.plan.1', type: 'plan-changed', plan: 'pro' };
    const toDefault: EmailIntent = { ...planChanged, eventId: 'lic-1.plan.2', plan: undefined };
    outbox.add(planChanged);
    outbox.add(toDefault);

    await dispatcher.dispatch(planChanged);
    await dispatcher.dispatch(toDefault);

    const key = deriveLicenseKey(SECRET, 'default', 'lic-1').key;
    expect(mailer.sent.map((email) => email.subject)).toEqual([
      'Your Acme Studio license is now on the pro plan',
      'Your Acme Studio license is now on the standard plan',
    ]);
    expect(mailer.sent[0]?.text).toContain('ending in ABCD stays the same');
    expect(mailer.sent[0]?.tags).toEqual({ event: 'plan-changed', org: 'default', license: 'lic-1', user: 'user-1' });
    expect(mailer.sent[0]?.text).not.toContain(key);
  });
});

describe('email templates', () => {
  const hostile = '<script>alert("x")</script> & Co';

  it('escapes user values in the HTML part and keeps them readable in the text part', () => {
    const email = renderLicenseIssued({ displayName: hostile, licenseKey: 'AAAAA-BBBBB' }, BRANDING);

    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain(escapeHtml(hostile));
    expect(email.text).toContain(`Hello ${hostile},`);
    expect(email.text).toContain('AAAAA-BBBBB');
    expect(email.text).toMatch(/To activate it:\n {2}1\. Open Acme Studio\./);
  });

  it('escapes the product name, and keeps control characters out of the subject', () => {
    const email = renderLicenseRevoked({ keyHint: 'ABCD' }, { productName: 'A&B\r\nBcc: x@example.com' });

    expect(email.subject).toBe('Your A&B Bcc: x@example.com license has been deactivated');
    expect(email.html).toContain('A&amp;B');
    expect(email.text).toMatch(/^Hello,\n/);
  });

  it('greets by name when there is one', () => {
    const email = renderLicenseRevoked({ keyHint: 'ABCD', displayName: 'Ada', reason: 'deleted' }, BRANDING);

    expect(email.text).toMatch(/^Hello Ada,\n/);
    expect(email.text).toContain('removed from the application');
  });
});

describe('LicenseEmailDispatcher leases and errors', () => {
  it('takes a send lease of the configured length, two minutes by default', async () => {
    const { outbox, dispatcher } = setup();
    outbox.add(issued);
    const claim = jest.spyOn(outbox, 'claim');
    const defaults = new LicenseEmailDispatcher({
      outbox,
      mailer: new FakeMailer(),
      keys: new LicenseKeys({ signingKey: async () => SECRET }),
      branding: BRANDING,
      clock: { now: () => NOW },
    });

    await dispatcher.dispatch(issued);
    outbox.add(revoked);
    await defaults.dispatch(revoked);

    expect(claim.mock.calls.map(([, now, until]) => [now.toISOString(), until.getTime() - NOW.getTime()])).toEqual([
      [NOW.toISOString(), 60_000],
      [NOW.toISOString(), 120_000],
    ]);
  });

  it('says which email another worker is sending', async () => {
    const { outbox, dispatcher } = setup();
    outbox.add(issued);
    await outbox.claim(issued, NOW, new Date(NOW.getTime() + 60_000));

    await expect(dispatcher.dispatch(issued)).rejects.toThrow(
      new EmailInProgressError('email lic-1.issued is being sent by another worker'),
    );
  });

  it('says a retry will send again when a sent email could not be marked sent, keeping the cause', async () => {
    const { outbox, dispatcher } = setup();
    outbox.add(issued);
    const cause = new Error('ProvisionedThroughputExceededException');
    outbox.markSentFails = cause;

    const failure = await dispatcher.dispatch(issued).catch((error: unknown) => error);

    expect(failure).toMatchObject({
      message: 'the email was sent, but marking it sent failed; a retry will send it again',
      cause,
    });
  });
});
