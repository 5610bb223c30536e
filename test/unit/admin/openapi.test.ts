import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument } from '../../../lambda/admin/openapi';
import { ADMIN_OPERATIONS } from '../../../lambda/admin/operations';
import { matchRoute } from '../../../lambda/admin/router';
import { ADMIN_BASE_PATH } from '../../../lambda/contract/routes';

/** The OpenAPI document against the router: the same routes both ways, and the committed file up to date. */

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
// biome-ignore lint/suspicious/noExplicitAny: the document is navigated as JSON.
const document = openApiDocument('https://api.example.com/v1') as any;

/** Every (method, path) the document lists, paths below /admin with `{orgId}` and `{plan}` filled in. */
function documentedRoutes(): Array<{ method: string; path: string; operationId: string }> {
  return Object.entries(document.paths as Record<string, Record<string, { operationId: string }>>).flatMap(
    ([path, item]) =>
      METHODS.filter((method) => item[method]).map((method) => ({
        method: method.toUpperCase(),
        path: path.slice(ADMIN_BASE_PATH.length).replace('{orgId}', 'acme-123456').replace('{plan}', 'pro'),
        operationId: item[method]!.operationId,
      })),
  );
}

describe('the OpenAPI document of the admin API', () => {
  it('is OpenAPI 3.1 with the SigV4 scheme on every operation, all paths under /admin', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.servers).toEqual([{ url: 'https://api.example.com/v1' }]);
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, unknown>>)) {
      expect(path.startsWith(`${ADMIN_BASE_PATH}/`)).toBe(true);
      for (const operation of Object.values(item) as Array<{ security: unknown }>) {
        expect(operation.security).toEqual([{ sigv4: [] }]);
      }
    }
  });

  it('lists only routes the router serves, each with its own operation', () => {
    for (const route of documentedRoutes()) {
      const matched = matchRoute(route.method, route.path);

      expect(matched).toEqual(expect.objectContaining({ operation: expect.anything() }));
      expect(typeof matched === 'object' && matched.operation.operationId).toBe(route.operationId);
    }
  });

  it('lists every route the router serves, and the router refuses every method the document does not list', () => {
    const documented = new Set(documentedRoutes().map((route) => `${route.method} ${route.path}`));
    const paths = new Set(documentedRoutes().map((route) => route.path));

    for (const path of paths) {
      for (const method of METHODS.map((name) => name.toUpperCase())) {
        const matched = matchRoute(method, path);
        expect(typeof matched === 'object' ? `${method} ${path}` : undefined).toBe(
          documented.has(`${method} ${path}`) ? `${method} ${path}` : undefined,
        );
      }
    }
    expect(documented.size).toBe(ADMIN_OPERATIONS.length);
    expect(matchRoute('GET', '/undocumented')).toBeUndefined();
  });

  it('describes request bodies and answers as JSON Schema from the zod schemas', () => {
    const create = document.paths['/admin/organizations'].post;
    const body = create.requestBody.content['application/json'].schema;

    expect(body).toMatchObject({
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: { name: { type: 'string', minLength: 1, maxLength: 200 } },
    });
    expect(create.responses['201'].content['application/json'].schema.properties).toHaveProperty('apiKey');
    expect(create.responses['422'].content['application/problem+json'].schema).toEqual({
      $ref: '#/components/schemas/Problem',
    });
    expect(create.parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }));
    expect(document.paths['/admin/organizations/{orgId}/licenses'].get.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'orgId', in: 'path', required: true }),
        expect.objectContaining({ name: 'limit', in: 'query', required: false }),
        expect.objectContaining({ name: 'cursor', in: 'query', required: false }),
      ]),
    );
  });

  it('is what `npm run openapi` wrote to openapi.json', () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'openapi.json'), 'utf8'));

    expect(committed).toEqual(openApiDocument());
  });
});
