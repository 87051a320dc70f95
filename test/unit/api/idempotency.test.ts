/**
 * Idempotency-Key (API.md: "the same key and body within 24 h return the first response without acting twice"),
 * its scoping per caller and route, and concurrent identical sign-ups (one registration per legal name and region).
 */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  auditBody,
  designateTrainee,
  expectError,
  getStatus,
  newAssessor,
  NOW,
  signUp,
  signUpBody,
  submitProgram,
  traineeBody,
  uniqueName,
} from './helpers';
import { startApi, type ApiFixture, type ApiResponse } from './setup';

let api: ApiFixture;
let assessorKey: string;

beforeAll(async () => {
  api = await startApi();
  api.setNow(NOW);
  assessorKey = await newAssessor(api);
}, 30_000);
afterAll(() => api.close());

const idem = (key: string) => ({ 'Idempotency-Key': key });

/** StartExecution calls for a company's executions. */
const startsOf = (companyId: string) =>
  api.sfn
    .commandCalls(StartExecutionCommand)
    .filter((c) => c.args[0].input.name?.startsWith(`${companyId}-`));

/** Company records with this legal name, from the table. */
async function companiesNamed(legalName: string): Promise<Record<string, unknown>[]> {
  return (await api.scan()).filter(
    (i) => String(i.PK).startsWith('COMPANY#') && i.SK === 'PROFILE' && i.legalName === legalName,
  );
}

/** Companies with this legal name listed by GET /ops/companies?phase=REGISTERED (every page). */
async function listedNamed(legalName: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const res = await api.call('GET', '/ops/companies', {
      key: api.opsKey,
      query: { phase: 'REGISTERED', limit: '500', ...(cursor ? { cursor } : {}) },
    });
    expect(res.status).toBe(200);
    const body = res.body as { items: { companyId: string; legalName: string }[]; cursor?: string };
    ids.push(...body.items.filter((i) => i.legalName === legalName).map((i) => i.companyId));
    cursor = body.cursor;
  } while (cursor);
  return ids;
}

