import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand, PutItemCommand, QueryCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import {
  createLicenseWriteTranslator,
  LicensedUserRepository,
  outboxToItem,
} from '../../lambda/adapters/dynamodb-license-writes';
import { DynamoOutboxRedriveStore } from '../../lambda/adapters/dynamodb-outbox';
import { DynamoUserRepository } from '../../lambda/adapters/dynamodb-user-repository';
import { EVENT_ID_HEADER } from '../../lambda/adapters/ses-mailer';
import { isOutboxDelivery, isOutboxInsert } from '../../lambda/contract/outbox-stream-filter';
import { systemClock } from '../../lambda/domain/clock';
import { SeatLimitError } from '../../lambda/domain/errors';
import { type EmailIntent, LicensePolicy } from '../../lambda/domain/licenses';
import { OutboxRedrive, type RedrivenEmail, type RedriveOptions } from '../../lambda/domain/outbox-redrive';
import { UserService } from '../../lambda/domain/users';
import { createMailerHandler } from '../../lambda/handlers/mailer';
import { createValidateLicenseHandler } from '../../lambda/handlers/validate-license';
import type { ServiceConfig } from '../../lambda/wiring/config';
import { licenseKeysFor } from '../../lambda/wiring/licensing';
import { startApiServer } from '../../local/api-gateway-adapter';
import { ensureLocalSigningKey, LOCAL_SIGNING_KEY_SECRET_ID } from '../../local/license-signing-key';
import { type LocalServiceConfig, localAdapters } from '../../local/local-adapters';
import { localSecretPath } from '../../local/local-secrets';
import { type LocalStack, startLocalStack } from '../../local/local-stack';
import { findFreePort } from '../../local/ports';
import { type SesLocalHandle, startSesLocal } from '../../local/ses-local';
import { type StreamPoller, startStreamPoller } from '../../local/stream-poller';
import { testConfig, testDynamoDbClient } from '../support/dynamodb';
import { emailsTo, headerOf, sesEndpoint, waitForEmails } from '../support/ses-local';

/**
 * Licenses end to end over HTTP: the local API Gateway emulation in front of the real SCIM and validation handlers,
 * DynamoDB Local, the stream poller feeding the real mailer handler, and aws-ses-v2-local receiving the emails.
 * No mocks of either emulator.
 */

const SENDER = 'licenses@example.com';
const SIGNING_KEY_SECRET_ID = 'test/license-signing-key';
const KEY_IN_TEXT = /\b([0-9A-HJKMNP-TV-Z]{5}(?:-[0-9A-HJKMNP-TV-Z]{5}){5})\b/;
const deactivate = {
  schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
  Operations: [{ op: 'replace', value: { active: false } }],
};
const reactivate = {
  schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
  Operations: [{ op: 'replace', value: { active: true } }],
};

interface Response {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests navigate arbitrary JSON bodies.
  readonly body: any;
  readonly text: string;
}

interface LicenseStack {
  readonly config: LocalServiceConfig;
  readonly poller: StreamPoller;
  /** The scheduled sweep of held emails, as EventBridge invokes the mailer. */
  sweep(): Promise<unknown>;
  scim(method: string, path: string, body?: unknown): Promise<Response>;
  validate(body: unknown): Promise<Response>;
  close(): Promise<void>;
}

async function startLicenseStack(options: {
  label: string;
  seats?: number;
  ses: string;
  /** The event source mapping's filter. @default isOutboxDelivery, as deployed */
  filter?: (record: DynamoDBRecord) => boolean;
  /** The mailer's clock (what the email budget's windows follow). @default the system clock */
  mailerClock?: { now(): Date };
}): Promise<LicenseStack> {
  const base = await testConfig({ label: options.label });
  ensureLocalSigningKey(base.config.localSecretsDir!, SIGNING_KEY_SECRET_ID);
  const config: LocalServiceConfig = {
    ...base.config,
    signingKeySecretId: SIGNING_KEY_SECRET_ID,
    senderEmail: SENDER,
    sesEndpoint: options.ses,
    productName: 'Acme Studio',
    ...(options.seats !== undefined ? { defaultOrgSeats: options.seats } : {}),
  };
  const server = await startApiServer({
    port: 0,
    config,
    authorizerCacheTtlSeconds: 0,
    extraRoutes: [
      {
        method: 'POST',
        path: '/licenses/validate',
        handler: createValidateLicenseHandler(config, localAdapters(config)),
      },
    ],
  });
  const mailer = createMailerHandler(config, {
    ...localAdapters(config),
    failureDelayMs: () => 0,
    ...(options.mailerClock ? { clock: options.mailerClock } : {}),
  });
  const poller = await startStreamPoller({
    endpoint: config.dynamoEndpoint!,
    tableName: config.licensesTable,
    handler: mailer,
    filter: options.filter ?? isOutboxDelivery,
    pollIntervalMs: 50,
    retryDelayMs: 100,
    maxRetryDelayMs: 400,
  });
  const call = async (url: string, method: string, headers: Record<string, string>, body?: unknown) => {
    const response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, text };
  };
  return {
    config,
    poller,
    sweep: () => mailer({ sweep: 'held-emails' }),
    scim: (method, path, body) =>
      call(
        `${server.scimBaseUrl}${path}`,
        method,
        { Authorization: `Bearer ${base.token}`, 'Content-Type': 'application/scim+json; charset=utf-8' },
        body,
      ),
    validate: (body) => call(`${server.url}/licenses/validate`, 'POST', { 'Content-Type': 'application/json' }, body),
    async close() {
      await poller.stop();
      await server.close();
      await base.cleanup();
    },
  };
}

