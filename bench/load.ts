/**
 * A bounded load run: `clients` concurrent Okta-like clients on loopback, each sending its next request as soon as
 * the previous one answered, until `seconds` have passed. The mix follows an Okta import and push: mostly lookups by
 * userName and reads by id, some profile updates, a few creates. The server shares this process, so the figures are
 * the whole stack's on this machine, client included.
 */

export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly firstError?: string;
}

export interface LoadOptions {
  readonly clients: number;
  readonly seconds: number;
  /** Sends one request; answers its HTTP status and parsed body. */
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** Users that exist, to look up and update. */
  readonly users: readonly { readonly id: string; readonly userName: string }[];
}

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let created = 0;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;

  const one = async (client: number, n: number): Promise<void> => {
    const user = options.users[(client * 7919 + n) % options.users.length];
    if (!user) throw new Error('the load run needs users');
    const pick = n % 10;
    let call: Promise<{ status: number; body: unknown }>;
    let expected: number;
    if (pick < 5) {
      call = options.request('GET', `/Users?filter=${encodeURIComponent(`userName eq "${user.userName}"`)}`);
      expected = 200;
    } else if (pick < 7) {
      call = options.request('GET', `/Users/${user.id}`);
      expected = 200;
    } else if (pick < 9) {
      call = options.request('PATCH', `/Users/${user.id}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'replace', path: 'title', value: `Title ${client}.${n}` }],
      });
      expected = 200;
    } else {
      const userName = `load.${client}.${created++}.${Date.now()}@example.com`;
      call = options.request('POST', '/Users', {
        schemas: [USER_SCHEMA],
        userName,
        name: { givenName: 'Load', familyName: `${client}` },
        emails: [{ value: userName, type: 'work', primary: true }],
        active: true,
      });
      expected = 201;
    }
    const start = performance.now();
    try {
      const response = await call;
      latencies.push(performance.now() - start);
      if (response.status !== expected) {
        errors++;
        firstError ??= `${response.status} ${JSON.stringify(response.body).slice(0, 200)}`;
      }
    } catch (error) {
      errors++;
      firstError ??= String(error);
    }
  };

  await Promise.all(
    Array.from({ length: options.clients }, async (_, client) => {
      for (let n = 0; performance.now() < deadline; n++) await one(client, n);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
  return {
    requests: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    p50: at(0.5),
    p99: at(0.99),
    errors,
    ...(firstError !== undefined ? { firstError } : {}),
  };
}
