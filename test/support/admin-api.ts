import type { AwsCredentialIdentity } from '@smithy/types';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb-local';
import { signRequest } from '../../local/iam-auth';

export interface AdminResponse {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests navigate the answers.
  readonly body: any;
}

export interface AdminCall {
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** @default the local credentials; `false` sends the request unsigned */
  readonly credentials?: AwsCredentialIdentity | false;
}

/** Calls `<origin>/admin<path>` as the portal's backend does: JSON, signed with SigV4 for execute-api. */
export async function adminCall(
  origin: string,
  method: string,
  path: string,
  call: AdminCall = {},
): Promise<AdminResponse> {
  const url = new URL(`/admin${path}`, origin);
  const body =
    call.body === undefined ? undefined : typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...call.headers,
  };
  const credentials = call.credentials ?? LOCAL_CREDENTIALS;
  const sent =
    credentials === false ? headers : await signRequest({ method, url, headers, body }, credentials, LOCAL_REGION);
  const response = await fetch(url, { method, headers: sent, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/** A SCIM request with an organization's API key. */
export async function scimCall(baseUrl: string, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      Accept: 'application/scim+json',
      ...(body === undefined ? {} : { 'Content-Type': 'application/scim+json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: tests navigate SCIM bodies.
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as any };
}