/** An Okta-style create body with a recipient address no other test uses. */
function newUser(active = true) {
  const email = `user-${randomUUID().slice(0, 8)}@example.com`;
  return {
    email,
    body: {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: email,
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ primary: true, value: email, type: 'work' }],
      displayName: 'Ada Lovelace',
      locale: 'en-US',
      groups: [],
      password: 'placeholder-Okta-sends',
      active,
    },
  };
}

function keyFrom(text: string | undefined): string {
  const key = KEY_IN_TEXT.exec(text ?? '')?.[1];
  if (!key) throw new Error('no license key in the email');
  return key;
}

async function licensesOf(config: ServiceConfig, userId: string): Promise<Record<string, unknown>[]> {
  const client = testDynamoDbClient();
  try {
    const result = await client.send(
      new QueryCommand({
        TableName: config.licensesTable,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :license)',
        ExpressionAttributeValues: { ':pk': { S: `default#USER#${userId}` }, ':license': { S: 'LICENSE#' } },
        ConsistentRead: true,
      }),
    );
    return (result.Items ?? []).map((item) => unmarshall(item));
  } finally {
    client.destroy();
  }
}

async function seatsUsed(config: ServiceConfig): Promise<number> {
  const client = testDynamoDbClient();
  try {
    const result = await client.send(
      new QueryCommand({
        TableName: config.licensesTable,
        KeyConditionExpression: 'pk = :pk AND sk = :sk',
        ExpressionAttributeValues: { ':pk': { S: 'ORG#default' }, ':sk': { S: 'ORG' } },
        ConsistentRead: true,
      }),
    );
    return Number(result.Items?.[0]?.seatsUsed?.N ?? 0);
  } finally {
    client.destroy();
  }
}

