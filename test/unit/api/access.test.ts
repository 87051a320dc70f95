/**
 * Who may call what (API.md "Callers and keys"): every route against every kind of caller — no key, an unknown
 * key, a malformed Authorization header, the company's own key, another company's key, an assessor key and the
 * ops key. On key routes, denied callers get 401 UNAUTHENTICATED (no or unknown key; the ops key is unknown
 * there, as a SigV4 signature is in AWS) or 403 FORBIDDEN (valid key, not allowed here), before the body is even
 * validated. On /ops/* (IAM), anything but the ops key gets what API Gateway answers an unsigned request. Allowed
 * callers get past authorization (checked with a body that fails validation, so nothing changes, or a read).
 */
import { IAM_FORBIDDEN } from '../../../local/api-gateway';
import { auditBody, expectError, newAssessor, NOW, signUp, type TestCompany } from './helpers';
import { startApi, type ApiFixture } from './setup';

let api: ApiFixture;
let own: TestCompany;
let other: TestCompany;
let assessorKey: string;

beforeAll(async () => {
  api = await startApi();
  api.setNow(NOW);
  own = await signUp(api);
  other = await signUp(api);
  assessorKey = await newAssessor(api);
}, 30_000);
afterAll(() => api.close());

type Caller = 'none' | 'unknown' | 'malformed' | 'own' | 'other' | 'assessor' | 'ops';
const CALLERS: Caller[] = ['none', 'unknown', 'malformed', 'own', 'other', 'assessor', 'ops'];

function headersOf(caller: Caller): { key?: string; headers?: Record<string, string> } {
  switch (caller) {
    case 'none':
      return {};
    case 'unknown':
      return { key: 'secor_company_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' };
    case 'malformed':
      return { headers: { authorization: `Basic ${own.apiKey}` } };
    case 'own':
      return { key: own.apiKey };
    case 'other':
      return { key: other.apiKey };
    case 'assessor':
      return { key: assessorKey };
    case 'ops':
      return { key: api.opsKey };
  }
}

/** What a caller gets: 401/403 when denied; when allowed, the status of the probe (400 = validation ran). */
interface Row {
  route: string;
  method: string;
  path: () => string;
  body?: unknown;
  allowed: Partial<Record<Caller, number>>;
}

const INVALID = { notAField: true };
const companyPath =
  (suffix = '') =>
  () =>
    `/companies/${own.companyId}${suffix}`;

