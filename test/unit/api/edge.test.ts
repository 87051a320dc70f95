/**
 * What the edge answers itself (the local gateway as the stack's REST API and firewall answer): unrouted requests,
 * unsigned operations requests, and the per-IP rate rules, each with the contract's error body.
 */
import { edgeBody, GATEWAY_RESPONSES, NO_METHOD, NO_ROUTE, RATE_RULES } from '../../../functions/api/edge';
import { LocalApiGateway } from '../../../local/api-gateway';
import { startApi, type ApiFixture } from './setup';

let api: ApiFixture;
beforeAll(async () => {
  api = await startApi();
}, 60_000);
afterAll(() => api.close());

test('a path no route serves: 404 NOT_FOUND, the contract body', async () => {
  for (const path of ['/nothing', '/companies/c1/unknown', '/ops', '/companies/c1/training']) {
    const res = await api.call('GET', path);
    expect([path, res.status, res.raw]).toEqual([path, 404, edgeBody(NO_ROUTE)]);
  }
});

test("a route's path with a method it does not take: 405, the contract body", async () => {
  const res = await api.call('DELETE', '/companies');
  expect([res.status, res.raw]).toEqual([405, edgeBody(NO_METHOD)]);
});

test('an unsigned, or key-signed, request to /ops/*: 403 FORBIDDEN saying how to sign it', async () => {
  const company = await api.call('POST', '/companies', {
    body: {
      legalName: 'Edge Test Ltd',
      region: 'AB',
      employeeCount: 7,
      contact: { name: 'Pat Owner', email: 'pat@edge-test.example' },
    },
  });
  expect(company.status).toBe(201);
  const key = (company.body as { apiKey: string }).apiKey;
  for (const headers of [{}, { key }, { key: 'not-a-key' }]) {
    const res = await api.call('GET', '/ops/companies', headers);
    expect([res.status, res.raw]).toEqual([403, edgeBody(GATEWAY_RESPONSES.MISSING_AUTHENTICATION_TOKEN)]);
  }
});

describe('per-IP rate rules (the firewall)', () => {
  const rule = { ...RATE_RULES[0]!, limit: 3 };
  const answered: string[] = [];
  const gateway = () =>
    new LocalApiGateway(
      async () => ({
        handler: async (event: { path: string }) => {
          answered.push(event.path);
          return { statusCode: 202, headers: {}, body: '{}' };
        },
      }),
      { rateRules: [rule] },
    );

  test('over the limit from one address: 429 THROTTLED with Retry-After, and the handler is not called', async () => {
    const g = gateway();
    const send = (sourceIp: string) =>
      g.invoke({ method: 'POST', path: '/sign-in', body: '{"email":"a@b.example"}', sourceIp });
    const first = await Promise.all([send('203.0.113.5'), send('203.0.113.5'), send('203.0.113.5')]);
    expect(first.map((r) => r.statusCode)).toEqual([202, 202, 202]);
    const over = await send('203.0.113.5');
    expect(over).toEqual({
      statusCode: 429,
      headers: { 'content-type': 'application/json', 'retry-after': String(rule.windowSeconds) },
      body: edgeBody(rule.answer),
    });
    expect(answered).toHaveLength(3);
    // Another address has its own allowance; a route the rule does not list is not counted.
    expect((await send('198.51.100.7')).statusCode).toBe(202);
    const other = await g.invoke({ method: 'GET', path: '/openapi.json', sourceIp: '203.0.113.5' });
    expect(other.statusCode).toBe(202);
  });
});

describe('per contact address: sign-ups naming one email a day (each sends it a welcome)', () => {
  const signUp = (n: number, email: string) =>
    api.call('POST', '/companies', {
      body: {
        legalName: `Address Limit ${n} Ltd`,
        region: 'BC',
        employeeCount: 3,
        contact: { name: 'Sam Owner', email },
      },
    });
  afterEach(() => {
    process.env.SIGN_UPS_PER_ADDRESS_PER_DAY = '1000';
  });

  test('over the limit → 429 THROTTLED naming the limit; duplicates (409) and other addresses do not count', async () => {
    process.env.SIGN_UPS_PER_ADDRESS_PER_DAY = '2';
    expect((await signUp(1, 'sam@limit.example')).status).toBe(201);
    expect((await signUp(1, 'sam@limit.example')).status).toBe(409);
    expect((await signUp(2, 'SAM@limit.example')).status).toBe(201);
    const over = await signUp(3, 'sam@limit.example');
    expect(over.status).toBe(429);
    expect(over.body).toEqual({
      error: { code: 'THROTTLED', message: expect.stringContaining('used for 2 sign-ups today') },
    });
    expect((await signUp(4, 'alex@limit.example')).status).toBe(201);
    const names = (await api.scan())
      .map((item) => JSON.stringify(item).match(/Address Limit \d/)?.[0])
      .filter((n): n is string => n !== undefined);
    expect(names).toContain('Address Limit 1');
    expect(names).not.toContain('Address Limit 3');
  });
});

test('a path whose percent-encoding is not valid (%FF, %%) → 400 VALIDATION_FAILED, never a 500', async () => {
  for (const path of [
    '/ops/companies/%FF/executions',
    '/companies/%%/program',
    '/companies/%E0%A4%A/audits',
  ]) {
    const res = await api.call('POST', path, { key: api.opsKey, body: {} });
    expect([path, res.status, res.raw]).toEqual([path, 400, edgeBody(GATEWAY_RESPONSES.DEFAULT_4XX)]);
  }
});

test('an unknown query parameter → 400 VALIDATION_FAILED naming it, on every kind of route', async () => {
  const cases: [string, string, Record<string, string>][] = [
    ['GET', '/openapi.json', {}],
    ['GET', '/certificates/SECOR-AB-2026-000001', {}],
    ['GET', '/ops/companies', { key: api.opsKey }],
  ];
  // Names an object inherits are not parameters either.
  for (const name of ['__proto__', 'constructor', 'toString']) {
    const res = await api.call('GET', '/openapi.json', { query: { [name]: 'x' } });
    expect([name, res.status]).toEqual([name, 400]);
  }
  for (const [method, path, headers] of cases) {
    const res = await api.call(method, path, { ...headers, query: { phas: 'REGISTERED' } });
    expect([path, res.status, res.body]).toEqual([
      path,
      400,
      {
        error: {
          code: 'VALIDATION_FAILED',
          message: 'unknown query parameter: phas',
          details: [{ path: 'query:phas', message: 'is not a parameter of this route' }],
        },
      },
    ]);
  }
});