describe('licenses through the local stack', () => {
  let stack: LicenseStack;
  let mail: string;

  beforeAll(async () => {
    mail = sesEndpoint();
    stack = await startLicenseStack({ label: 'licenses', ses: mail });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('emails a key on create that validates, and shows nothing secret on the user', async () => {
    const { email, body } = newUser();

    const created = await stack.scim('POST', '/Users', body);
    const [sent] = await waitForEmails(mail, email, 1);
    const key = keyFrom(sent?.body.text);
    const validation = await stack.validate({ licenseKey: key });

    expect(created.status).toBe(201);
    expect(created.text).not.toMatch(/license/i);
    expect(sent).toMatchObject({ from: SENDER, subject: 'Your Acme Studio license key' });
    expect(sent?.body.text).toContain('Hello Ada,');
    expect(sent?.body.html).toContain(key);
    const [license] = await licensesOf(stack.config, created.body.id);
    expect(headerOf(sent!, EVENT_ID_HEADER)).toBe(`${license?.licenseId}.issued`);
    expect(license).toMatchObject({ status: 'active', keyHint: key.slice(-4), userId: created.body.id });
    expect(validation).toMatchObject({ status: 200, body: { valid: true, status: 'active', plan: null } });
  });

  it('revokes on PATCH deactivation with one email, and sends nothing on a repeated deactivation', async () => {
    const { email, body } = newUser();
    const created = await stack.scim('POST', '/Users', body);
    const key = keyFrom((await waitForEmails(mail, email, 1))[0]?.body.text);
    const seatsBefore = await seatsUsed(stack.config);

    const first = await stack.scim('PATCH', `/Users/${created.body.id}`, deactivate);
    const emails = await waitForEmails(mail, email, 2);
    const second = await stack.scim('PATCH', `/Users/${created.body.id}`, deactivate);
    await stack.poller.waitUntilIdle();

    expect(first).toMatchObject({ status: 200, body: { active: false } });
    expect(second).toMatchObject({ status: 200, body: { active: false } });
    expect(emails[1]?.subject).toBe('Your Acme Studio license has been deactivated');
    expect(emails[1]?.body.text).toContain(`ending in ${key.slice(-4)}`);
    expect(emails[1]?.body.text).not.toContain(key);
    expect(await emailsTo(mail, email)).toHaveLength(2);
    expect(await stack.validate({ licenseKey: key })).toMatchObject({ status: 200, body: { valid: false } });
    const licenses = await licensesOf(stack.config, created.body.id);
    expect(licenses).toEqual([
      expect.objectContaining({ status: 'revoked', revocationReason: 'deactivated', revokedAt: expect.any(String) }),
    ]);
    expect(await seatsUsed(stack.config)).toBe(seatsBefore - 1);
  });

  it('issues a new key on reactivation; the revoked key never comes back', async () => {
    const { email, body } = newUser();
    const created = await stack.scim('POST', '/Users', body);
    const firstKey = keyFrom((await waitForEmails(mail, email, 1))[0]?.body.text);
    await stack.scim('PATCH', `/Users/${created.body.id}`, deactivate);
    await waitForEmails(mail, email, 2);

    const reactivated = await stack.scim('PATCH', `/Users/${created.body.id}`, reactivate);
    const emails = await waitForEmails(mail, email, 3);
    const secondKey = keyFrom(emails[2]?.body.text);

    expect(reactivated).toMatchObject({ status: 200, body: { active: true } });
    expect(emails[2]?.subject).toBe('Your Acme Studio license key');
    expect(secondKey).not.toBe(firstKey);
    expect((await stack.validate({ licenseKey: secondKey })).body).toEqual({
      valid: true,
      status: 'active',
      plan: null,
    });
    expect((await stack.validate({ licenseKey: firstKey })).body).toEqual({ valid: false });
    const statuses = (await licensesOf(stack.config, created.body.id)).map((license) => license.status);
    expect(statuses.sort()).toEqual(['active', 'revoked']);
  });

  it('keeps the key on a PUT profile update, and revokes on a PUT with active false', async () => {
    const { email, body } = newUser();
    const created = await stack.scim('POST', '/Users', body);
    const key = keyFrom((await waitForEmails(mail, email, 1))[0]?.body.text);

    const renamed = await stack.scim('PUT', `/Users/${created.body.id}`, {
      ...body,
      name: { givenName: 'Augusta', familyName: 'King' },
    });
    await stack.poller.waitUntilIdle();
    const afterRename = await emailsTo(mail, email);
    const stillValid = await stack.validate({ licenseKey: key });
    const disabled = await stack.scim('PUT', `/Users/${created.body.id}`, { ...body, active: false });
    const emails = await waitForEmails(mail, email, 2);

    expect(renamed).toMatchObject({ status: 200, body: { name: { givenName: 'Augusta' }, active: true } });
    expect(afterRename).toHaveLength(1);
    expect(stillValid.body).toEqual({ valid: true, status: 'active', plan: null });
    expect(disabled).toMatchObject({ status: 200, body: { active: false } });
    expect(emails[1]?.subject).toBe('Your Acme Studio license has been deactivated');
    expect((await stack.validate({ licenseKey: key })).body).toEqual({ valid: false });
  });

  it("revokes on Entra's string-valued disable", async () => {
    const { email, body } = newUser();
    const created = await stack.scim('POST', '/Users', body);
    const key = keyFrom((await waitForEmails(mail, email, 1))[0]?.body.text);

    const disabled = await stack.scim('PATCH', `/Users/${created.body.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    const emails = await waitForEmails(mail, email, 2);

    expect(disabled).toMatchObject({ status: 200, body: { active: false } });
    expect(emails[1]?.subject).toContain('deactivated');
    expect((await stack.validate({ licenseKey: key })).body).toEqual({ valid: false });
  });

  it('revokes when PATCH removes active, as a deactivation does, with the notice and the seat freed', async () => {
    const { email, body } = newUser();
    const created = await stack.scim('POST', '/Users', body);
    const key = keyFrom((await waitForEmails(mail, email, 1))[0]?.body.text);
    const seatsBefore = await seatsUsed(stack.config);

    const removed = await stack.scim('PATCH', `/Users/${created.body.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'remove', path: 'active' }],
    });
    const emails = await waitForEmails(mail, email, 2);

    expect(removed).toMatchObject({ status: 200, body: { id: created.body.id, active: false } });
    expect(emails[1]?.subject).toBe('Your Acme Studio license has been deactivated');
    expect((await stack.validate({ licenseKey: key })).body).toEqual({ valid: false });
    expect(await licensesOf(stack.config, created.body.id)).toEqual([
      expect.objectContaining({ status: 'revoked', revocationReason: 'deactivated' }),
    ]);
    expect(await seatsUsed(stack.config)).toBe(seatsBefore - 1);
  });

  it('never grants a license when active is left out: PUT keeps the state, removing it again keeps it off', async () => {
    const { email, body } = newUser();
    const created = await stack.scim('POST', '/Users', body);
    await waitForEmails(mail, email, 1);
    await stack.scim('PATCH', `/Users/${created.body.id}`, deactivate);
    await waitForEmails(mail, email, 2);
    const seatsBefore = await seatsUsed(stack.config);
    const { active: _left, ...withoutActive } = body;

    const put = await stack.scim('PUT', `/Users/${created.body.id}`, {
      ...withoutActive,
      name: { givenName: 'Augusta', familyName: 'King' },
    });
    const removed = await stack.scim('PATCH', `/Users/${created.body.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'remove', path: 'active' }],
    });
    const read = await stack.scim('GET', `/Users/${created.body.id}`);
    await stack.poller.waitUntilIdle();

    expect(put).toMatchObject({ status: 200, body: { name: { givenName: 'Augusta' }, active: false } });
    expect(removed).toMatchObject({ status: 200, body: { active: false } });
    expect(read).toMatchObject({ status: 200, body: { name: { givenName: 'Augusta' }, active: false } });
    expect(await emailsTo(mail, email)).toHaveLength(2);
    expect(await seatsUsed(stack.config)).toBe(seatsBefore);
    expect((await licensesOf(stack.config, created.body.id)).map((license) => license.status)).toEqual(['revoked']);
  });

  it('keeps an active user active and its key valid on a PUT that leaves active out', async () => {
    const { email, body } = newUser();
    const { active: _left, ...withoutActive } = body;
    const created = await stack.scim('POST', '/Users', withoutActive);
    const key = keyFrom((await waitForEmails(mail, email, 1))[0]?.body.text);
    const seatsBefore = await seatsUsed(stack.config);

    const put = await stack.scim('PUT', `/Users/${created.body.id}`, { ...withoutActive, title: 'Analyst' });
    await stack.poller.waitUntilIdle();

    expect(created).toMatchObject({ status: 201, body: { active: true } });
    expect(put).toMatchObject({ status: 200, body: { title: 'Analyst', active: true } });
    expect(await emailsTo(mail, email)).toHaveLength(1);
    expect(await seatsUsed(stack.config)).toBe(seatsBefore);
    expect((await stack.validate({ licenseKey: key })).body).toEqual({ valid: true, status: 'active', plan: null });
  });

  it('revokes on DELETE of an active user, and sends nothing when an inactive user is deleted', async () => {
    const active = newUser();
    const inactive = newUser();
    const activeUser = await stack.scim('POST', '/Users', active.body);
    const key = keyFrom((await waitForEmails(mail, active.email, 1))[0]?.body.text);
    const inactiveUser = await stack.scim('POST', '/Users', inactive.body);
    await stack.scim('PATCH', `/Users/${inactiveUser.body.id}`, deactivate);
    await waitForEmails(mail, inactive.email, 2);

    const deletedActive = await stack.scim('DELETE', `/Users/${activeUser.body.id}`);
    const deletedInactive = await stack.scim('DELETE', `/Users/${inactiveUser.body.id}`);
    const emails = await waitForEmails(mail, active.email, 2);
    await stack.poller.waitUntilIdle();

    expect(deletedActive.status).toBe(204);
    expect(deletedInactive.status).toBe(204);
    expect(emails[1]?.subject).toBe('Your Acme Studio license has been deactivated');
    expect(emails[1]?.body.text).toContain('removed from the application');
    expect(await emailsTo(mail, inactive.email)).toHaveLength(2);
    expect((await stack.validate({ licenseKey: key })).body).toEqual({ valid: false });
    expect(await licensesOf(stack.config, activeUser.body.id)).toEqual([
      expect.objectContaining({ status: 'revoked', revocationReason: 'deleted' }),
    ]);
  });

  it('gives a user created inactive no license and no email', async () => {
    const { email, body } = newUser(false);

    const created = await stack.scim('POST', '/Users', body);
    await stack.poller.waitUntilIdle();

    expect(created).toMatchObject({ status: 201, body: { active: false } });
    expect(await emailsTo(mail, email)).toEqual([]);
    expect(await licensesOf(stack.config, created.body.id)).toEqual([]);
  });

  it('answers the same shape for tampered, malformed and unknown keys', async () => {
    const { email, body } = newUser();
    await stack.scim('POST', '/Users', body);
    const key = keyFrom((await waitForEmails(mail, email, 1))[0]?.body.text);
    const last = key.at(-1) === '0' ? '1' : '0';
    const tampered = key.slice(0, -1) + last;

    const answers = await Promise.all(
      [tampered, 'not-a-key', '', key.replace(/-/g, '').toLowerCase()].map((licenseKey) =>
        stack.validate({ licenseKey }),
      ),
    );

    expect(answers.map((answer) => [answer.status, answer.body])).toEqual([
      [200, { valid: false }],
      [200, { valid: false }],
      [200, { valid: false }],
      [200, { valid: true, status: 'active', plan: null }],
    ]);
  });

  it('returns the organization plan, never personal data', async () => {
    const { email, body } = newUser();
    await stack.scim('POST', '/Users', body);
    const key = keyFrom((await waitForEmails(mail, email, 1))[0]?.body.text);
    const client = testDynamoDbClient();
    await client.send(
      new UpdateItemCommand({
        TableName: stack.config.licensesTable,
        Key: { pk: { S: 'ORG#default' }, sk: { S: 'ORG' } },
        UpdateExpression: 'SET #plan = :plan',
        ExpressionAttributeNames: { '#plan': 'plan' },
        ExpressionAttributeValues: { ':plan': { S: 'team' } },
      }),
    );
    client.destroy();

    const answer = await stack.validate({ licenseKey: key });

    expect(answer.body).toEqual({ valid: true, status: 'active', plan: 'team' });
    expect(answer.text).not.toContain(email);
    expect(answer.text).not.toContain('Ada');
  });

  it('answers 400 with a JSON error for a body that is not {"licenseKey": "…"}', async () => {
    const answers = await Promise.all([stack.validate('{not json'), stack.validate({ key: 'x' })]);

    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: 'BadRequest', message: expect.stringContaining('licenseKey') });
    }
  });

  it('stores no key in plaintext anywhere in the licenses table', async () => {
    const { email, body } = newUser();
    await stack.scim('POST', '/Users', body);
    const key = keyFrom((await waitForEmails(mail, email, 1))[0]?.body.text);
    const client = testDynamoDbClient();

    const scan = await client.send(new ScanCommand({ TableName: stack.config.licensesTable, ConsistentRead: true }));
    client.destroy();

    const dump = JSON.stringify(scan.Items).toUpperCase();
    expect(dump).not.toContain(key);
    expect(dump).not.toContain(key.replace(/-/g, ''));
    expect(dump).toContain(key.slice(-4));
  });
});

describe('seat limit under concurrency', () => {
  let stack: LicenseStack;
  let mail: string;

  beforeAll(async () => {
    mail = sesEndpoint();
    stack = await startLicenseStack({ label: 'seats', seats: 5, ses: mail });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('gives exactly 5 licenses to 20 parallel creates against 5 free seats', async () => {
    const users = Array.from({ length: 20 }, () => newUser());

    const responses = await Promise.all(users.map((user) => stack.scim('POST', '/Users', user.body)));

    const created = responses.filter((response) => response.status === 201);
    const refused = responses.filter((response) => response.status === 403);
    expect(created).toHaveLength(5);
    expect(refused).toHaveLength(15);
    for (const response of refused) {
      expect(response.body).toMatchObject({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        status: '403',
        detail: expect.stringMatching(/^no license seats available: 5 of 5 in use/),
      });
    }
    expect(await seatsUsed(stack.config)).toBe(5);
    const licenses = await Promise.all(created.map((response) => licensesOf(stack.config, response.body.id)));
    expect(licenses.map((list) => list.length)).toEqual([1, 1, 1, 1, 1]);
    await stack.poller.waitUntilIdle();
    const sent = await Promise.all(users.map((user) => emailsTo(mail, user.email)));
    expect(sent.filter((list) => list.length > 0)).toHaveLength(5);
  });

  it('refuses a reactivation without a free seat, and lets a freed seat be taken again', async () => {
    const full = newUser();
    const refused = await stack.scim('POST', '/Users', full.body);
    const inactive = newUser(false);
    const waiting = await stack.scim('POST', '/Users', inactive.body);
    const [holder] = (await stack.scim('GET', '/Users?count=100')).body.Resources.filter(
      (user: { active: boolean }) => user.active,
    );

    const refusedReactivation = await stack.scim('PATCH', `/Users/${waiting.body.id}`, reactivate);
    await stack.scim('PATCH', `/Users/${holder.id}`, deactivate);
    const reactivated = await stack.scim('PATCH', `/Users/${waiting.body.id}`, reactivate);

    expect(refused.status).toBe(403);
    expect(refusedReactivation).toMatchObject({ status: 403, body: { detail: expect.stringContaining('5 of 5') } });
    expect((await stack.scim('GET', `/Users/${waiting.body.id}`)).body.active).toBe(true);
    expect(reactivated).toMatchObject({ status: 200, body: { active: true } });
    expect(await seatsUsed(stack.config)).toBe(5);
  });

  it("lets the organization item's own seat limit win over the configured one", async () => {
    const client = testDynamoDbClient();
    await client.send(
      new PutItemCommand({
        TableName: stack.config.licensesTable,
        Item: {
          pk: { S: 'ORG#default' },
          sk: { S: 'ORG' },
          orgId: { S: 'default' },
          name: { S: 'default' },
          seatLimit: { N: '6' },
          seatsUsed: { N: String(await seatsUsed(stack.config)) },
        },
      }),
    );
    client.destroy();

    const [first, second] = [
      await stack.scim('POST', '/Users', newUser().body),
      await stack.scim('POST', '/Users', newUser().body),
    ];

    expect(first?.status).toBe(201);
    expect(second).toMatchObject({ status: 403, body: { detail: expect.stringContaining('6 of 6 in use') } });
  });
});

describe('SES outage', () => {
  let stack: LicenseStack;
  let ses: SesLocalHandle | undefined;
  let port: number;

  beforeAll(async () => {
    port = await findFreePort();
    ses = await startSesLocal({ port });
    stack = await startLicenseStack({ label: 'outage', ses: ses.endpoint });
  });

  afterAll(async () => {
    await stack?.close();
    await ses?.stop();
  });

  it('loses no email and sends none twice when SES is down for a while', async () => {
    const early = newUser();
    const earlyUser = await stack.scim('POST', '/Users', early.body);
    await waitForEmails(ses!.endpoint, early.email, 1);
    await ses!.stop();
    ses = undefined;
    const late = [newUser(), newUser(), newUser()];

    const created = await Promise.all(late.map((user) => stack.scim('POST', '/Users', user.body)));
    const disabled = await stack.scim('PATCH', `/Users/${earlyUser.body.id}`, deactivate);
    const invocationsAtOutage = stack.poller.invocations;
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const retriedDuringOutage = stack.poller.invocations - invocationsAtOutage;
    ses = await startSesLocal({ port });
    const delivered = await Promise.all(late.map((user) => waitForEmails(ses!.endpoint, user.email, 1)));
    const revocation = await waitForEmails(ses.endpoint, early.email, 1);
    await stack.poller.waitUntilIdle();

    expect(created.map((response) => response.status)).toEqual([201, 201, 201]);
    expect(disabled.status).toBe(200);
    expect(retriedDuringOutage).toBeGreaterThan(2);
    expect(delivered.map((emails) => emails.map((email) => email.subject))).toEqual([
      ['Your Acme Studio license key'],
      ['Your Acme Studio license key'],
      ['Your Acme Studio license key'],
    ]);
    expect(revocation.map((email) => email.subject)).toEqual(['Your Acme Studio license has been deactivated']);
    const all = await emailsTo(ses.endpoint, early.email);
    expect(all).toHaveLength(1);
    const eventIds = (await Promise.all([...late, early].map((user) => emailsTo(ses!.endpoint, user.email)))).flatMap(
      (emails) => emails.map((email) => headerOf(email, EVENT_ID_HEADER)),
    );
    expect(new Set(eventIds).size).toBe(4);
    expect(eventIds).toHaveLength(4);
  });
});

describe('mail redrive: emails whose stream record was given up', () => {
  let stack: LicenseStack;
  let mail: string;
  /** Recipients whose outbox insert the event source "gives up" (as after its retries, to the dead-letter queue). */
  const lost = new Set<string>();

  beforeAll(async () => {
    mail = sesEndpoint();
    stack = await startLicenseStack({
      label: 'redrive',
      ses: mail,
      filter: (record) =>
        isOutboxDelivery(record) &&
        !(isOutboxInsert(record) && lost.has(String(record.dynamodb?.NewImage?.recipient?.S))),
    });
  });

  afterAll(async () => {
    await stack?.close();
  });

  async function redrive(options: RedriveOptions): Promise<RedrivenEmail[]> {
    const client = testDynamoDbClient();
    try {
      return await new OutboxRedrive({
        store: new DynamoOutboxRedriveStore(client, stack.config.licensesTable),
        organizations: async () => ['default'],
        clock: systemClock,
      }).redrive(options);
    } finally {
      client.destroy();
    }
  }

  async function outboxItem(eventId: string): Promise<Record<string, unknown> | undefined> {
    const client = testDynamoDbClient();
    try {
      const { Item } = await client.send(
        new GetItemCommand({
          TableName: stack.config.licensesTable,
          Key: { pk: { S: `default#OUTBOX#${eventId}` }, sk: { S: 'OUTBOX' } },
          ConsistentRead: true,
        }),
      );
      return Item ? unmarshall(Item) : undefined;
    } finally {
      client.destroy();
    }
  }

  /** A user whose license email was never sent: its stream record was dropped. Returns the outbox event id. */
  async function userWithLostEmail(): Promise<{ email: string; eventId: string }> {
    const { email, body } = newUser();
    lost.add(email);
    const created = await stack.scim('POST', '/Users', body);
    await stack.poller.waitUntilIdle();
    const [license] = await licensesOf(stack.config, created.body.id);
    return { email, eventId: `${license?.licenseId}.issued` };
  }

  it('sends a lost email exactly once, even when redriven twice at once, and a later redrive sends nothing', async () => {
    const { email, eventId } = await userWithLostEmail();
    const before = await outboxItem(eventId);

    const [first, concurrent] = await Promise.all([redrive({ orgId: 'default' }), redrive({})]);
    const emails = await waitForEmails(mail, email, 1);
    await stack.poller.waitUntilIdle();
    const again = await redrive({ orgId: 'default' });
    await stack.poller.waitUntilIdle();

    expect(await emailsTo(mail, email)).toHaveLength(1);
    expect(before).toMatchObject({ gsi1pk: 'default#OUTBOX', gsi1sk: eventId });
    expect(before?.sentAt).toBeUndefined();
    expect(first.find((item) => item.eventId === eventId)?.outcome).toBe('requested');
    expect(concurrent.find((item) => item.eventId === eventId)?.outcome).toEqual(
      expect.stringMatching(/^(requested|sent|in-progress)$/),
    );
    expect(emails).toHaveLength(1);
    expect(headerOf(emails[0]!, EVENT_ID_HEADER)).toBe(eventId);
    expect(again.find((item) => item.eventId === eventId)).toBeUndefined();
    expect(await emailsTo(mail, email)).toHaveLength(1);
    const after = await outboxItem(eventId);
    expect(after?.sentAt).toEqual(expect.any(String));
    expect(after?.redriveRequestedAt).toBeUndefined();
  });

  it('leaves an email SES refused alone unless --include-failed, then sends it once and clears the failure', async () => {
    const { email, eventId } = await userWithLostEmail();
    const client = testDynamoDbClient();
    await client.send(
      new UpdateItemCommand({
        TableName: stack.config.licensesTable,
        Key: { pk: { S: `default#OUTBOX#${eventId}` }, sk: { S: 'OUTBOX' } },
        UpdateExpression: 'SET failedAt = :at, failure = :why',
        ExpressionAttributeValues: { ':at': { S: new Date().toISOString() }, ':why': { S: 'sandbox' } },
      }),
    );
    client.destroy();

    const plain = await redrive({ orgId: 'default' });
    await stack.poller.waitUntilIdle();
    const unsentMeanwhile = await emailsTo(mail, email);
    const included = await redrive({ orgId: 'default', includeFailed: true });
    const emails = await waitForEmails(mail, email, 1);
    await stack.poller.waitUntilIdle();

    expect(plain.find((item) => item.eventId === eventId)?.outcome).toBe('failed');
    expect(unsentMeanwhile).toHaveLength(0);
    expect(included.find((item) => item.eventId === eventId)?.outcome).toBe('requested');
    expect(emails).toHaveLength(1);
    expect(await emailsTo(mail, email)).toHaveLength(1);
    const after = await outboxItem(eventId);
    expect(after?.sentAt).toEqual(expect.any(String));
    expect(after?.failedAt).toBeUndefined();
    expect(after?.failure).toBeUndefined();
  });

  it('does not redrive an email a worker is sending right now (live lease)', async () => {
    const { email, eventId } = await userWithLostEmail();
    const client = testDynamoDbClient();
    await client.send(
      new UpdateItemCommand({
        TableName: stack.config.licensesTable,
        Key: { pk: { S: `default#OUTBOX#${eventId}` }, sk: { S: 'OUTBOX' } },
        UpdateExpression: 'SET leaseUntil = :until',
        ExpressionAttributeValues: { ':until': { N: String(Date.now() + 60_000) } },
      }),
    );
    client.destroy();

    const result = await redrive({ orgId: 'default' });
    await stack.poller.waitUntilIdle();

    expect(result.find((item) => item.eventId === eventId)?.outcome).toBe('in-progress');
    expect((await outboxItem(eventId))?.redriveRequestedAt).toBeUndefined();
    expect(await emailsTo(mail, email)).toHaveLength(0);
  });
});