const ROWS: Row[] = [
  {
    route: 'GET /companies/{companyId}',
    method: 'GET',
    path: companyPath(),
    allowed: { own: 200 },
  },
  {
    route: 'PUT /companies/{companyId}/trainee',
    method: 'PUT',
    path: companyPath('/trainee'),
    body: INVALID,
    allowed: { own: 400 },
  },
  {
    route: 'POST /companies/{companyId}/training/enrolments',
    method: 'POST',
    path: companyPath('/training/enrolments'),
    body: INVALID,
    allowed: { own: 400 },
  },
  {
    route: 'POST /companies/{companyId}/training/attempts',
    method: 'POST',
    path: companyPath('/training/attempts'),
    body: INVALID,
    allowed: { assessor: 400 },
  },
  {
    route: 'POST /companies/{companyId}/program',
    method: 'POST',
    path: companyPath('/program'),
    body: INVALID,
    allowed: { own: 400 },
  },
  {
    route: 'POST /companies/{companyId}/audits (invalid body)',
    method: 'POST',
    path: companyPath('/audits'),
    body: INVALID,
    allowed: { own: 400, assessor: 400 },
  },
  {
    route: 'POST /companies/{companyId}/audits certification',
    method: 'POST',
    path: companyPath('/audits'),
    body: auditBody('certification'),
    allowed: { assessor: 422 }, // the company is REGISTERED: WRONG_PHASE, past authorization
  },
  {
    route: 'POST /companies/{companyId}/audits recertification',
    method: 'POST',
    path: companyPath('/audits'),
    body: auditBody('recertification'),
    allowed: { assessor: 422 },
  },
  {
    route: 'POST /companies/{companyId}/audits maintenance',
    method: 'POST',
    path: companyPath('/audits'),
    body: auditBody('maintenance'),
    allowed: { own: 422 },
  },
  {
    route: 'POST /companies/{companyId}/withdrawal',
    method: 'POST',
    path: companyPath('/withdrawal'),
    body: INVALID,
    allowed: { own: 400 },
  },
  {
    route: 'GET /ops/companies',
    method: 'GET',
    path: () => '/ops/companies',
    allowed: { ops: 200 },
  },
  {
    route: 'GET /ops/companies/{companyId}/executions',
    method: 'GET',
    path: () => `/ops/companies/${own.companyId}/executions`,
    allowed: { ops: 200 },
  },
  {
    route: 'POST /ops/companies/{companyId}/reminders',
    method: 'POST',
    path: () => `/ops/companies/${own.companyId}/reminders`,
    body: INVALID,
    allowed: { ops: 400 },
  },
  {
    route: 'POST /ops/companies/{companyId}/redrive',
    method: 'POST',
    path: () => `/ops/companies/${own.companyId}/redrive`,
    body: INVALID,
    allowed: { ops: 400 },
  },
  {
    route: 'POST /ops/assessors',
    method: 'POST',
    path: () => '/ops/assessors',
    body: INVALID,
    allowed: { ops: 400 },
  },
  {
    route: 'POST /companies/{companyId}/keys',
    method: 'POST',
    path: companyPath('/keys'),
    body: INVALID,
    allowed: { own: 400 },
  },
  // Only a session may be ended here: every API key is refused (the ops key is an unknown key on this route).
  { route: 'DELETE /sessions/current', method: 'DELETE', path: () => '/sessions/current', allowed: {} },
  { route: 'GET /ops/assessors', method: 'GET', path: () => '/ops/assessors', allowed: { ops: 200 } },
  {
    route: 'DELETE /ops/assessors/{assessorId}',
    method: 'DELETE',
    path: () => '/ops/assessors/as00000000000000000000',
    allowed: { ops: 404 },
  },
  {
    route: 'POST /ops/reviewers',
    method: 'POST',
    path: () => '/ops/reviewers',
    body: INVALID,
    allowed: { ops: 400 },
  },
  { route: 'GET /ops/reviewers', method: 'GET', path: () => '/ops/reviewers', allowed: { ops: 200 } },
  {
    route: 'DELETE /ops/reviewers/{reviewerId}',
    method: 'DELETE',
    path: () => '/ops/reviewers/rv00000000000000000000',
    allowed: { ops: 404 },
  },
];

describe.each(ROWS)('$route', (row) => {
  test.each(CALLERS)('caller %s', async (caller) => {
    const res = await api.call(row.method, row.path(), {
      ...headersOf(caller),
      ...(row.body !== undefined ? { body: row.body } : {}),
    });
    const allowed = row.allowed[caller];
    if (allowed !== undefined) {
      expect(res.status).toBe(allowed);
    } else if (/^[A-Z]+ \/ops\//.test(row.route)) {
      expect({ status: res.status, body: res.raw }).toEqual({ status: 403, body: IAM_FORBIDDEN.body });
    } else if (caller === 'none' || caller === 'unknown' || caller === 'malformed' || caller === 'ops') {
      const error = expectError(res, 401, 'UNAUTHENTICATED');
      expect(error.message).toMatch(/Bearer/);
    } else {
      expectError(res, 403, 'FORBIDDEN');
    }
  });
});

describe('public routes accept any caller', () => {
  test.each(CALLERS)(
    'POST /companies, GET /certificates/{n} and GET /openapi.json with caller %s',
    async (caller) => {
      const auth = headersOf(caller);
      const signUpRes = await api.call('POST', '/companies', {
        ...auth,
        body: {
          legalName: `Public ${caller} Ltd.`,
          region: 'AB',
          employeeCount: 3,
          contact: { name: 'P', email: 'p@example.com' },
        },
      });
      expect(signUpRes.status).toBe(201);
      const verify = await api.call('GET', '/certificates/SECOR-AB-2026-999999', auth);
      expectError(verify, 404, 'NOT_FOUND');
      expect((await api.call('GET', '/openapi.json', auth)).status).toBe(200);
    },
  );
});

