/**
 * The key lifecycle (API.md v1.1): a company rotates its key and the old one stops at once; operations issue,
 * list and revoke assessor and reviewer keys (a revoked key gets 401 at the very next request: the authorizer
 * has no cache); assessor and reviewer keys may be scoped to regions (another region's company: 403). Keys are
 * answered once and never listed, logged or stored in plaintext.
 */
import { designateTrainee, expectError, NOW, signUp, signUpBody, uniqueName } from './helpers';
import { startApi, type ApiFixture } from './setup';

let api: ApiFixture;

beforeAll(async () => {
  api = await startApi();
  api.setNow(NOW);
}, 30_000);
afterAll(() => api.close());

const asOps = (method: string, path: string, body?: unknown) =>
  api.call(method, path, { key: api.opsKey, ...(body !== undefined ? { body } : {}) });

describe('company key rotation: POST /companies/{companyId}/keys', () => {
  test('answers a new key; the old key gets 401 at once, the new one works', async () => {
    const c = await signUp(api);
    const res = await api.call('POST', `/companies/${c.companyId}/keys`, { key: c.apiKey, body: {} });
    expect(res.status).toBe(201);
    const next = res.body.apiKey as string;
    expect(next).toMatch(/^secor_company_[A-Za-z0-9_-]{43}$/);
    expect(next).not.toBe(c.apiKey);
    expectError(
      await api.call('GET', `/companies/${c.companyId}`, { key: c.apiKey }),
      401,
      'UNAUTHENTICATED',
    );
    expect((await api.call('GET', `/companies/${c.companyId}`, { key: next })).status).toBe(200);
    // Rotating again with the new key retires it in turn.
    const again = await api.call('POST', `/companies/${c.companyId}/keys`, { key: next, body: {} });
    expectError(await api.call('GET', `/companies/${c.companyId}`, { key: next }), 401, 'UNAUTHENTICATED');
    expect(
      (await api.call('GET', `/companies/${c.companyId}`, { key: again.body.apiKey as string })).status,
    ).toBe(200);
  });

  test('an old key whose item lingers (a crash before its delete) is still refused: only the current hash works', async () => {
    const c = await signUp(api);
    const res = await api.call('POST', `/companies/${c.companyId}/keys`, { key: c.apiKey, body: {} });
    const { hashApiKey } = await import('../../../functions/api/principal');
    // Put the old key's item back, as if its delete had never happened.
    await api.keys.put(hashApiKey(c.apiKey), { role: 'company', companyId: c.companyId });
    expectError(
      await api.call('GET', `/companies/${c.companyId}`, { key: c.apiKey }),
      401,
      'UNAUTHENTICATED',
    );
    expect(
      (await api.call('GET', `/companies/${c.companyId}`, { key: res.body.apiKey as string })).status,
    ).toBe(200);
  });

  test("another company's key → 403; no key → 401; a replay answers without the key, and nothing stores it", async () => {
    const c = await signUp(api);
    const other = await signUp(api);
    expectError(
      await api.call('POST', `/companies/${c.companyId}/keys`, { key: other.apiKey, body: {} }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await api.call('POST', `/companies/${c.companyId}/keys`, { body: {} }),
      401,
      'UNAUTHENTICATED',
    );
    const headers = { 'Idempotency-Key': `rotate-${c.companyId}` };
    const first = await api.call('POST', `/companies/${c.companyId}/keys`, {
      key: c.apiKey,
      body: {},
      headers,
    });
    expect(first.status).toBe(201);
    const replay = await api.call('POST', `/companies/${c.companyId}/keys`, {
      key: first.body.apiKey as string,
      body: {},
      headers,
    });
    // Scoped to the caller (the company): the same company, so a replay — without the key, and no new key.
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual({});
    expect(
      (await api.call('GET', `/companies/${c.companyId}`, { key: first.body.apiKey as string })).status,
    ).toBe(200);
    expect(JSON.stringify(await api.scan())).not.toContain(first.body.apiKey as string);
  });
});

describe('assessor keys: issue, list, revoke, regions', () => {
  test('GET /ops/assessors lists them with name, email, regions and dates, never a key or its hash', async () => {
    const issued = await asOps('POST', '/ops/assessors', {
      name: 'Listed Assessor',
      email: 'listed@assessors.example',
      regions: ['AB', 'SK'],
    });
    expect(issued.status).toBe(201);
    const list = await asOps('GET', '/ops/assessors');
    expect(list.status).toBe(200);
    const mine = (list.body.items as Record<string, unknown>[]).find(
      (i) => i.assessorId === issued.body.assessorId,
    );
    expect(mine).toEqual({
      assessorId: issued.body.assessorId,
      name: 'Listed Assessor',
      email: 'listed@assessors.example',
      regions: ['AB', 'SK'],
      createdAt: NOW,
    });
    expect(list.raw).not.toContain(issued.body.apiKey as string);
    expect(list.raw).not.toMatch(/keyHash|secor_assessor_/);
  });

  test('DELETE /ops/assessors/{id} → 204; the key gets 401 at the next request; listed as revoked; again → 204', async () => {
    const issued = await asOps('POST', '/ops/assessors', {
      name: 'Revoked',
      email: 'revoked@assessors.example',
    });
    const key = issued.body.apiKey as string;
    const c = await signUp(api);
    await designateTrainee(api, c);
    const attempt = (score: number) =>
      api.call('POST', `/companies/${c.companyId}/training/attempts`, { key, body: { score } });
    expect((await attempt(50)).status).toBe(201);

    const revoked = await asOps('DELETE', `/ops/assessors/${issued.body.assessorId as string}`);
    expect(revoked.status).toBe(204);
    expect(revoked.raw).toBe('');
    expectError(await attempt(90), 401, 'UNAUTHENTICATED');
    const list = await asOps('GET', '/ops/assessors');
    const mine = (list.body.items as Record<string, unknown>[]).find(
      (i) => i.assessorId === issued.body.assessorId,
    );
    expect(mine?.revokedAt).toBe(NOW);
    expect((await asOps('DELETE', `/ops/assessors/${issued.body.assessorId as string}`)).status).toBe(204);
  });

  test('an unknown or malformed assessor id → 404', async () => {
    expectError(await asOps('DELETE', '/ops/assessors/as00000000000000000000'), 404, 'NOT_FOUND');
    expectError(await asOps('DELETE', `/ops/assessors/${'x'.repeat(2000)}`), 404, 'NOT_FOUND');
  });

  test('a key scoped to AB works on an AB company and gets 403 on a BC company, before anything is recorded', async () => {
    const issued = await asOps('POST', '/ops/assessors', {
      name: 'Alberta only',
      email: 'ab@assessors.example',
      regions: ['AB'],
    });
    const key = issued.body.apiKey as string;
    const ab = await signUp(api);
    const bc = await signUp(api, { ...signUpBody({ legalName: uniqueName('BC Co') }), region: 'BC' });
    await designateTrainee(api, ab);
    await designateTrainee(api, bc);
    const attempt = (companyId: string) =>
      api.call('POST', `/companies/${companyId}/training/attempts`, { key, body: { score: 90 } });
    expect((await attempt(ab.companyId)).status).toBe(201);
    const refused = await attempt(bc.companyId);
    expect(expectError(refused, 403, 'FORBIDDEN').message).toMatch(/AB.*BC/);
    const stored = await api.repo.load(bc.companyId);
    expect(stored?.company.training.attempts).toEqual([]);
  });

  test('regions must be known codes, at least one, each once', async () => {
    for (const regions of [[], ['XX'], ['AB', 'AB'], 'AB']) {
      expectError(
        await asOps('POST', '/ops/assessors', { name: 'Bad', email: 'bad@assessors.example', regions }),
        400,
        'VALIDATION_FAILED',
      );
    }
  });
});

describe('reviewer keys', () => {
  test('POST /ops/reviewers → 201 {reviewerId, apiKey}; listed; the key is a reviewer, so company routes → 403', async () => {
    const issued = await asOps('POST', '/ops/reviewers', {
      name: 'Robin Reviewer',
      email: 'robin@partner.example',
      regions: ['AB'],
    });
    expect(issued.status).toBe(201);
    expect(issued.body).toEqual({
      reviewerId: expect.stringMatching(/^rv[0-9a-f]{20}$/),
      apiKey: expect.stringMatching(/^secor_reviewer_[A-Za-z0-9_-]{43}$/),
    });
    const list = await asOps('GET', '/ops/reviewers');
    expect(list.body.items).toContainEqual({
      reviewerId: issued.body.reviewerId,
      name: 'Robin Reviewer',
      email: 'robin@partner.example',
      regions: ['AB'],
      createdAt: NOW,
    });
    const c = await signUp(api);
    const key = issued.body.apiKey as string;
    expectError(await api.call('GET', `/companies/${c.companyId}`, { key }), 403, 'FORBIDDEN');
    expectError(
      await api.call('POST', `/companies/${c.companyId}/training/attempts`, { key, body: { score: 90 } }),
      403,
      'FORBIDDEN',
    );
    expect((await asOps('DELETE', `/ops/reviewers/${issued.body.reviewerId as string}`)).status).toBe(204);
    expectError(await api.call('GET', `/companies/${c.companyId}`, { key }), 401, 'UNAUTHENTICATED');
  });

  test('a reviewer needs its regions', async () => {
    expectError(
      await asOps('POST', '/ops/reviewers', { name: 'No region', email: 'none@partner.example' }),
      400,
      'VALIDATION_FAILED',
    );
  });

  test('the key routes of operations are IAM routes: a reviewer or assessor key there → 403 (no signature)', async () => {
    const issued = await asOps('POST', '/ops/reviewers', {
      name: 'Curious',
      email: 'curious@partner.example',
      regions: ['AB'],
    });
    const res = await api.call('GET', '/ops/reviewers', { key: issued.body.apiKey as string });
    expect(res.status).toBe(403);
  });
});