describe('mailer retries and the seat condition, against DynamoDB Local directly', () => {
  let stack: LicenseStack;
  let mail: string;

  beforeAll(async () => {
    mail = sesEndpoint();
    stack = await startLicenseStack({ label: 'retries', seats: 3, ses: mail });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('sends nothing when Lambda delivers an already-sent outbox record again', async () => {
    const { email, body } = newUser();
    const created = await stack.scim('POST', '/Users', body);
    await waitForEmails(mail, email, 1);
    await stack.poller.waitUntilIdle();
    const [license] = await licensesOf(stack.config, created.body.id);
    const client = testDynamoDbClient();
    const { Item } = await client.send(
      new GetItemCommand({
        TableName: stack.config.licensesTable,
        Key: { pk: { S: `default#OUTBOX#${license?.licenseId}.issued` }, sk: { S: 'OUTBOX' } },
        ConsistentRead: true,
      }),
    );
    client.destroy();
    const record = {
      eventID: 'retried',
      eventName: 'INSERT' as const,
      eventSource: 'aws:dynamodb',
      dynamodb: { NewImage: Item as never, SequenceNumber: '42', StreamViewType: 'NEW_AND_OLD_IMAGES' as const },
    };

    const counted: unknown[] = [];
    const counter = { count: (name: string, dimensions?: unknown) => counted.push({ name, dimensions }) };

    const response = await createMailerHandler(stack.config, { ...localAdapters(stack.config), counter })({
      Records: [record, record],
    });

    expect(response).toEqual({ batchItemFailures: [] });
    expect(Item?.sentAt?.S).toEqual(expect.any(String));
    expect(await emailsTo(mail, email)).toHaveLength(1);
    expect(counted).toEqual([
      { name: 'LicenseEmails', dimensions: { outcome: 'duplicate' } },
      { name: 'LicenseEmails', dimensions: { outcome: 'duplicate' } },
    ]);
  });

  it('refuses in the transaction when the last seat was taken after the policy read it', async () => {
    let filling: Response;
    do filling = await stack.scim('POST', '/Users', newUser().body);
    while (filling.status === 201);
    const translate = createLicenseWriteTranslator({ tableName: stack.config.licensesTable });
    const client = testDynamoDbClient();
    const stale = new LicensePolicy({
      reader: { activeLicenseOf: async () => undefined, seatUsage: async () => ({ used: 0 }) },
      keys: licenseKeysFor(stack.config, undefined, localAdapters(stack.config).secrets),
      newId: () => randomUUID(),
      configuredSeatLimit: () => 3,
    });
    const users = new UserService(
      new LicensedUserRepository(new DynamoUserRepository(client, stack.config.usersTable, translate), translate),
      { policy: stale },
    );
    const { body } = newUser();

    const creating = users.create('default', {
      userName: body.userName,
      active: true,
      lookupEmail: body.userName,
      emails: body.emails,
      document: body,
    });

    await expect(creating).rejects.toThrow(SeatLimitError);
    await expect(creating).rejects.toThrow(/^no license seats available: 3 of 3 in use/);
    expect(filling.status).toBe(403);
    expect(await seatsUsed(stack.config)).toBe(3);
    expect((await users.find('default', { userName: body.userName })).length).toBe(0);
    client.destroy();
  });
});

describe('mailer time budget, against DynamoDB Local and aws-ses-v2-local without a stream poller', () => {
  let base: Awaited<ReturnType<typeof testConfig>>;
  let config: LocalServiceConfig;
  let mail: string;

  beforeAll(async () => {
    mail = sesEndpoint();
    base = await testConfig({ label: 'mailer-budget' });
    ensureLocalSigningKey(base.config.localSecretsDir!, SIGNING_KEY_SECRET_ID);
    config = { ...base.config, signingKeySecretId: SIGNING_KEY_SECRET_ID, senderEmail: SENDER, sesEndpoint: mail };
  });

  afterAll(async () => {
    await base?.cleanup();
  });

  /** An outbox item as the license transaction writes it, and the stream record Lambda would deliver for it. */
  async function outboxRecord(sequenceNumber: string): Promise<{ intent: EmailIntent; record: DynamoDBRecord }> {
    const licenseId = randomUUID();
    const intent: EmailIntent = {
      eventId: `${licenseId}.issued`,
      type: 'license-issued',
      orgId: 'default',
      licenseId,
      userId: randomUUID(),
      recipient: `budget-${randomUUID().slice(0, 8)}@example.com`,
      keyHint: 'ABCD',
      createdAt: new Date().toISOString(),
    };
    const item = marshall(outboxToItem(intent, Math.floor(Date.now() / 1000) + 3600), { removeUndefinedValues: true });
    const client = testDynamoDbClient();
    await client.send(new PutItemCommand({ TableName: config.licensesTable, Item: item }));
    client.destroy();
    const record: DynamoDBRecord = {
      eventID: sequenceNumber,
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      dynamodb: { NewImage: item as never, SequenceNumber: sequenceNumber, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    };
    return { intent, record };
  }

  it('leaves the rest of a batch for the next invocation instead of running into the function timeout', async () => {
    const first = await outboxRecord('101');
    const second = await outboxRecord('102');
    // Less time left than one email may need: the first record is still sent, so every invocation makes progress.
    const context = { getRemainingTimeInMillis: () => 10_000 };
    const handler = createMailerHandler(config, { ...localAdapters(config), failureDelayMs: () => 0 });

    const response = await handler({ Records: [first.record, second.record] }, context);

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '102' }] });
    expect(await emailsTo(mail, first.intent.recipient)).toHaveLength(1);
    expect(await emailsTo(mail, second.intent.recipient)).toHaveLength(0);
    const client = testDynamoDbClient();
    const { Item } = await client.send(
      new GetItemCommand({
        TableName: config.licensesTable,
        Key: { pk: { S: `default#OUTBOX#${second.intent.eventId}` }, sk: { S: 'OUTBOX' } },
        ConsistentRead: true,
      }),
    );
    client.destroy();
    // Never claimed: the retry sends it at once, with no lease to wait out.
    expect(Item?.leaseUntil).toBeUndefined();
    expect(Item?.sentAt).toBeUndefined();
  });

  it('sends the record it left once Lambda retries it with time to spare', async () => {
    const left = await outboxRecord('201');
    const handler = createMailerHandler(config, { ...localAdapters(config), failureDelayMs: () => 0 });
    const tight = { getRemainingTimeInMillis: () => 10_000 };
    await handler({ Records: [(await outboxRecord('200')).record, left.record] }, tight);

    const retried = await handler({ Records: [left.record] }, { getRemainingTimeInMillis: () => 59_000 });

    expect(retried).toEqual({ batchItemFailures: [] });
    const emails = await emailsTo(mail, left.intent.recipient);
    expect(emails).toHaveLength(1);
    expect(headerOf(emails[0]!, EVENT_ID_HEADER)).toBe(left.intent.eventId);
  });
});