describe('tenant and role details', () => {
  test("a company key on another company's routes → 403 with a message that says so", async () => {
    const res = await api.call('GET', `/companies/${other.companyId}`, { key: own.apiKey });
    expect(expectError(res, 403, 'FORBIDDEN').message).toMatch(/own company/);
    const write = await api.call('PUT', `/companies/${other.companyId}/trainee`, {
      key: own.apiKey,
      body: { name: 'Intruder', email: 'intruder@example.com' },
    });
    expectError(write, 403, 'FORBIDDEN');
    const status = await api.call('GET', `/companies/${other.companyId}`, { key: other.apiKey });
    expect(status.body.trainee).toBeNull();
  });

  test('a company key on an unknown company id → 403, not 404 (no existence oracle)', async () => {
    expectError(await api.call('GET', '/companies/cdoesnotexist', { key: own.apiKey }), 403, 'FORBIDDEN');
    expectError(
      await api.call('POST', '/companies/cdoesnotexist/withdrawal', { key: own.apiKey, body: {} }),
      403,
      'FORBIDDEN',
    );
  });

  test('a company filing a certification audit on itself → 403; an assessor filing a maintenance audit → 403', async () => {
    const byCompany = await api.call('POST', `/companies/${own.companyId}/audits`, {
      key: own.apiKey,
      body: auditBody('certification'),
    });
    expect(expectError(byCompany, 403, 'FORBIDDEN').message).toMatch(/assessor/);
    const byAssessor = await api.call('POST', `/companies/${own.companyId}/audits`, {
      key: assessorKey,
      body: auditBody('maintenance'),
    });
    expect(expectError(byAssessor, 403, 'FORBIDDEN').message).toMatch(/company/);
  });

  test('authorization comes before body parsing: broken JSON from a denied caller → 401/403, not 400', async () => {
    const raw = '{"score": ';
    const path = `/companies/${own.companyId}/training/attempts`;
    expectError(await api.call('POST', path, { rawBody: raw }), 401, 'UNAUTHENTICATED');
    expectError(await api.call('POST', path, { key: own.apiKey, rawBody: raw }), 403, 'FORBIDDEN');
    expectError(await api.call('POST', path, { key: assessorKey, rawBody: raw }), 400, 'MALFORMED_JSON');
  });

  test('the bearer scheme is case-insensitive; a key with extra text is unknown', async () => {
    const lower = await api.call('GET', `/companies/${own.companyId}`, {
      headers: { authorization: `bearer ${own.apiKey}` },
    });
    expect(lower.status).toBe(200);
    const suffixed = await api.call('GET', `/companies/${own.companyId}`, {
      headers: { authorization: `Bearer ${own.apiKey}x` },
    });
    expectError(suffixed, 401, 'UNAUTHENTICATED');
    const twoTokens = await api.call('GET', `/companies/${own.companyId}`, {
      headers: { authorization: `Bearer ${own.apiKey} ${own.apiKey}` },
    });
    expectError(twoTokens, 401, 'UNAUTHENTICATED');
  });

  test('a new assessor key works the moment it is issued; keys are random and shown once', async () => {
    const a = await api.call('POST', '/ops/assessors', {
      key: api.opsKey,
      body: { name: 'A', email: 'a@example.com' },
    });
    const b = await api.call('POST', '/ops/assessors', {
      key: api.opsKey,
      body: { name: 'A', email: 'a@example.com' },
    });
    expect(a.body.apiKey).not.toBe(b.body.apiKey);
    expect(a.body.assessorId).not.toBe(b.body.assessorId);
    // base64url of ≥ 32 random bytes after the prefix
    expect((a.body.apiKey as string).replace(/^secor_assessor_/, '').length).toBeGreaterThanOrEqual(43);
    const attempt = await api.call('POST', `/companies/${own.companyId}/training/attempts`, {
      key: a.body.apiKey as string,
      body: { score: 90 },
    });
    expectError(attempt, 422, 'WRONG_PHASE'); // past authorization: the company is REGISTERED
    // Only the key's hash is stored, never the key.
    const { hashApiKey } = await import('../../../functions/api/principal');
    const key = a.body.apiKey as string;
    expect(await api.keys.get(hashApiKey(key))).toEqual({ role: 'assessor', assessorId: a.body.assessorId });
    expect(JSON.stringify(await api.scan())).not.toContain(key.replace(/^secor_assessor_/, ''));
  });
});
