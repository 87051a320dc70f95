/**
 * The request side of the contract: 400 MALFORMED_JSON and VALIDATION_FAILED (with details {path, message}) on
 * every write route, 404 NOT_FOUND for unknown companies and certificates, and GET /openapi.json (OpenAPI 3.1,
 * every route of API.md, request schemas equal to functions/api/schemas.ts).
 */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { schemas } from '../../../functions/api/schemas';
import {
  auditBody,
  expectError,
  expectValidation,
  newAssessor,
  NOW,
  programBody,
  signUp,
  signUpBody,
  traineeBody,
  type TestCompany,
} from './helpers';
import { startApi, type ApiFixture } from './setup';

let api: ApiFixture;
let c: TestCompany;
let assessorKey: string;

beforeAll(async () => {
  api = await startApi();
  api.setNow(NOW);
  c = await signUp(api);
  assessorKey = await newAssessor(api);
}, 30_000);
afterAll(() => api.close());

interface WriteRoute {
  name: string;
  method: string;
  path: () => string;
  key: () => string | undefined;
  valid: () => Record<string, unknown>;
  /** [description, body, a detail path the error must name] */
  invalid: [string, unknown, string][];
}

const WRITE_ROUTES: WriteRoute[] = [
  {
    name: 'POST /companies',
    method: 'POST',
    path: () => '/companies',
    key: () => undefined,
    valid: () => ({ ...signUpBody() }),
    invalid: [
      ['missing legalName', { region: 'AB', employeeCount: 3, contact: traineeBody }, '/legalName'],
      ['empty legalName', { ...signUpBody(), legalName: '' }, '/legalName'],
      ['legalName over 200 characters', { ...signUpBody(), legalName: 'x'.repeat(201) }, '/legalName'],
      ['unknown region', { ...signUpBody(), region: 'XX' }, '/region'],
      ['lower-case region', { ...signUpBody(), region: 'ab' }, '/region'],
      ['employeeCount 0', { ...signUpBody(), employeeCount: 0 }, '/employeeCount'],
      ['fractional employeeCount', { ...signUpBody(), employeeCount: 2.5 }, '/employeeCount'],
      ['employeeCount as a string', { ...signUpBody(), employeeCount: '6' }, '/employeeCount'],
      ['contact without email', { ...signUpBody(), contact: { name: 'Pat' } }, '/contact/email'],
      [
        'contact with a bad email',
        { ...signUpBody(), contact: { name: 'P', email: 'nope' } },
        '/contact/email',
      ],
      [
        'contact with a bad phone',
        { ...signUpBody(), contact: { name: 'P', email: 'p@example.com', phone: 'call me' } },
        '/contact/phone',
      ],
      ['unknown top-level field', { ...signUpBody(), admin: true }, '/admin'],
      [
        'unknown nested field',
        { ...signUpBody(), contact: { name: 'P', email: 'p@example.com', role: 'x' } },
        '/contact/role',
      ],
      ['industry null', { ...signUpBody(), industry: null }, '/industry'],
    ],
  },
  {
    name: 'PUT /companies/{companyId}/trainee',
    method: 'PUT',
    path: () => `/companies/${c.companyId}/trainee`,
    key: () => c.apiKey,
    valid: () => ({ ...traineeBody }),
    invalid: [
      ['missing email', { name: 'T' }, '/email'],
      ['bad email', { name: 'T', email: 'not-an-email' }, '/email'],
      ['empty name', { name: '', email: 't@example.com' }, '/name'],
      ['name as a number', { name: 7, email: 't@example.com' }, '/name'],
      ['unknown field', { ...traineeBody, phone: '1' }, '/phone'],
    ],
  },
  {
    name: 'POST /companies/{companyId}/training/enrolments',
    method: 'POST',
    path: () => `/companies/${c.companyId}/training/enrolments`,
    key: () => c.apiKey,
    valid: () => ({}),
    invalid: [
      ['any field', { course: 'refresher' }, '/course'],
      ['an array', [], '/'],
    ],
  },
  {
    name: 'POST /companies/{companyId}/training/attempts',
    method: 'POST',
    path: () => `/companies/${c.companyId}/training/attempts`,
    key: () => assessorKey,
    valid: () => ({ score: 85 }),
    invalid: [
      ['missing score', {}, '/score'],
      ['score above 100', { score: 101 }, '/score'],
      ['negative score', { score: -1 }, '/score'],
      ['score as a string', { score: '85' }, '/score'],
      ['takenAt not a date-time', { score: 85, takenAt: '2026-03-02' }, '/takenAt'],
      ['takenAt without a zone', { score: 85, takenAt: '2026-03-02T10:00:00' }, '/takenAt'],
      ['unknown field', { score: 85, passed: true }, '/passed'],
    ],
  },
  {
    name: 'POST /companies/{companyId}/program',
    method: 'POST',
    path: () => `/companies/${c.companyId}/program`,
    key: () => c.apiKey,
    valid: () => ({ ...programBody() }),
    invalid: [
      ['missing elements', { ...programBody(), elements: undefined }, '/elements'],
      ['no elements', { ...programBody(), elements: [] }, '/elements'],
      ['duplicate elements', { ...programBody(), elements: ['training', 'training'] }, '/elements'],
      ['elements not strings', { ...programBody(), elements: [1, 2] }, '/elements/0'],
      [
        'implementedSince not a date',
        { ...programBody(), implementedSince: '01/10/2025' },
        '/implementedSince',
      ],
      ['impossible date', { ...programBody(), implementedSince: '2025-02-30' }, '/implementedSince'],
      ['manualVersion too long', { ...programBody(), manualVersion: 'v'.repeat(51) }, '/manualVersion'],
      ['unknown field', { ...programBody(), approved: true }, '/approved'],
    ],
  },
  {
    name: 'POST /companies/{companyId}/audits',
    method: 'POST',
    path: () => `/companies/${c.companyId}/audits`,
    key: () => assessorKey,
    valid: () => ({ ...auditBody('certification') }),
    invalid: [
      ['unknown type', { ...auditBody('certification'), type: 'surprise' }, '/type'],
      ['overallScore above 100', { ...auditBody('certification'), overallScore: 100.5 }, '/overallScore'],
      [
        'element score above 100',
        { ...auditBody('certification'), elementScores: { training: 101 } },
        '/elementScores/training',
      ],
      [
        'element id not kebab-case',
        { ...auditBody('certification'), elementScores: { Training_1: 90 } },
        '/elementScores',
      ],
      ['auditor without name', { ...auditBody('certification'), auditor: {} }, '/auditor/name'],
      ['completedOn not a date', { ...auditBody('certification'), completedOn: 'yesterday' }, '/completedOn'],
      [
        'unknown field',
        { ...auditBody('certification'), certificate: 'SECOR-AB-2026-000001' },
        '/certificate',
      ],
    ],
  },
  {
    name: 'POST /companies/{companyId}/withdrawal',
    method: 'POST',
    path: () => `/companies/${c.companyId}/withdrawal`,
    key: () => c.apiKey,
    valid: () => ({ reason: 'r' }),
    invalid: [
      ['empty reason', { reason: '' }, '/reason'],
      ['reason over 1000 characters', { reason: 'r'.repeat(1001) }, '/reason'],
      ['reason null', { reason: null }, '/reason'],
      ['unknown field', { reason: 'r', effectiveOn: '2026-04-01' }, '/effectiveOn'],
    ],
  },
  {
    name: 'POST /ops/companies/{companyId}/reminders',
    method: 'POST',
    path: () => `/ops/companies/${c.companyId}/reminders`,
    key: () => api.opsKey,
    valid: () => ({}),
    invalid: [['any field', { step: 'TRAINING_EXAM' }, '/step']],
  },
  {
    name: 'POST /ops/companies/{companyId}/redrive',
    method: 'POST',
    path: () => `/ops/companies/${c.companyId}/redrive`,
    key: () => api.opsKey,
    valid: () => ({}),
    invalid: [['any field', { force: true }, '/force']],
  },
  {
    name: 'POST /ops/assessors',
    method: 'POST',
    path: () => '/ops/assessors',
    key: () => api.opsKey,
    valid: () => ({ name: 'A', email: 'a@example.com' }),
    invalid: [
      ['missing name', { email: 'a@example.com' }, '/name'],
      ['bad email', { name: 'A', email: 'a@' }, '/email'],
      ['unknown field', { name: 'A', email: 'a@example.com', role: 'ops' }, '/role'],
    ],
  },
];

