import {
  type ExtraRoute,
  type IamRoute,
  type ProxyHandler,
  type RequestAuthorizerHandler,
  startApiServer,
} from '../../local/api-gateway-adapter';
import type { LocalServiceConfig } from '../../local/local-adapters';
import type { UsagePlanCheck } from '../../local/usage-plans';
import { testConfig } from './dynamodb';

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  /** The raw body. */
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: tests navigate arbitrary SCIM bodies.
  readonly body: any;
}

export interface RequestOptions {
  /** An object is sent as JSON; a string is sent as is (for malformed bodies). */
  readonly body?: unknown;
  /** Replace the defaults (`Authorization: Bearer <token>`, `Accept`, `Content-Type`); `undefined` drops one. */
  readonly headers?: Readonly<Record<string, string | undefined>>;
  /** Resolve `path` against the server's origin instead of the SCIM base URL. */
  readonly fromOrigin?: boolean;
}

export interface LocalApi {
  /** `http://localhost:<port>/scim/v2` */
  readonly baseUrl: string;
  /** `http://localhost:<port>` */
  readonly origin: string;
  /** The default organization's token. */
  readonly token: string;
  readonly config: LocalServiceConfig;
  /** `path` is appended to `baseUrl` as is (`/Users?count=1`, `//Users`). */
  request(method: string, path: string, options?: RequestOptions): Promise<ApiResponse>;
  /** Stops the server and deletes the tables and secrets. */
  close(): Promise<void>;
}

export interface LocalApiOptions {
  readonly label?: string;
  /** @default 0: each request runs the authorizer, so a test sees the token it sends */
  readonly authorizerCacheTtlSeconds?: number;
  /** Replace the real handlers (only for tests of the gateway emulation itself). */
  readonly scimHandler?: ProxyHandler;
  readonly authorizerHandler?: RequestAuthorizerHandler;
  readonly extraRoutes?: readonly ExtraRoute[];
  /** @default no per-organization throttling (see startApiServer) */
  readonly usagePlans?: UsagePlanCheck;
  /** Routes behind the emulated IAM authorization (the admin API), built from the test's config. */
  readonly iamRoutes?: (config: LocalServiceConfig) => readonly IamRoute[];
}

/** The local API Gateway emulation in-process, on a free port, fresh tables and a known token. */
export async function startLocalApi(options: LocalApiOptions = {}): Promise<LocalApi> {
  const { config, token, cleanup } = await testConfig({ label: options.label });
  const server = await startApiServer({
    port: 0,
    config,
    scimHandler: options.scimHandler,
    authorizerHandler: options.authorizerHandler,
    extraRoutes: options.extraRoutes,
    iamRoutes: options.iamRoutes?.(config),
    authorizerCacheTtlSeconds: options.authorizerCacheTtlSeconds ?? 0,
    usagePlans: options.usagePlans,
  });

  const request = async (method: string, path: string, requestOptions: RequestOptions = {}): Promise<ApiResponse> => {
    const body =
      requestOptions.body === undefined
        ? undefined
        : typeof requestOptions.body === 'string'
          ? requestOptions.body
          : JSON.stringify(requestOptions.body);
    const headers = mergeHeaders(
      {
        Authorization: `Bearer ${token}`,
        Accept: 'application/scim+json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/scim+json; charset=utf-8' }),
      },
      requestOptions.headers ?? {},
    );
    const url = `${requestOptions.fromOrigin ? server.url : server.scimBaseUrl}${path}`;
    const response = await fetch(url, { method, headers, body });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, body: parseJson(text) };
  };

  return {
    baseUrl: server.scimBaseUrl,
    origin: server.url,
    token,
    config,
    request,
    async close() {
      await server.close();
      await cleanup();
    },
  };
}

/** Header names compare case-insensitively; the override's spelling wins, as the test wrote it. */
function mergeHeaders(
  defaults: Record<string, string>,
  overrides: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const merged = new Map<string, [string, string | undefined]>();
  for (const [name, value] of [...Object.entries(defaults), ...Object.entries(overrides)]) {
    merged.set(name.toLowerCase(), [name, value]);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of merged.values()) if (value !== undefined) headers[name] = value;
  return headers;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
