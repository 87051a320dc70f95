/**
 * The public documents: GET /openapi.json (the OpenAPI 3.1 document, generated from the operations of contract.ts
 * and the schemas the API validates with), GET /regions and GET /regions/{region}/policy (the policy files as
 * people read them). It imports no handler module: building them needs no table, no environment.
 */
import { listRegions, policyView } from '../../domain';
import { COMPANY_ID_PATTERN, OPERATIONS, TAGS, type ErrorStatus, type Operation } from './contract';
import { notFound } from './errors';
import { RATE_RULES } from './edge';
import { createApi, defineRoutes, MAX_BODY_BYTES, type Ctx, type Reply } from './http';
import { ROUTES, type RouteAuth } from './route-table';
import { errorSchemas, responseSchemas, schemas } from './schemas';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown, example?: unknown) => ({
  'application/json': { schema, ...(example !== undefined ? { example } : {}) },
});

const PATH_PARAMETERS: Record<string, { description: string; schema: Record<string, unknown> }> = {
  companyId: {
    description: 'The company id, as sign-up answered it (an id of another shape is 404 NOT_FOUND)',
    schema: { type: 'string', pattern: COMPANY_ID_PATTERN, example: 'c0123456789abcdef0123' },
  },
  certificateNumber: {
    description: 'The certificate number, e.g. SECOR-AB-2027-000123 (any letter case)',
    schema: {
      type: 'string',
      pattern: '^[Ss][Ee][Cc][Oo][Rr]-[A-Za-z]{2}-[0-9]{4}-[0-9]{6,}$',
      example: 'SECOR-AB-2027-000123',
    },
  },
  assessorId: {
    description:
      'The assessor id, as POST /ops/assessors answered it (an id of another shape is 404 NOT_FOUND)',
    schema: { type: 'string', example: 'as0123456789abcdef0123' },
  },
  reviewerId: {
    description:
      'The reviewer id, as POST /ops/reviewers answered it (an id of another shape is 404 NOT_FOUND)',
    schema: { type: 'string', example: 'rv0123456789abcdef0123' },
  },
  region: {
    description: 'A province or territory code (AB, BC, …; any letter case)',
    schema: { type: 'string', example: 'AB' },
  },
  name: {
    description: "The execution's name, as GET …/executions lists it",
    schema: {
      type: 'string',
      pattern: '^c[0-9a-f]{20}-c[0-9]+-[A-Z0-9_]+(-r[0-9]+)?$',
      example: 'c0123456789abcdef0123-c1-TRAINING',
    },
  },
};

const error = (code: string, message: string, details?: { path: string; message: string }[]) => ({
  error: { code, message, ...(details ? { details } : {}) },
});

/** The error responses, by status: each with its error body schema (and codes) and an example. */
const ERROR_RESPONSES: Record<ErrorStatus, { name: string; body: Record<string, unknown> }> = {
  400: {
    name: 'BadRequest',
    body: {
      description:
        `The body is not JSON (MALFORMED_JSON), or it or a parameter is invalid (VALIDATION_FAILED, with one ` +
        `finding per field in \`details\`). Bodies are at most ${MAX_BODY_BYTES / 1024} KB; unknown fields are ` +
        'refused.',
      content: json(
        ref('BadRequestError'),
        error('VALIDATION_FAILED', 'contact.email must match format "email"', [
          { path: '/contact/email', message: 'must match format "email"' },
        ]),
      ),
    },
  },
  401: {
    name: 'Unauthenticated',
    body: {
      description: 'No API key, or an unknown one (UNAUTHENTICATED).',
      content: json(
        ref('UnauthenticatedError'),
        error('UNAUTHENTICATED', 'missing or unknown API key: send Authorization: Bearer <key>'),
      ),
    },
  },
  403: {
    name: 'Forbidden',
    body: {
      description:
        'The key may not use this route, or a company key was used on another company (FORBIDDEN). An unsigned ' +
        'or ill-signed request to /ops/* gets the same body from API Gateway itself.',
      content: json(
        ref('ForbiddenError'),
        error('FORBIDDEN', 'a company key may only be used on its own company'),
      ),
    },
  },
  404: {
    name: 'NotFound',
    body: {
      description: 'No such company, certificate or execution (NOT_FOUND).',
      content: json(ref('NotFoundError'), error('NOT_FOUND', 'company c0123456789abcdef0123 not found')),
    },
  },
  409: {
    name: 'Conflict',
    body: {
      description:
        'CONFLICT: the legal name is taken in the region, a concurrent change won, or the Idempotency-Key was ' +
        'used with another body or its first request is still in progress (retry shortly).',
      content: json(
        ref('ConflictError'),
        error('CONFLICT', 'a request with this Idempotency-Key is still in progress; retry shortly'),
      ),
    },
  },
  422: {
    name: 'Unprocessable',
    body: {
      description:
        'A business rule refused the request: NOT_ELIGIBLE, WRONG_PHASE (not in the phase this needs), ' +
        'ATTEMPTS_EXHAUSTED (re-enrol first) or TOO_EARLY (e.g. before the minimum implementation period).',
      content: json(
        ref('UnprocessableError'),
        error('WRONG_PHASE', 'company is REGISTERED: designate a trainee first'),
      ),
    },
  },
  429: {
    name: 'TooManyRequests',
    body: {
      description:
        'THROTTLED: the stage is over its rate, your address over its per-IP limit (sign-ups and sign-ins: ' +
        `${RATE_RULES[0]?.limit} per ${(RATE_RULES[0]?.windowSeconds ?? 300) / 60} minutes), or an email address over its own ` +
        'limit. Retry after the `Retry-After` seconds when sent.',
      content: json(
        ref('ThrottledError'),
        error('THROTTLED', 'too many requests to the API just now; retry in a few seconds'),
      ),
    },
  },
};