describe.each(WRITE_ROUTES)('$name: 400', (route) => {
  const send = (options: { body?: unknown; rawBody?: string; headers?: Record<string, string> }) => {
    const key = route.key();
    return api.call(route.method, route.path(), { ...(key ? { key } : {}), ...options });
  };

  test.each(['{', '{"a":1,}', "{'a':1}", 'undefined', '{"a":1}}', 'NaN', '\u0000'])(
    'broken JSON %j → 400 MALFORMED_JSON without details',
    async (rawBody) => {
      const error = expectError(await send({ rawBody }), 400, 'MALFORMED_JSON');
      expect(error.details).toBeUndefined();
    },
  );

  test.each(route.invalid)('%s → 400 VALIDATION_FAILED naming the field', async (_what, body, path) => {
    const res = await send({ body });
    expectValidation(res, path);
    const error = res.body.error as { message: string; details: { path: string; message: string }[] };
    // The message names the first failing field (its path, dotted) and why.
    const first = error.details[0] as { path: string; message: string };
    expect(error.message).toContain(first.message);
  });

  test.each([
    ['a string', '"text"'],
    ['a number', '42'],
    ['an array', '[{}]'],
    ['true', 'true'],
  ])('a body that is %s → 400 VALIDATION_FAILED at /', async (_w, raw) => {
    expectValidation(await send({ rawBody: raw }), '/');
  });

  if (Object.keys(route.valid()).length > 0 && route.name !== 'POST /companies/{companyId}/withdrawal') {
    test('a null or empty body → 400 VALIDATION_FAILED listing the required fields', async () => {
      for (const rawBody of ['null', '', '  ']) {
        const error = expectError(await send({ rawBody }), 400, 'VALIDATION_FAILED');
        expect(error.details?.every((d) => d.message === 'is required')).toBe(true);
      }
    });
  }

  test('a body over 64 KB → 400 VALIDATION_FAILED at /', async () => {
    const body = { ...route.valid(), padding: 'x'.repeat(70 * 1024) };
    expectValidation(await send({ body }), '/');
  });

  test('an Idempotency-Key over 200 characters → 400 VALIDATION_FAILED', async () => {
    const res = await send({ body: route.valid(), headers: { 'Idempotency-Key': 'k'.repeat(201) } });
    expectValidation(res, 'header:Idempotency-Key');
  });
});