describe('the local stack as npm start runs it', () => {
  let stack: LocalStack | undefined;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'licenses-local-stack-'));
    stack = await startLocalStack({
      port: await findFreePort(),
      dynamoDbPort: await findFreePort(),
      mailPort: await findFreePort(),
      dataDir,
      seats: 10,
      authorizerCacheTtlSeconds: 0,
    });
  });

  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('emails one key on an Okta create, validates it, and revokes it with one email on deactivation', async () => {
    const local = stack!;
    const headers = { Authorization: local.token, 'Content-Type': 'application/scim+json' };
    const { email, body } = newUser();
    const mailStore = local.mailViewerUrl;

    const created = await fetch(`${local.scimBaseUrl}/Users`, { method: 'POST', headers, body: JSON.stringify(body) });
    const user = (await created.json()) as { id: string };
    const [issued] = await waitForEmails(mailStore, email, 1);
    const key = keyFrom(issued?.body.text);
    const validate = () =>
      fetch(`${local.api.url}/licenses/validate`, { method: 'POST', body: JSON.stringify({ licenseKey: key }) }).then(
        (response) => response.json(),
      );
    const before = await validate();
    await fetch(`${local.scimBaseUrl}/Users/${user.id}`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify(deactivate),
    });
    const emails = await waitForEmails(mailStore, email, 2);
    const after = await validate();

    expect(created.status).toBe(201);
    expect(before).toEqual({ valid: true, status: 'active', plan: null });
    expect(emails.map((sent) => sent.subject)).toEqual([
      'Your License Portal license key',
      'Your License Portal license has been deactivated',
    ]);
    expect(after).toEqual({ valid: false });
    expect(local.config.defaultOrgSeats).toBe(10);
    expect(existsSync(localSecretPath(local.paths.secretsDir, LOCAL_SIGNING_KEY_SECRET_ID))).toBe(true);
  });

  it('lists licensed users in the order asked for, descending too', async () => {
    const local = stack!;
    const headers = { Authorization: local.token, 'Content-Type': 'application/scim+json' };
    const names = ['sort-b@example.com', 'sort-c@example.com', 'sort-a@example.com'];
    for (const userName of names) {
      const created = await fetch(`${local.scimBaseUrl}/Users`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ ...newUser().body, userName, emails: [{ value: userName, primary: true }] }),
      });
      expect(created.status).toBe(201);
    }
    const listed = async (query: string) => {
      const filter = encodeURIComponent('userName sw "sort-"');
      const response = await fetch(`${local.scimBaseUrl}/Users?${query}`, { headers });
      const unfiltered = (await response.json()) as { Resources: { userName: string }[] };
      const filtered = (await (
        await fetch(`${local.scimBaseUrl}/Users?filter=${filter}&${query}`, { headers })
      ).json()) as {
        Resources: { userName: string }[];
      };
      return {
        all: unfiltered.Resources.map((user) => user.userName).filter((name) => name.startsWith('sort-')),
        filtered: filtered.Resources.map((user) => user.userName),
      };
    };

    expect(await listed('sortBy=userName&sortOrder=descending&count=100')).toEqual({
      all: ['sort-c@example.com', 'sort-b@example.com', 'sort-a@example.com'],
      filtered: ['sort-c@example.com', 'sort-b@example.com', 'sort-a@example.com'],
    });
    expect(await listed('sortBy=meta.created&sortOrder=descending&count=100')).toEqual({
      all: [...names].reverse(),
      filtered: [...names].reverse(),
    });
    expect(await listed('sortBy=userName&count=100')).toEqual({
      all: ['sort-a@example.com', 'sort-b@example.com', 'sort-c@example.com'],
      filtered: ['sort-a@example.com', 'sort-b@example.com', 'sort-c@example.com'],
    });
  });
});

