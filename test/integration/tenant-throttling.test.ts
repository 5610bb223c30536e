import { DynamoOrganizationRepository } from '../../lambda/adapters/dynamodb-organization-repository';

import { THROTTLE_TIERS } from '../../lambda/contract/throttle-tiers';
import { DEFAULT_ORG_SECRET_PREFIX, OrganizationService } from '../../lambda/domain/organizations';
import { FileTokenStore } from '../../local/file-token-store';
import { usagePlanThrottle } from '../../local/usage-plans';
import { testDynamoDbClient } from '../support/dynamodb';
import { type ApiResponse, type LocalApi, startLocalApi } from '../support/local-api';

/**
 * Per-organization fairness over HTTP: the local gateway throttles each organization's usage-plan key with its
 * tier's rate and burst, as the deployed usage plans do, so one organization flooding the API gets 429 with
 * Retry-After while another keeps working.
 */

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
/** Far more than a standard burst, sent at once. */
const FLOOD = THROTTLE_TIERS.standard.burstLimit * 4;

let api: LocalApi;
let organizations: OrganizationService;
let acme: { orgId: string; token: string };
let beta: { orgId: string; token: string };

beforeAll(async () => {
  // A clock that stands still: buckets never refill, so what a flood gets does not depend on how fast it is sent.
  const frozen = Date.parse('2026-11-28T12:00:00Z');
  api = await startLocalApi({ label: 'tenant-throttling', usagePlans: usagePlanThrottle({ now: () => frozen }) });
  organizations = new OrganizationService(
    new DynamoOrganizationRepository(testDynamoDbClient(), api.config.licensesTable),
    new FileTokenStore(api.config.localSecretsDir!),
    {
      defaultOrgId: api.config.defaultOrgId,
      secretIdOf: (orgId) =>
        orgId === api.config.defaultOrgId ? api.config.tokenSecretId : `${DEFAULT_ORG_SECRET_PREFIX}${orgId}`,
    },
  );
  const createdAcme = await organizations.create({ name: 'Acme' });
  const createdBeta = await organizations.create({ name: 'Beta' });
  acme = { orgId: createdAcme.organization.orgId, token: createdAcme.token };
  beta = { orgId: createdBeta.organization.orgId, token: createdBeta.token };
});

afterAll(async () => {
  await api?.close();
});

function as(org: { token: string }, path: string): Promise<ApiResponse> {
  return api.request('GET', path, { headers: { Authorization: `Bearer ${org.token}` } });
}

function flood(org: { token: string }): Promise<ApiResponse[]> {
  return Promise.all(Array.from({ length: FLOOD }, () => as(org, '/ServiceProviderConfig')));
}

describe('per-organization throttling', () => {
  it('answers 429 with Retry-After to a flooding organization while another one still gets its answers', async () => {
    await organizations.setThrottleTier(acme.orgId, 'standard');
    await organizations.setThrottleTier(beta.orgId, 'standard');

    const flooded = await flood(acme);
    const other = await as(beta, '/Users?count=1');

    const throttled = flooded.filter((response) => response.status === 429);
    const answered = flooded.filter((response) => response.status === 200);
    expect(answered).toHaveLength(THROTTLE_TIERS.standard.burstLimit);
    expect(throttled).toHaveLength(FLOOD - THROTTLE_TIERS.standard.burstLimit);
    for (const response of throttled) {
      // One request's worth of tokens at 10 per second, in whole seconds.
      expect(response.headers.get('retry-after')).toBe('1');
      expect(response.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
      expect(response.body).toEqual({
        schemas: [ERROR_SCHEMA],
        status: '429',
        detail: expect.stringContaining('Retry-After'),
      });
    }
    expect(other.status).toBe(200);
    expect(other.body).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it('gives organizations without a key of their own one shared bucket, apart from the default organization', async () => {
    const gamma = await organizations.create({ name: 'Gamma' });
    const delta = await organizations.create({ name: 'Delta' });

    await flood({ token: gamma.token });
    const sharing = await as({ token: delta.token }, '/ServiceProviderConfig');
    const defaultOrg = await api.request('GET', '/ServiceProviderConfig');

    expect(sharing.status).toBe(429);
    expect(defaultOrg.status).toBe(200);
    expect(defaultOrg.body.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig']);
  });
});