describe('VALIDATION_FAILED details', () => {
  test('the example of API.md: employeeCount 0', async () => {
    const res = await api.call('POST', '/companies', { body: { ...signUpBody(), employeeCount: 0 } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: 'employeeCount must be >= 1',
        details: [{ path: '/employeeCount', message: 'must be >= 1' }],
      },
    });
  });

  test('every failing field is reported (all errors, not just the first)', async () => {
    const res = await api.call('POST', '/companies', {
      body: { legalName: '', region: 'XX', employeeCount: -1, contact: { name: 'P', email: 'x' }, extra: 1 },
    });
    const error = expectError(res, 400, 'VALIDATION_FAILED');
    expect(error.details?.map((d) => d.path).sort()).toEqual(
      ['/contact/email', '/employeeCount', '/extra', '/legalName', '/region'].sort(),
    );
  });

  test('an empty body on a route with required fields → 400 listing them', async () => {
    const res = await api.call('PUT', `/companies/${c.companyId}/trainee`, { key: c.apiKey, rawBody: '' });
    const error = expectError(res, 400, 'VALIDATION_FAILED');
    expect(error.details).toEqual([
      { path: '/name', message: 'is required' },
      { path: '/email', message: 'is required' },
    ]);
  });

  test('a refused body changes nothing', async () => {
    const before = await api.call('GET', `/companies/${c.companyId}`, { key: c.apiKey });
    await api.call('PUT', `/companies/${c.companyId}/trainee`, {
      key: c.apiKey,
      body: { name: 'T', email: 'x' },
    });
    const after = await api.call('GET', `/companies/${c.companyId}`, { key: c.apiKey });
    expect(after.body).toEqual(before.body);
  });
});