describe('email budgets', () => {
  let stack: LicenseStack;
  let mail: string;
  let now = Date.now();

  beforeAll(async () => {
    mail = sesEndpoint();
    stack = await startLicenseStack({ label: 'email-budget', ses: mail, mailerClock: { now: () => new Date(now) } });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('sends a create/delete loop of 20 at most 3 emails, then the final state once the hour is over', async () => {
    const { email, body } = newUser();
    for (let round = 0; round < 20; round++) {
      const created = await stack.scim('POST', '/Users', body);
      expect(created.status).toBe(201);
      expect((await stack.scim('DELETE', `/Users/${created.body.id}`)).status).toBe(204);
    }
    await stack.poller.waitUntilIdle();
    const withinTheHour = await emailsTo(mail, email);

    now += 3_600_000;
    await stack.sweep();
    const after = await waitForEmails(mail, email, 4);
    await stack.poller.waitUntilIdle();

    expect(withinTheHour.map((sent) => sent.subject)).toEqual([
      'Your Acme Studio license key',
      expect.stringMatching(/^Your Acme Studio license has been/),
      'Your Acme Studio license key',
    ]);
    expect(after).toHaveLength(4);
    expect(after[3]?.subject).toMatch(/^Your Acme Studio license has been/);
    expect(await emailsTo(mail, email)).toHaveLength(4);
  });

  it('queues no email for an address that is not one deliverable address', async () => {
    const { body } = newUser();
    const created = await stack.scim('POST', '/Users', {
      ...body,
      userName: `crlf-${randomUUID().slice(0, 8)}`,
      emails: [{ primary: true, value: 'victim@example.com\r\nBcc: other@example.com', type: 'work' }],
    });
    await stack.poller.waitUntilIdle();

    expect([201, 400]).toContain(created.status);
    expect(await emailsTo(mail, 'victim@example.com')).toEqual([]);
  });
});
