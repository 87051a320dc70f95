/**
 * The OpenAPI document and the contract it is built from: one operation per route of the route table, with its
 * documentation, responses, security and examples (each valid against its schema); built without any table or
 * environment; and the API reference the local runtime serves at GET /docs (Swagger UI, no CDN).
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { OPERATIONS, TAGS, type Operation } from '../../../functions/api/contract';
import { openApiDocument } from '../../../functions/api/openapi';
import { ROUTES } from '../../../functions/api/route-table';
import { responseSchemas, schemas } from '../../../functions/api/schemas';
import validators from '../../../functions/api/validators.generated';
import { LocalApiGateway } from '../../../local/api-gateway';
import { closed } from './contract-check';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const operations = Object.entries(OPERATIONS as Record<string, Operation>);

interface DocOperation {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  security: Record<string, string[]>[];
  parameters: { name: string; in: string; schema: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { example?: unknown }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: { $ref?: string } }> }>;
}
const doc = openApiDocument() as unknown as {
  servers: { url: string }[];
  tags: { name: string }[];
  paths: Record<string, Record<string, DocOperation>>;
  components: { securitySchemes: Record<string, Record<string, unknown>> };
  info: { description: string };
};
const docOperation = (key: string): DocOperation => {
  const [method, p] = key.split(' ') as [string, string];
  const op = doc.paths[p]?.[method.toLowerCase()];
  if (!op) throw new Error(`${key} is not in the document`);
  return op;
};

describe('the contract', () => {
  test('has one operation per route of the route table, and the same authorization', () => {
    expect(Object.keys(OPERATIONS).sort()).toEqual(ROUTES.map((r) => r.routeKey).sort());
    for (const r of ROUTES) {
      const op = (OPERATIONS as Record<string, Operation>)[r.routeKey] as Operation;
      const expected = op.roles.includes('public') ? 'none' : r.routeKey.includes(' /ops/') ? 'iam' : 'key';
      expect({ route: r.routeKey, auth: r.auth }).toEqual({ route: r.routeKey, auth: expected });
    }
  });

  test('operation ids are unique, summaries are words (not the route key)', () => {
    const ids = operations.map(([, op]) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [key, op] of operations) {
      expect(op.summary).not.toContain(key.split(' ')[1]);
      expect(op.summary).toMatch(/^[A-Z][a-z]/);
      expect(op.description.length).toBeGreaterThan(20);
    }
  });

  test.each(operations.filter(([, op]) => op.request))(
    '%s: has an example request and response',
    (_key, op) => {
      expect(op.example?.request).toBeDefined();
      expect(op.example?.response).toBeDefined();
    },
  );

  test.each(operations.filter(([, op]) => op.example))('%s: its examples are valid', (_key, op) => {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(ajv, ['email', 'date', 'date-time']);
    if (op.request) {
      const check = validators[op.request];
      expect({ valid: check(op.example?.request), errors: check.errors ?? null }).toEqual({
        valid: true,
        errors: null,
      });
    }
    const response = ajv.compile(closed(JSON.parse(JSON.stringify(responseSchemas[op.response]))) as object);
    expect({ valid: response(op.example?.response), errors: response.errors ?? null }).toEqual({
      valid: true,
      errors: null,
    });
  });
});

describe('the OpenAPI document', () => {
  test.each(operations)('%s: id, summary, tag, success and error responses, security', (key, op) => {
    const d = docOperation(key);
    expect(d).toMatchObject({ operationId: op.operationId, summary: op.summary, tags: [op.tag] });
    // A 204 has no body, so no content; every other success has its schema.
    expect(d.responses[String(op.status)]?.content?.['application/json']?.schema.$ref).toBe(
      op.status === 204 ? undefined : `#/components/schemas/${op.response}`,
    );
    for (const status of op.errors)
      expect(d.responses[String(status)]?.$ref).toMatch(/^#\/components\/responses\//);
    if (op.request) {
      expect(d.requestBody?.content['application/json']?.example).toEqual(op.example?.request);
    }
  });

  test('GET /ops/companies documents its query parameters: phase, overdue, limit, cursor', () => {
    const query = docOperation('GET /ops/companies').parameters.filter((p) => p.in === 'query');
    expect(query.map((p) => p.name)).toEqual(['phase', 'overdue', 'limit', 'cursor']);
    expect(query.find((p) => p.name === 'limit')?.schema).toMatchObject({
      minimum: 1,
      maximum: 500,
      default: 50,
    });
  });

  test('path parameters carry their patterns', () => {
    const companyId = docOperation('GET /companies/{companyId}').parameters.find(
      (p) => p.name === 'companyId',
    );
    expect(new RegExp(companyId?.schema.pattern as string).test('c0123456789abcdef0123')).toBe(true);
    expect(new RegExp(companyId?.schema.pattern as string).test('c'.repeat(30))).toBe(false);
  });

  test('servers: the local runtime and the AWS URL; security: bearer keys and SigV4 on /ops', () => {
    expect(doc.servers.map((s) => s.url)).toEqual([
      'http://127.0.0.1:3000',
      'https://{apiId}.execute-api.{region}.amazonaws.com',
    ]);
    expect(doc.components.securitySchemes.sigv4).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'Authorization',
      'x-amazon-apigateway-authtype': 'awsSigv4',
    });
    expect(docOperation('POST /ops/assessors').security).toEqual([{ sigv4: [] }, { bearer: [] }]);
    expect(docOperation('POST /companies').security).toEqual([]);
    expect(docOperation('GET /companies/{companyId}').security).toEqual([{ bearer: [] }]);
    expect(doc.tags.map((t) => t.name)).toEqual(Object.keys(TAGS));
  });

  test('request schemas in the document are the ones the validators were built from', () => {
    const components = (openApiDocument().components as { schemas: Record<string, unknown> }).schemas;
    for (const name of Object.keys(schemas))
      expect(components[name]).toBe(schemas[name as keyof typeof schemas]);
  });

  test('is built without a table or any environment (the OpenAPI function has none)', () => {
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        "import('./functions/api/openapi.ts').then(m => process.stdout.write(m.openApiDocument().openapi))",
      ],
      { cwd: ROOT, env, encoding: 'utf8' },
    );
    expect(out).toBe('3.1.0');
  }, 30_000);
});

describe('GET /docs (the local runtime)', () => {
  // The reference is static: no handler module is loaded for it.
  const gateway = new LocalApiGateway(() => Promise.reject(new Error('no module is loaded for /docs')));

  test('→ 200 an HTML page that loads its scripts from /docs and reads /openapi.json', async () => {
    for (const p of ['/docs', '/docs/']) {
      const res = await gateway.invoke({ method: 'GET', path: p });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      const scripts = [...res.body.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]);
      expect(scripts).toEqual(['/docs/swagger-ui-bundle.js', '/docs/init.js']);
      expect(res.body).toContain('href="/docs/swagger-ui.css"');
      expect(res.body).toContain('data-spec-url="/openapi.json"');
      expect(res.body).not.toMatch(/https?:\/\//); // no CDN
    }
  });

  test('→ its scripts and stylesheet: 200, JavaScript and CSS', async () => {
    const bundle = await gateway.invoke({ method: 'GET', path: '/docs/swagger-ui-bundle.js' });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(bundle.body.length).toBeGreaterThan(100_000);
    expect(bundle.body).toContain('SwaggerUIBundle');
    const init = await gateway.invoke({ method: 'GET', path: '/docs/init.js' });
    expect(init).toMatchObject({
      statusCode: 200,
      headers: { 'content-type': 'text/javascript; charset=utf-8' },
    });
    expect(init.body).toContain('SwaggerUIBundle(');
    const css = await gateway.invoke({ method: 'GET', path: '/docs/swagger-ui.css' });
    expect(css).toMatchObject({ statusCode: 200, headers: { 'content-type': 'text/css; charset=utf-8' } });
    expect(css.body).not.toContain('sourceMappingURL');
  });

  test('other files under /docs → 404, other methods → 405', async () => {
    expect((await gateway.invoke({ method: 'GET', path: '/docs/../package.json' })).statusCode).toBe(404);
    expect((await gateway.invoke({ method: 'GET', path: '/docs/index.html' })).statusCode).toBe(404);
    expect((await gateway.invoke({ method: 'POST', path: '/docs' })).statusCode).toBe(405);
  });
});