describe('404 NOT_FOUND', () => {
  const unknown = 'c00000000000000000000';

  test('unknown company: ops reads, assessor writes, ops routes', async () => {
    const cases: [string, string, string, unknown?][] = [
      ['GET', `/ops/companies/${unknown}`, api.opsKey],
      ['GET', `/ops/companies/${unknown}/executions`, api.opsKey],
      ['POST', `/ops/companies/${unknown}/reminders`, api.opsKey, {}],
      ['POST', `/ops/companies/${unknown}/redrive`, api.opsKey, {}],
      ['POST', `/companies/${unknown}/training/attempts`, assessorKey, { score: 90 }],
      ['POST', `/companies/${unknown}/audits`, assessorKey, auditBody('certification')],
      ['POST', `/companies/${unknown}/audits`, assessorKey, auditBody('recertification')],
    ];
    for (const [method, path, key, body] of cases) {
      const res = await api.call(method, path, { key, ...(body !== undefined ? { body } : {}) });
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
      expect(expectError(res, 404, 'NOT_FOUND').message).toContain(unknown);
    }
  });

  test('the company-only routes cannot 404: a company key names its own company (another id → 403)', async () => {
    for (const suffix of ['/trainee', '/training/enrolments', '/program', '/withdrawal']) {
      const res = await api.call(suffix === '/trainee' ? 'PUT' : 'POST', `/companies/${unknown}${suffix}`, {
        key: c.apiKey,
        body: {},
      });
      expectError(res, 403, 'FORBIDDEN');
    }
  });

  test('unknown certificate → 404; a malformed certificate number → 400', async () => {
    expectError(await api.call('GET', '/certificates/SECOR-AB-2026-123456'), 404, 'NOT_FOUND');
    expectError(await api.call('GET', '/certificates/SECOR-ZZ-1999-000001'), 404, 'NOT_FOUND');
    for (const bad of [
      '123',
      'SECOR-AB-26-000001',
      'SECOR-AB-2026-12',
      'SECOR-ALB-2026-000001',
      'x'.repeat(300),
    ]) {
      const res = await api.call('GET', `/certificates/${encodeURIComponent(bad)}`);
      expectValidation(res, 'path:certificateNumber');
    }
  });

  test('an unknown route → 404 NOT_FOUND', async () => {
    expectError(await api.call('GET', '/nothing-here'), 404, 'NOT_FOUND');
    expectError(
      await api.call('POST', `/companies/${c.companyId}/nothing`, { key: c.apiKey }),
      404,
      'NOT_FOUND',
    );
  });
});

