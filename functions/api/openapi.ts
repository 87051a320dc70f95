/** GET /openapi.json: the OpenAPI 3.1 document, generated from the same schemas the validator uses. */
import { routes as certificateRoutes } from './certificates';
import { routes as companyRoutes } from './companies';
import { createApi, type Routes } from './http';
import { routes as opsRoutes } from './ops';
import { schemas } from './schemas';

const ERROR = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: {
          type: 'array',
          items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
        },
      },
    },
  },
};

export function openApiDocument() {
  const all: Routes = { ...companyRoutes, ...certificateRoutes, ...opsRoutes };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [key, route] of Object.entries(all)) {
    const [method, path] = key.split(' ') as [string, string];
    const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[method.toLowerCase()] = {
      summary: key,
      'x-roles': route.roles,
      security: route.roles.includes('public') ? [] : [{ bearer: [] }],
      parameters: [
        ...params,
        ...(route.idempotent
          ? [
              {
                name: 'Idempotency-Key',
                in: 'header',
                required: false,
                schema: { type: 'string', maxLength: 200 },
              },
            ]
          : []),
      ],
      ...(route.schema
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: { $ref: `#/components/schemas/${route.schema}` } } },
            },
          }
        : {}),
      responses: {
        '2XX': { description: 'success', content: { 'application/json': { schema: { type: 'object' } } } },
        default: {
          description: 'error',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'SECOR Lifecycle API',
      version: '1.0.0',
      description: 'HTTP contract v1 (shared/API.md).',
    },
    paths,
    components: {
      schemas: { ...schemas, Error: ERROR },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
  };
}

export const routes: Routes = {
  'GET /openapi.json': { roles: ['public'], handle: async () => ({ status: 200, body: openApiDocument() }) },
};

export const handler = createApi(routes);