describe('replay', () => {
  test('POST /companies: same key and body → the same 201 without the key (kept nowhere), one company, one execution', async () => {
    const body = signUpBody();
    const first = await api.call('POST', '/companies', { body, headers: idem('signup-1') });
    const second = await api.call('POST', '/companies', { body, headers: idem('signup-1') });
    expect(first.status).toBe(201);
    expect(first.body.apiKey).toMatch(/^secor_company_/);
    expect(second.status).toBe(201);
    const { apiKey, ...rest } = first.body;
    expect(second.body).toEqual(rest);
    expect(second.headers['idempotent-replay']).toBe('true');
    const companyId = first.body.companyId as string;
    expect(await companiesNamed(body.legalName)).toHaveLength(1);
    expect(await listedNamed(body.legalName)).toEqual([companyId]);
    expect(startsOf(companyId)).toHaveLength(1);
    // The key answered first is the working key, and it is in no item of the table (idempotency record included).
    expect((await api.call('GET', `/companies/${companyId}`, { key: apiKey as string })).status).toBe(200);
    expect(JSON.stringify(await api.scan())).not.toContain(apiKey as string);
  });

  test('same key, another body → 409 CONFLICT, and the other body is not acted on', async () => {
    const body = signUpBody();
    expect((await api.call('POST', '/companies', { body, headers: idem('signup-2') })).status).toBe(201);
    const other = signUpBody();
    const res = await api.call('POST', '/companies', { body: other, headers: idem('signup-2') });
    expect(expectError(res, 409, 'CONFLICT').message).toMatch(/Idempotency-Key/);
    expect(await companiesNamed(other.legalName)).toHaveLength(0);
  });

  test('same key, another body on company routes (trainee, withdrawal) → 409 CONFLICT, nothing changed', async () => {
    const c = await signUp(api);
    const trainee = (name: string) =>
      api.call('PUT', `/companies/${c.companyId}/trainee`, {
        key: c.apiKey,
        body: { name, email: 'x@example.com' },
        headers: idem('company-routes'),
      });
    expect((await trainee('First Trainee')).status).toBe(200);
    expectError(await trainee('Second Trainee'), 409, 'CONFLICT');
    expect((await getStatus(api, c.companyId)).trainee?.name).toBe('First Trainee');
    const withdraw = (reason: string) =>
      api.call('POST', `/companies/${c.companyId}/withdrawal`, {
        key: c.apiKey,
        body: { reason },
        headers: idem('company-withdrawal'),
      });
    expect((await withdraw('first reason')).status).toBe(200);
    expectError(await withdraw('second reason'), 409, 'CONFLICT');
    expect((await getStatus(api, c.companyId)).withdrawal?.reason).toBe('first reason');
  });

  test('without a key, a repeated sign-up is a duplicate: 409 CONFLICT', async () => {
    const body = signUpBody();
    expect((await api.call('POST', '/companies', { body })).status).toBe(201);
    expectError(await api.call('POST', '/companies', { body }), 409, 'CONFLICT');
  });

  test('exam attempt replay: the same attempt, recorded once', async () => {
    const c = await signUp(api);
    await designateTrainee(api, c);
    const send = (key: string, score: number) =>
      api.call('POST', `/companies/${c.companyId}/training/attempts`, {
        key: assessorKey,
        body: { score },
        headers: idem(key),
      });
    const first = await send('attempt-1', 60);
    const replay = await send('attempt-1', 60);
    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(first.body).toMatchObject({ attemptNumber: 1, attemptsLeft: 2 });
    expect((await getStatus(api, c.companyId)).training.attempts).toHaveLength(1);
    expectError(await send('attempt-1', 61), 409, 'CONFLICT');
    const next = await send('attempt-2', 61);
    expect(next.body).toMatchObject({ attemptNumber: 2, attemptsLeft: 1 });
  });

  test('certification audit replay: the same auditId and certificate, one certificate number allocated', async () => {
    const c = await signUp(api);
    await submitProgram(api, c, assessorKey);
    const send = () =>
      api.call('POST', `/companies/${c.companyId}/audits`, {
        key: assessorKey,
        body: auditBody('certification'),
        headers: idem('audit-1'),
      });
    const first = await send();
    const replay = await send();
    expect(first.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect((await getStatus(api, c.companyId)).audits).toHaveLength(1);
    const n = (first.body.certificate as { certificateNumber: string }).certificateNumber;
    // The next certificate of the region takes the next sequence number: the replay allocated none.
    const d = await signUp(api);
    await submitProgram(api, d, assessorKey);
    const next = await api.call('POST', `/companies/${d.companyId}/audits`, {
      key: assessorKey,
      body: auditBody('certification'),
    });
    const m = (next.body.certificate as { certificateNumber: string }).certificateNumber;
    expect(Number(m.slice(-6))).toBe(Number(n.slice(-6)) + 1);
  });

  test('POST /ops/assessors replay: the same assessor, issued once, its key answered only the first time', async () => {
    const body = { name: 'Replay Assessor', email: 'replay@assessors.example' };
    const first = await api.call('POST', '/ops/assessors', {
      key: api.opsKey,
      body,
      headers: idem('assessor-1'),
    });
    const replay = await api.call('POST', '/ops/assessors', {
      key: api.opsKey,
      body,
      headers: idem('assessor-1'),
    });
    expect(first.status).toBe(201);
    expect(replay.body).toEqual({ assessorId: first.body.assessorId });
    const items = await api.scan();
    expect(items.filter((i) => i.assessorId === first.body.assessorId && i.SK === 'KEY')).toHaveLength(1);
    expect(JSON.stringify(items)).not.toContain(first.body.apiKey as string);
  });

  test('withdrawal replay: 200 twice with the same status, where a second withdrawal would be WRONG_PHASE', async () => {
    const c = await signUp(api);
    const send = () =>
      api.call('POST', `/companies/${c.companyId}/withdrawal`, {
        key: c.apiKey,
        body: { reason: 'moving' },
        headers: idem('withdraw-1'),
      });
    const first = await send();
    const replay = await send();
    expect(first.status).toBe(200);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    const withdrawn = (await getStatus(api, c.companyId)).history.filter((e) => e.type === 'WITHDRAWN');
    expect(withdrawn).toHaveLength(1);
  });
});

describe('scope', () => {
  test('two companies using the same key value on their own trainee route both act', async () => {
    const a = await signUp(api);
    const b = await signUp(api);
    for (const c of [a, b]) {
      const res = await api.call('PUT', `/companies/${c.companyId}/trainee`, {
        key: c.apiKey,
        body: traineeBody,
        headers: idem('shared-key'),
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ companyId: c.companyId, phase: 'TRAINING' });
    }
    expect((await getStatus(api, a.companyId)).phase).toBe('TRAINING');
    expect((await getStatus(api, b.companyId)).phase).toBe('TRAINING');
  });

  test('one caller using the same key value on two routes: both act (the key is scoped to the route)', async () => {
    const c = await signUp(api);
    const trainee = await api.call('PUT', `/companies/${c.companyId}/trainee`, {
      key: c.apiKey,
      body: traineeBody,
      headers: idem('route-key'),
    });
    expect(trainee.status).toBe(200);
    const withdrawal = await api.call('POST', `/companies/${c.companyId}/withdrawal`, {
      key: c.apiKey,
      body: { reason: 'done' },
      headers: idem('route-key'),
    });
    expect(withdrawal.status).toBe(200);
    expect(withdrawal.body).toMatchObject({ phase: 'WITHDRAWN' });
  });

  test('two assessors with the same key value on the same company both record an attempt', async () => {
    const c = await signUp(api);
    await designateTrainee(api, c);
    const other = await newAssessor(api);
    for (const [key, n] of [
      [assessorKey, 1],
      [other, 2],
    ] as const) {
      const res = await api.call('POST', `/companies/${c.companyId}/training/attempts`, {
        key,
        body: { score: 50 },
        headers: idem('same-attempt-key'),
      });
      expect(res.status).toBe(201);
      expect(res.body.attemptNumber).toBe(n);
    }
  });
});

describe('50 concurrent identical sign-ups', () => {
  const fifty = (send: () => Promise<ApiResponse>) => Promise.all(Array.from({ length: 50 }, send));

  test('without a key: exactly one 201, 49 × 409 CONFLICT, one company record', async () => {
    const body = signUpBody({ legalName: uniqueName('Concurrent') });
    const responses = await fifty(() => api.call('POST', '/companies', { body }));
    const created = responses.filter((r) => r.status === 201);
    expect(created).toHaveLength(1);
    for (const r of responses.filter((x) => x.status !== 201)) expectError(r, 409, 'CONFLICT');
    const companyId = created[0]?.body.companyId as string;
    expect((await companiesNamed(body.legalName)).map((i) => i.companyId)).toEqual([companyId]);
    expect(await listedNamed(body.legalName)).toEqual([companyId]);
    // No orphan API keys either: one key item for the one company.
    const keyItems = (await api.scan()).filter(
      (i) => String(i.PK).startsWith('APIKEY#') && i.companyId === companyId,
    );
    expect(keyItems).toHaveLength(1);
    expect(startsOf(companyId)).toHaveLength(1);
  });

  test('the same name spelled 50 ways, concurrently: exactly one 201', async () => {
    const name = uniqueName('Spelled Concurrently');
    const spellings = Array.from({ length: 50 }, (_, i) =>
      i % 3 === 0 ? name.toUpperCase() : i % 3 === 1 ? name.toLowerCase().replace('.', '') : ` ${name} `,
    );
    const responses = await Promise.all(
      spellings.map((legalName) => api.call('POST', '/companies', { body: signUpBody({ legalName }) })),
    );
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of responses.filter((x) => x.status !== 201)) expectError(r, 409, 'CONFLICT');
  });

  test('with one shared Idempotency-Key: identical 201 replays or 409 (in progress), one company, one execution', async () => {
    const body = signUpBody({ legalName: uniqueName('Concurrent Keyed') });
    const responses = await fifty(() =>
      api.call('POST', '/companies', { body, headers: idem('concurrent-key') }),
    );
    expect(responses.filter((r) => r.status >= 500)).toEqual([]);
    const created = responses.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    // One of them is the first response, with the key; the replays carry the same body without it.
    const first = withoutKey(created[0]?.body);
    for (const r of created) expect(withoutKey(r.body)).toEqual(first);
    expect(created.filter((r) => r.body.apiKey !== undefined)).toHaveLength(1);
    for (const r of responses.filter((x) => x.status !== 201)) expectError(r, 409, 'CONFLICT');
    const companyId = first?.companyId as string;
    expect((await companiesNamed(body.legalName)).map((i) => i.companyId)).toEqual([companyId]);
    expect(await listedNamed(body.legalName)).toEqual([companyId]);
    expect(startsOf(companyId)).toHaveLength(1);
    // Every later retry replays the 201, and none acts again.
    const late = await fifty(() => api.call('POST', '/companies', { body, headers: idem('concurrent-key') }));
    for (const r of late) {
      expect(r.status).toBe(201);
      expect(r.body).toEqual(first);
    }
    expect(JSON.stringify(await api.scan())).not.toMatch(/secor_company_/);
    expect((await companiesNamed(body.legalName)).map((i) => i.companyId)).toEqual([companyId]);
    expect(startsOf(companyId)).toHaveLength(1);
  });

  test('with one shared Idempotency-Key, when the first request fails (name taken): 50 × 409, no 5xx', async () => {
    // The request holding the key fails, so it releases the key (an error is not replayed); the requests that
    // found its record in progress and re-read it after the release must try again, not answer 500.
    for (let round = 0; round < 3; round++) {
      const body = signUpBody({ legalName: uniqueName('Concurrent Taken') });
      expect((await api.call('POST', '/companies', { body })).status).toBe(201);
      const responses = await fifty(() =>
        api.call('POST', '/companies', { body, headers: idem(`concurrent-taken-${round}`) }),
      );
      for (const r of responses) expectError(r, 409, 'CONFLICT');
      expect(await companiesNamed(body.legalName)).toHaveLength(1);
    }
  });
});

/** A sign-up's body as a replay answers it: without the key, which is answered once and kept nowhere. */
function withoutKey(body: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!body) return body;
  const { apiKey: _key, ...rest } = body;
  return rest;
}