/** The routes of API.md, their roles, and their request schema (by name in schemas.ts). */
const API_ROUTES: [string, string[], keyof typeof schemas | null][] = [
  ['POST /companies', ['public'], 'SignUp'],
  ['GET /companies/{companyId}', ['company', 'trainee'], null],
  ['PUT /companies/{companyId}/trainee', ['company'], 'Trainee'],
  ['POST /companies/{companyId}/training/enrolments', ['company', 'trainee'], 'Enrolment'],
  ['POST /companies/{companyId}/training/attempts', ['assessor'], 'ExamAttempt'],
  ['POST /companies/{companyId}/program', ['company'], 'Program'],
  ['POST /companies/{companyId}/audits', ['assessor', 'company'], 'Audit'],
  ['POST /companies/{companyId}/withdrawal', ['company'], 'Withdrawal'],
  ['GET /certificates/{certificateNumber}', ['public'], null],
  ['GET /ops/companies', ['ops'], null],
  ['GET /ops/companies/{companyId}/executions', ['ops'], null],
  ['POST /ops/companies/{companyId}/reminders', ['ops'], 'Empty'],
  ['POST /ops/companies/{companyId}/redrive', ['ops'], 'Empty'],
  ['POST /ops/assessors', ['ops'], 'Assessor'],
];

interface Operation {
  'x-roles': string[];
  security: unknown[];
  parameters: { name: string; in: string; required?: boolean }[];
  requestBody?: { required: boolean; content: { 'application/json': { schema: { $ref: string } } } };
  responses: Record<string, { content: { 'application/json': { schema: { $ref?: string } } } }>;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Record<string, unknown>> };
}

describe('GET /openapi.json', () => {
  let doc: OpenApiDocument;

  beforeAll(async () => {
    const res = await api.call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    doc = res.body as unknown as OpenApiDocument;
  });

  test('is an OpenAPI 3.1 document', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
  });

  test.each(API_ROUTES)(
    'lists %s with its roles, path parameters and request schema',
    (route, roles, schema) => {
      const [method, path] = route.split(' ') as [string, string];
      const op = doc.paths[path]?.[method.toLowerCase()];
      expect(op).toBeDefined();
      if (!op) return;
      expect([...op['x-roles']].sort()).toEqual([...roles].sort());
      // Public: none; key routes: a bearer key; /ops/*: SigV4 (IAM) in AWS, or the ops key as a bearer locally.
      expect(op.security).toEqual(
        roles.includes('public')
          ? []
          : path.startsWith('/ops/')
            ? [{ sigv4: [] }, { bearer: [] }]
            : [{ bearer: [] }],
      );
      const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(op.parameters.filter((p) => p.in === 'path').map((p) => p.name)).toEqual(params);
      if (schema) {
        expect(op.requestBody?.content['application/json'].schema.$ref).toBe(
          `#/components/schemas/${schema}`,
        );
        expect(doc.components.schemas[schema]).toEqual(JSON.parse(JSON.stringify(schemas[schema])));
        expect(op.parameters).toContainEqual(
          expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }),
        );
      } else {
        expect(op.requestBody).toBeUndefined();
      }
      expect(op.responses.default?.content['application/json'].schema.$ref).toBe(
        '#/components/schemas/Error',
      );
    },
  );

  test('every request schema of schemas.ts is in the document, unchanged', () => {
    for (const [name, schema] of Object.entries(schemas)) {
      expect(doc.components.schemas[name]).toEqual(JSON.parse(JSON.stringify(schema)));
    }
  });

  test("the document's schemas are valid JSON Schema 2020-12 and judge bodies as the API does", async () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    for (const name of Object.keys(schemas)) ajv.compile(doc.components.schemas[name] as object);
    const error = ajv.compile(doc.components.schemas.Error as object);
    const refused = await api.call('POST', '/companies', { body: { ...signUpBody(), employeeCount: 0 } });
    expect(error(refused.body)).toBe(true);
    const signUpSchema = ajv.compile(doc.components.schemas.SignUp as object);
    expect(signUpSchema(signUpBody())).toBe(true);
    expect(signUpSchema({ ...signUpBody(), employeeCount: 0 })).toBe(false);
  });
});