const SECURITY: Record<RouteAuth, Record<string, string[]>[]> = {
  none: [],
  key: [{ bearer: [] }],
  // IAM in AWS (SigV4-signed requests); on the local runtime, the ops key as a bearer token.
  iam: [{ sigv4: [] }, { bearer: [] }],
};

const DESCRIPTION = `The HTTP API of SECOR Lifecycle: it carries small employers through SECOR health & safety
certification (sign-up, training, program, audits, certificate, maintenance, recertification).

**Authentication.** Sign-up, certificate verification and this document are public. The company routes take an API
key as \`Authorization: Bearer <key>\`: the company key (answered by sign-up), or an assessor key (issued by ops).
The /ops routes are IAM-authorized in AWS (SigV4-signed requests); on the local runtime they take the ops key.

**Idempotency.** Every write accepts an \`Idempotency-Key\` header (1 to 200 characters): the same key and body
within 24 hours answer the first response again without acting twice; the same key with another body is 409.

**Errors.** Every error the API sends has the body \`{"error": {"code", "message", "details"?}}\`; \`details\` lists
one finding per field (\`path\` is a JSON pointer into the body, or \`query:<name>\`, \`path:<name>\`). No input
produces a 5xx: a 5xx is a bug.

The reference is served at /docs on the local runtime.`;

function operation(key: string, op: Operation, auth: RouteAuth): Record<string, unknown> {
  const path = key.split(' ')[1] as string;
  const parameters = [
    ...[...path.matchAll(/\{(\w+)\}/g)].map((m) => {
      const name = m[1] as string;
      const p = PATH_PARAMETERS[name];
      if (!p) throw new Error(`${key}: no description of the path parameter ${name}`);
      return { name, in: 'path', required: true, ...p };
    }),
    ...Object.entries(op.query ?? {}).map(([name, p]) => ({ name, in: 'query', required: false, ...p })),
    ...(op.idempotent
      ? [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description:
              'Makes the write safe to retry: the same key and body answer the first response again',
            schema: { type: 'string', minLength: 1, maxLength: 200 },
          },
        ]
      : []),
  ];
  const example = op.example as { request?: unknown; response?: unknown } | undefined;
  return {
    operationId: op.operationId,
    summary: op.summary,
    description: op.description,
    tags: [op.tag],
    'x-roles': op.roles,
    security: SECURITY[auth],
    parameters,
    ...(op.request
      ? { requestBody: { required: true, content: json(ref(op.request), example?.request) } }
      : {}),
    responses: {
      [String(op.status)]:
        op.status === 204
          ? { description: 'Done: no content' }
          : {
              description:
                (responseSchemas[op.response] as { description?: string }).description ?? op.summary,
              content: json(ref(op.response), example?.response),
            },
      ...Object.fromEntries(
        op.errors.map((status) => [
          String(status),
          { $ref: `#/components/responses/${ERROR_RESPONSES[status].name}` },
        ]),
      ),
      default: { description: 'An unexpected error (500 INTERNAL, logged)', content: json(ref('Error')) },
    },
  };
}

let cached: ReturnType<typeof build> | undefined;

function build() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const binding of ROUTES) {
    const op = (OPERATIONS as Record<string, Operation>)[binding.routeKey];
    if (!op) throw new Error(`route ${binding.routeKey} has no operation in contract.ts`);
    const [method, path] = binding.routeKey.split(' ') as [string, string];
    paths[path] = { ...paths[path], [method.toLowerCase()]: operation(binding.routeKey, op, binding.auth) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'SECOR Lifecycle API',
      version: '1.0.0',
      summary: 'SECOR certification lifecycle: companies, training, audits, certificates and operations.',
      description: DESCRIPTION,
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [
      {
        url: 'http://127.0.0.1:3000',
        description: 'The local runtime (`npm start`; SECOR_PORT sets the port)',
      },
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        description: 'AWS: the stack output ApiUrl',
        variables: {
          apiId: { default: 'a1b2c3d4e5', description: 'The HTTP API id' },
          region: { default: 'ca-central-1', description: 'The AWS region of the stack' },
        },
      },
    ],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      // NoContent names a 204's (absent) body: no response references it, so it is not a component.
      schemas: {
        ...schemas,
        ...Object.fromEntries(Object.entries(responseSchemas).filter(([name]) => name !== 'NoContent')),
        ...errorSchemas,
      },
      responses: Object.fromEntries(Object.values(ERROR_RESPONSES).map((r) => [r.name, r.body])),
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API key: a company key, an assessor key, or (on the local runtime, for /ops) the ops key',
        },
        sigv4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description: 'AWS IAM: a request signed with Signature Version 4 (the /ops routes in AWS)',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
      },
    },
  };
}

/** The document (built once: it depends on nothing but the code). */
export function openApiDocument() {
  cached ??= build();
  return cached;
}

async function serveDocument(_ctx: Ctx<'GET /openapi.json'>): Promise<Reply<'GET /openapi.json'>> {
  return { status: 200, body: openApiDocument() };
}

async function regions(_ctx: Ctx<'GET /regions'>): Promise<Reply<'GET /regions'>> {
  return { status: 200, body: { items: listRegions() } };
}

async function regionPolicy({
  params,
}: Ctx<'GET /regions/{region}/policy'>): Promise<Reply<'GET /regions/{region}/policy'>> {
  const view = policyView(params.region ?? '');
  if (!view) throw notFound(`region ${params.region ?? ''} (the regions are listed by GET /regions)`);
  return { status: 200, body: view };
}

export const routes = defineRoutes({
  'GET /openapi.json': serveDocument,
  'GET /regions': regions,
  'GET /regions/{region}/policy': regionPolicy,
});

export const handler = createApi(routes);
