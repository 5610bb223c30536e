import * as z from 'zod';
import { PROBLEM_CONTENT_TYPE } from '../contract/http';
import { ADMIN_BASE_PATH } from '../contract/routes';
import { IDEMPOTENCY_KEY_PATTERN } from '../domain/idempotency';
import { ORG_ID_PATTERN } from '../domain/organizations';
import { PLAN_NAME_PATTERN } from '../domain/plans';
import { ADMIN_OPERATIONS, type AdminOperation } from './operations';
import { ProblemJson } from './schemas';

/** The OpenAPI 3.1 document of the admin API, generated from the operation table and its zod schemas. */

type JsonObject = Record<string, unknown>;

/** JSON Schema 2020-12, the dialect of OpenAPI 3.1, inline (no `$schema`, which belongs to documents). */
function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io }) as JsonObject;
  return rest;
}

const PROBLEM_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Invalid request: the problem lists each invalid field',
  401: 'No or invalid SigV4 signature',
  403: 'The caller may not invoke the admin API (IAM), or the answer is forbidden',
  404: 'No such organization, user or route',
  409: 'Conflicts with the current state (exists already, a rotation ran at the same time, no email address)',
  422: 'The Idempotency-Key was used with a different request',
  500: 'Unexpected failure; details are in the log, never in the answer',
};

function problem(status: number): JsonObject {
  return {
    description: PROBLEM_DESCRIPTIONS[status] ?? 'Error',
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
  };
}

function operationObject(operation: AdminOperation): JsonObject {
  const parameters: JsonObject[] = [];
  if (operation.path.includes('{orgId}')) {
    parameters.push({
      name: 'orgId',
      in: 'path',
      required: true,
      schema: { type: 'string', pattern: ORG_ID_PATTERN.source },
    });
  }
  if (operation.path.includes('{plan}')) {
    parameters.push({
      name: 'plan',
      in: 'path',
      required: true,
      schema: { type: 'string', pattern: PLAN_NAME_PATTERN.source },
    });
  }
  if (operation.query) {
    const query = schemaOf(operation.query, 'input') as {
      properties?: Record<string, JsonObject>;
      required?: string[];
    };
    for (const [name, schema] of Object.entries(query.properties ?? {})) {
      const { description, ...rest } = schema;
      parameters.push({
        name,
        in: 'query',
        required: query.required?.includes(name) ?? false,
        ...(description ? { description } : {}),
        schema: rest,
      });
    }
  }
  if (operation.idempotent) {
    parameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        'Retrying with the same key within 24 h answers the first answer again (header Idempotent-Replayed: true) ' +
        'instead of acting twice; API keys are left out of a replayed answer. The same key with another request: 422',
      schema: { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN.source },
    });
  }
  const success = operation.success;
  const responses: JsonObject = {
    [String(success.status)]: {
      description: success.description,
      ...(success.schema ? { content: { 'application/json': { schema: schemaOf(success.schema, 'output') } } } : {}),
    },
  };
  for (const status of [400, 401, 403, ...(operation.errors ?? []), 500].sort((a, b) => a - b)) {
    responses[String(status)] = problem(status);
  }
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(operation.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: schemaOf(operation.body, 'input') } },
          },
        }
      : {}),
    responses,
    security: [{ sigv4: [] }],
  };
}

/** @param serverUrl the API's URL up to the stage (`https://…/v1`); the paths start with `/admin`. */
export function openApiDocument(serverUrl?: string): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const operation of ADMIN_OPERATIONS) {
    const path = `${ADMIN_BASE_PATH}${operation.path}`;
    paths[path] = { ...paths[path], [operation.method.toLowerCase()]: operationObject(operation) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'License portal admin API',
      version: '1.0.0',
      description:
        "The license portal's backend calls this to manage organizations, their SCIM API keys, seats and licenses. " +
        'Every request is signed with AWS Signature Version 4 (service execute-api) by a role granted ' +
        '`execute-api:Invoke` on the /admin routes; a SCIM API key is never accepted here.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    paths,
    components: {
      schemas: { Problem: schemaOf(ProblemJson, 'output') },
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description: 'AWS Signature Version 4 (x-amazon-apigateway-authtype: awsSigv4)',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
      },
    },
  };
}
