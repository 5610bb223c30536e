import { createHash, createHmac, type Hash, type Hmac, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, HttpRequest } from '@smithy/types';
import { LOCAL_ACCOUNT_ID } from './api-gateway-events';
import { LOCAL_CREDENTIALS } from './dynamodb-local';

/**
 * SigV4 for the admin API: signing (the admin command line, with the operator's credentials or the local ones) and,
 * on the local stack, the verification API Gateway does for AWS_IAM methods. Locally the only identity is a fixed
 * one: requests must be signed with LOCAL_CREDENTIALS (access key `local`, secret `local`) for service
 * `execute-api`; a valid signature makes the caller `LOCAL_ADMIN_ARN`.
 */

export const SIGV4_SERVICE = 'execute-api';

/** Who a request signed with the local credentials is, as `requestContext.identity` carries it on API Gateway. */
export const LOCAL_ADMIN_ARN = `arn:aws:iam::${LOCAL_ACCOUNT_ID}:user/local-admin`;

/** API Gateway refuses a signature older or newer than this. */
const MAX_CLOCK_SKEW_MS = 15 * 60_000;

/** SHA-256 (and HMAC-SHA256 with a secret) from node:crypto, in the shape the signer takes. */
export class NodeSha256 {
  private readonly hash: Hash | Hmac;

  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash =
      secret === undefined
        ? createHash('sha256')
        : createHmac('sha256', typeof secret === 'string' ? secret : Buffer.from(secret as ArrayBuffer));
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

export interface SignableRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** The headers to send: the request's own plus `host`, `x-amz-date`, `authorization` (and a session token). */
export async function signRequest(
  request: SignableRequest,
  credentials: AwsCredentialIdentity,
  region: string,
  signingDate?: Date,
): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: SIGV4_SERVICE,
    region,
    credentials,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(toHttpRequest(request), signingDate ? { signingDate } : {});
  return signed.headers as Record<string, string>;
}

function toHttpRequest(request: SignableRequest): HttpRequest {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of request.url.searchParams) {
    const existing = query[name];
    query[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return {
    method: request.method.toUpperCase(),
    protocol: request.url.protocol,
    hostname: request.url.hostname,
    ...(request.url.port ? { port: Number(request.url.port) } : {}),
    path: request.url.pathname,
    query,
    headers: { host: request.url.host, ...request.headers },
    ...(request.body !== undefined ? { body: request.body } : {}),
  };
}

export type IamVerification =
  | { readonly ok: true; readonly userArn: string; readonly accessKey: string }
  | { readonly ok: false; readonly errorType: string; readonly detail: string };

const SIGV4_AUTHORIZATION =
  /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

/**
 * Checks a request as API Gateway checks an AWS_IAM method: a SigV4 Authorization header for `execute-api` in this
 * region, made with a known key (only the local credentials here), within 15 minutes, over exactly the signed headers.
 * A SCIM API key (`Bearer scim_…`) is not a signature, so it never passes.
 */
export async function verifyLocalSignature(
  request: {
    readonly method: string;
    /** Path and query as sent. */
    readonly url: string;
    /** Header names lower-cased. */
    readonly headers: Readonly<Record<string, string>>;
    readonly body: Buffer;
  },
  region: string,
  now: Date = new Date(),
): Promise<IamVerification> {
  const authorization = request.headers.authorization;
  if (!authorization) {
    return { ok: false, errorType: 'MissingAuthenticationTokenException', detail: 'Missing Authentication Token' };
  }
  const parts = SIGV4_AUTHORIZATION.exec(authorization.trim());
  if (!parts) {
    return {
      ok: false,
      errorType: 'IncompleteSignatureException',
      detail:
        'The Authorization header is not an AWS Signature Version 4 signature (a SCIM API key is not accepted here).',
    };
  }
  const [, accessKey, day, signedRegion, service, signedHeaders] = parts as unknown as string[];
  if (accessKey !== LOCAL_CREDENTIALS.accessKeyId) {
    return {
      ok: false,
      errorType: 'UnrecognizedClientException',
      detail: 'The security token included in the request is invalid.',
    };
  }
  if (signedRegion !== region || service !== SIGV4_SERVICE) {
    return {
      ok: false,
      errorType: 'InvalidSignatureException',
      detail: `Credential should be scoped to region ${region} and service ${SIGV4_SERVICE}.`,
    };
  }
  const amzDate = request.headers['x-amz-date'] ?? '';
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate || !amzDate.startsWith(day ?? '')) {
    return {
      ok: false,
      errorType: 'IncompleteSignatureException',
      detail: 'The request needs a valid X-Amz-Date header.',
    };
  }
  if (Math.abs(now.getTime() - signingDate.getTime()) > MAX_CLOCK_SKEW_MS) {
    return { ok: false, errorType: 'InvalidSignatureException', detail: 'Signature expired: sign the request again.' };
  }
  const names = (signedHeaders ?? '').split(';');
  if (!names.includes('host')) {
    return { ok: false, errorType: 'IncompleteSignatureException', detail: 'The host header must be signed.' };
  }
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = request.headers[name];
    if (value === undefined) {
      return { ok: false, errorType: 'IncompleteSignatureException', detail: `Signed header ${name} is missing.` };
    }
    if (name !== 'authorization') headers[name] = value;
  }
  const url = new URL(request.url, `http://${request.headers.host ?? 'localhost'}`);
  const expected = await signRequest(
    { method: request.method, url, headers, body: request.body.length > 0 ? request.body.toString('utf8') : undefined },
    LOCAL_CREDENTIALS,
    region,
    signingDate,
  );
  const want = Buffer.from(expected.authorization ?? '');
  const got = Buffer.from(authorization.trim().replace(/,\s+/g, ', '));
  if (want.length !== got.length || !timingSafeEqual(want, got)) {
    return {
      ok: false,
      errorType: 'InvalidSignatureException',
      detail: 'The request signature we calculated does not match the signature you provided.',
    };
  }
  return { ok: true, userArn: LOCAL_ADMIN_ARN, accessKey };
}

function parseAmzDate(value: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
}
