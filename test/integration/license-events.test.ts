import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from '../../cli/commands';
import { localTarget } from '../../cli/targets';
import {
  LICENSE_EVENT_SCHEMAS,
  LICENSE_EVENT_SOURCE,
  LICENSE_EVENT_TYPES,
  type LicenseEventType,
} from '../../lambda/contract/license-events';
import { createEmailFeedbackHandler } from '../../lambda/handlers/email-feedback';
import { localAdapters } from '../../local/local-adapters';
import { LOCAL_EVENTS_PATH, type RecordedEvent } from '../../local/local-event-bus';
import { type LocalStack, startLocalStack } from '../../local/local-stack';
import { findFreePort } from '../../local/ports';
import { validateAgainstSchema } from '../support/json-schema';

/**
 * License events end to end on the local stack: SCIM changes over HTTP, the stream poller feeding the licenses
 * table's stream to the events handler, the local bus recording what it published, read back over HTTP and checked
 * against the documented schemas.
 */

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

describe('license events on the local stack', () => {
  let stack: LocalStack;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'license-events-'));
    stack = await startLocalStack({
      port: await findFreePort(),
      dynamoDbPort: await findFreePort(),
      mailPort: await findFreePort(),
      dataDir,
      seats: 1,
      authorizerCacheTtlSeconds: 0,
    });
  });

  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  // biome-ignore lint/suspicious/noExplicitAny: tests navigate SCIM bodies.
  async function scim(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`${stack.scimBaseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${stack.token}`, 'Content-Type': 'application/scim+json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  }

  async function recordedEvents(): Promise<RecordedEvent[]> {
    const response = await fetch(`${stack.api.url}${LOCAL_EVENTS_PATH}`);
    expect(response.headers.get('content-type')).toContain('application/json');
    return ((await response.json()) as { events: RecordedEvent[] }).events;
  }

  it('records issued, revoked, deprovisioned and seats exhausted, each matching its documented schema', async () => {
    const created = await scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'jane@acme.example',
      active: true,
      emails: [{ value: 'jane@acme.example', primary: true }],
    });
    const refused = await scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'joe@acme.example',
      active: true,
      emails: [{ value: 'joe@acme.example', primary: true }],
    });
    const deactivated = await scim('PATCH', `/Users/${created.body.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    await stack.licenseEvents.poller.waitUntilIdle(60_000);

    const events = await recordedEvents();

    expect([created.status, refused.status, deactivated.status]).toEqual([201, 403, 200]);
    const types = events.map((event) => event['detail-type']);
    expect(types).toEqual(
      expect.arrayContaining([
        LICENSE_EVENT_TYPES.licenseIssued,
        LICENSE_EVENT_TYPES.seatsExhausted,
        LICENSE_EVENT_TYPES.licenseRevoked,
        LICENSE_EVENT_TYPES.userDeprovisioned,
      ]),
    );
    expect(events).toHaveLength(4);
    for (const event of events) {
      expect(event.source).toBe(LICENSE_EVENT_SOURCE);
      expect({
        type: event['detail-type'],
        problems: validateAgainstSchema(event.detail, LICENSE_EVENT_SCHEMAS[event['detail-type'] as LicenseEventType]),
      }).toEqual({ type: event['detail-type'], problems: [] });
    }
    const byType = new Map(events.map((event) => [event['detail-type'], event.detail]));
    const issued = byType.get(LICENSE_EVENT_TYPES.licenseIssued);
    expect(issued).toEqual(expect.objectContaining({ orgId: 'default', userId: created.body.id }));
    expect(byType.get(LICENSE_EVENT_TYPES.licenseRevoked)).toEqual(
      expect.objectContaining({ licenseId: issued?.licenseId, reason: 'deactivated' }),
    );
    expect(byType.get(LICENSE_EVENT_TYPES.userDeprovisioned)).toEqual(
      expect.objectContaining({
        userId: created.body.id,
        userName: 'jane@acme.example',
        operation: 'deactivate',
        licenseId: issued?.licenseId,
      }),
    );
    expect(byType.get(LICENSE_EVENT_TYPES.seatsExhausted)).toEqual(
      expect.objectContaining({ userName: 'joe@acme.example', method: 'POST', detail: refused.body.detail }),
    );
    expect(new Set(events.map((event) => event.detail.eventId)).size).toBe(4);
  });

  /** `npm run admin -- <args> --local --json` against this stack, in process. */
  // biome-ignore lint/suspicious/noExplicitAny: tests navigate the command's JSON.
  async function admin(...args: string[]): Promise<any> {
    const saved = { ...process.env };
    Object.assign(process.env, {
      DATA_DIR: stack.settings.dataDir,
      PORT: String(stack.settings.port),
      DYNAMODB_PORT: String(stack.settings.dynamoDbPort),
      MAIL_PORT: String(stack.settings.mailPort),
    });
    try {
      const parsed = parse([...args, '--local', '--json']);
      if (parsed === 'help') throw new Error('usage');
      const target = await localTarget();
      return (await parsed.command.run(target, parsed.values, () => {})).json;
    } finally {
      process.env = saved;
    }
  }

  it('writes an SES bounce back to the license, the activity log and a License Email Bounced event, once', async () => {
    const userName = 'ada@acme.example';
    const created = await scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName,
      active: true,
      emails: [{ value: userName, primary: true }],
    });
    await stack.licenseEvents.poller.waitUntilIdle(60_000);
    const issued = (await recordedEvents()).find(
      (event) => event['detail-type'] === LICENSE_EVENT_TYPES.licenseIssued && event.detail.userId === created.body.id,
    );
    const bouncedAt = new Date(Date.now() + 1_000).toISOString();
    const bounce = {
      source: 'aws.ses',
      'detail-type': 'Email Bounced',
      detail: {
        eventType: 'Bounce',
        mail: {
          messageId: 'message-1',
          timestamp: '2026-11-29T10:00:00.000Z',
          tags: {
            'ses:configuration-set': ['license-mail'],
            event: ['license-issued'],
            org: ['default'],
            license: [String(issued?.detail.licenseId)],
            user: [created.body.id],
          },
        },
        bounce: {
          bounceType: 'Permanent',
          bounceSubType: 'General',
          feedbackId: 'feedback-1',
          timestamp: bouncedAt,
          bouncedRecipients: [{ emailAddress: userName }],
        },
      },
    };
    const feedback = createEmailFeedbackHandler(stack.config, localAdapters(stack.config));

    const first = await feedback(bounce);
    const repeated = await feedback(bounce);
    await stack.licenseEvents.poller.waitUntilIdle(60_000);

    expect([first, repeated]).toEqual([{ result: 'recorded' }, { result: 'already-recorded' }]);
    const bounced = (await recordedEvents()).filter(
      (event) => event['detail-type'] === LICENSE_EVENT_TYPES.emailBounced,
    );
    expect(bounced.map((event) => event.detail)).toEqual([
      {
        eventId: `default/${issued?.detail.licenseId}/email-bounced/feedback-1`,
        orgId: 'default',
        occurredAt: bouncedAt,
        licenseId: issued?.detail.licenseId,
        userId: created.body.id,
        email: 'license-issued',
        bounceType: 'Permanent',
      },
    ]);
    expect(validateAgainstSchema(bounced[0]?.detail, LICENSE_EVENT_SCHEMAS[LICENSE_EVENT_TYPES.emailBounced])).toEqual(
      [],
    );
    const shown = await admin('license', 'show', '--org', 'default', '--user', userName);
    expect(shown.licenses[0].emails).toEqual([
      expect.objectContaining({ type: 'license-issued', status: 'bounced', feedbackAt: bouncedAt }),
    ]);
    const activity = await admin('activity', '--org', 'default', '--user', userName, '--since', '1h');
    expect(activity.activity.map((record: { operation: string }) => record.operation)).toEqual([
      'create',
      'email feedback',
    ]);
    expect(activity.activity[1]).toMatchObject({
      name: userName,
      licenseEffects: ['email bounced'],
      licenseId: issued?.detail.licenseId,
      detail: 'license-issued email bounced (Permanent)',
    });
  });
});
