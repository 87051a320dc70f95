/**
 * Contract violations found by the fuzzing and contract suites, now fixed: each test states the contract's
 * behaviour and guards its fix (leap seconds, DynamoDB number underflow, oversized keys, tampered cursors,
 * year-0 dates, null bodies, blank names, idempotency records released only by their owner…).
 *
 * API.md: "No input produces a 5xx; a 5xx is a bug." and "the same key and body within 24 h return the first
 * response without acting twice".
 */
import { SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { HISTORY_MAX_EVENTS } from '../../../domain';
import {
  auditBody,
  designateTrainee,
  errorProblem,
  expectError,
  getStatus,
  newAssessor,
  NOW,
  passTraining,
  programBody,
  signUp,
  signUpBody,
  submitProgram,
  uniqueName,
} from './helpers';
import { startApi, type ApiFixture, type ApiResponse } from './setup';

let api: ApiFixture;
let assessorKey: string;

beforeAll(async () => {
  // Every test here provokes a 500 on purpose: keep their error logs out of the output.
  api = await startApi({ logLevel: 'SILENT' });
  api.setNow(NOW);
  assessorKey = await newAssessor(api);
}, 30_000);
afterAll(() => api.close());

/** The contract for any input: a 2xx, or a 4xx with the error body. Never a 5xx. */
function expectNo5xx(res: ApiResponse): void {
  expect({ status: res.status, problem: res.status < 300 ? null : errorProblem(res) }).toEqual({
    status: expect.any(Number),
    problem: null,
  });
  expect(res.status).toBeLessThan(500);
}

describe('5xx on bad input', () => {
  // BUG 1 — POST /companies/{id}/training/attempts, body {"score":50,"takenAt":"2016-12-31T23:59:60Z"}: ajv's
  // date-time format accepts a leap second, then companies.ts does `new Date(body.takenAt).toISOString()`, which
  // throws RangeError: Invalid time value → 500 INTERNAL. Expected: a 4xx (400 VALIDATION_FAILED at /takenAt).
  test('exam attempt with a leap-second takenAt → 4xx, not 500', async () => {
    const c = await signUp(api);
    await designateTrainee(api, c);
    const res = await api.call('POST', `/companies/${c.companyId}/training/attempts`, {
      key: assessorKey,
      body: { score: 50, takenAt: '2016-12-31T23:59:60Z' },
    });
    expectNo5xx(res);
  });

  // BUG 2 — numbers DynamoDB cannot store. A score is `{type: number, minimum: 0, maximum: 100}`, so 1e-200 or
  // 5e-324 pass validation, but DynamoDB numbers must have a magnitude ≥ 1e-130: saving the record fails with
  // ValidationException "Number underflow" → 500. Found by the fuzzer (fuzz.test.ts keeps such numbers out).
  // Routes: POST …/training/attempts {score}, POST …/audits {overallScore, elementScores.*}.
  test('exam attempt with score 1e-200 → no 5xx', async () => {
    const c = await signUp(api);
    await designateTrainee(api, c);
    const res = await api.call('POST', `/companies/${c.companyId}/training/attempts`, {
      key: assessorKey,
      body: { score: 1e-200 },
    });
    expectNo5xx(res);
  });

  test('certification audit with overallScore 5e-324 or a tiny element score → no 5xx', async () => {
    const c = await signUp(api);
    await submitProgram(api, c, assessorKey);
    const tinyOverall = await api.call('POST', `/companies/${c.companyId}/audits`, {
      key: assessorKey,
      body: { ...auditBody('certification'), overallScore: 5e-324 },
    });
    expectNo5xx(tinyOverall);
    const tinyElement = await api.call('POST', `/companies/${c.companyId}/audits`, {
      key: assessorKey,
      body: {
        ...auditBody('certification'),
        elementScores: { ...auditBody('certification').elementScores, training: 1e-131 },
      },
    });
    expectNo5xx(tinyElement);
  });

  // BUG 3 — POST /companies with a legal name of ≤ 200 characters whose normalised form (NFKD, repositories/company-items.ts
  // normaliseLegalName) is longer than DynamoDB's 2048-byte partition key: the LEGALNAME#<region>#<name> claim
  // fails with ValidationException → 500. U+FDFA (one character) decomposes into 18. dynalite counts characters,
  // AWS counts UTF-8 bytes, so in AWS far shorter names fail too (e.g. 200 × U+3300 "㌀", ~3 KB normalised).
  test('sign-up with legalName "\\uFDFA" × 120 → no 5xx', async () => {
    const res = await api.call('POST', '/companies', {
      body: signUpBody({ legalName: '\uFDFA'.repeat(120) }),
    });
    expectNo5xx(res);
  });

  // BUG 4 — a companyId path parameter longer than ~2040 characters makes the key COMPANY#<id> exceed DynamoDB's
  // 2048-byte partition key: GetItem fails with ValidationException → 500 on every route that loads the company
  // for an ops or assessor key. Expected: 404 NOT_FOUND (no such company) or 400.
  test.each([
    ['GET', '/ops/companies/{id}', 'ops', undefined],
    ['GET', '/ops/companies/{id}/executions', 'ops', undefined],
    ['POST', '/ops/companies/{id}/reminders', 'ops', {}],
    ['POST', '/ops/companies/{id}/redrive', 'ops', {}],
    ['POST', '/companies/{id}/training/attempts', 'assessor', { score: 90 }],
    ['POST', '/companies/{id}/audits', 'assessor', auditBody('certification')],
  ])('%s %s with a 2,100-character id (%s key) → 404, not 500', async (method, template, who, body) => {
    const path = template.replace('{id}', 'c'.repeat(2100));
    const res = await api.call(method, path, {
      key: who === 'ops' ? api.opsKey : assessorKey,
      ...(body !== undefined ? { body } : {}),
    });
    expectError(res, 404, 'NOT_FOUND');
  });

  // BUG 5 — GET /ops/companies?cursor=… trusts the decoded cursor: ops.ts only catches a JSON.parse failure.
  // A cursor that is valid base64url JSON of another shape → 500: `null` (TypeError reading .phase), a phase index
  // out of range or fractional (byPhase(undefined): ValidationException), a forged `key` (ValidationException:
  // the provided starting key is invalid). Expected: 400 VALIDATION_FAILED at query:cursor.
  test.each([
    'null',
    '{"phase":-1}',
    '{"phase":1.5}',
    '{"phase":0,"key":{"bogus":1}}',
    '{"phase":0,"key":"x"}',
  ])('GET /ops/companies?cursor=base64url(%s) → 400, not 500', async (json) => {
    const res = await api.call('GET', '/ops/companies', {
      key: api.opsKey,
      query: { cursor: Buffer.from(json).toString('base64url') },
    });
    expectError(res, 400, 'VALIDATION_FAILED');
  });

  // BUG 6 — POST /companies/{id}/program with implementedSince "0000-02-29": ajv's date format accepts it (year 0
  // is a leap year), but domain/dates.ts daysInMonth uses Date.UTC, which maps years 0–99 to 1900–1999 (1900 is not
  // a leap year), so isIsoDate rejects it inside addMonths: RangeError "not a YYYY-MM-DD date" → 500.
  test('program with implementedSince 0000-02-29 → no 5xx', async () => {
    const c = await signUp(api);
    await passTraining(api, c, assessorKey);
    const res = await api.call('POST', `/companies/${c.companyId}/program`, {
      key: c.apiKey,
      body: programBody('0000-02-29'),
    });
    expectNo5xx(res);
  });

  // BUG 7 — the company item grew without bound: every PUT trainee during TRAINING, every program resubmission,
  // reminder and SES feedback appended a history event. After ~1,400 trainee changes with 200-character names
  // (measured: the 1,407th call) the item exceeded DynamoDB's 400 KB item limit, and from then on every write to
  // that company was a 500 (ValidationException: item size exceeded). Fixed in the domain: the history keeps its
  // first event and the latest ones (a count and a byte budget; the rest are counted in historyDropped), and
  // remindersSent keeps only keys that can still be due.
  describe('a company record stays bounded (DynamoDB item size limit)', () => {
    /** UTF-8 bytes of the company's largest item (its record) as JSON: close to DynamoDB's item size. */
    async function recordBytes(companyId: string): Promise<number> {
      const items = (await api.scan()).map((i) => JSON.stringify(i)).filter((i) => i.includes(companyId));
      return Math.max(...items.map((i) => Buffer.byteLength(i, 'utf8')));
    }

    test('hundreds of program resubmissions, longest titles → no 5xx, the item stays under 200 KB', async () => {
      const c = await signUp(api);
      await submitProgram(api, c, assessorKey);
      const body = { ...programBody(), manualTitle: '€'.repeat(200), manualVersion: 'v'.repeat(50) };
      let largest = 0;
      for (let i = 0; i < 400; i++) {
        const res = await api.call('POST', `/companies/${c.companyId}/program`, { key: c.apiKey, body });
        expectNo5xx(res);
        expect(res.status).toBeLessThan(300);
        if (i % 50 === 49) largest = Math.max(largest, await recordBytes(c.companyId));
      }
      expect(largest).toBeGreaterThan(50_000); // the bound was reached…
      expect(largest).toBeLessThan(200_000); // …and held, far below 400 KB
      const stored = await api.repo.load(c.companyId);
      expect(stored?.company.history[0]?.type).toBe('REGISTERED');
      expect(stored?.company.historyDropped).toBeGreaterThan(0);
      expect(stored?.company.history.at(-1)?.type).toBe('PROGRAM_UPDATED');
    }, 120_000);

    test('a record from before the bound, at the item size limit: its next write cuts it (no 5xx)', async () => {
      const c = await signUp(api);
      await designateTrainee(api, c);
      const stored = await api.repo.load(c.companyId);
      if (!stored) throw new Error('no company');
      const withEvents = (n: number) => {
        const company = structuredClone(stored.company);
        const details = { name: 'n'.repeat(200), replaced: true };
        for (let i = 0; i < n; i++)
          company.history.push({ at: NOW, type: 'TRAINEE_DESIGNATED', by: 'company', details });
        return company;
      };
      let version = stored.version;
      const fits = async (n: number) => {
        try {
          version = (await api.repo.save(version, withEvents(n))).version;
          return true;
        } catch {
          return false;
        }
      };
      let [lo, hi] = [1000, 2000]; // lo fits, hi does not
      expect(await fits(lo)).toBe(true);
      expect(await fits(hi)).toBe(false);
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (await fits(mid)) lo = mid;
        else hi = mid;
      }
      expect(await fits(lo)).toBe(true);

      // A trainee change is refused by the designation cap (422) and writes nothing…
      expectNo5xx(
        await api.call('PUT', `/companies/${c.companyId}/trainee`, {
          key: c.apiKey,
          body: { name: 'x'.repeat(200), email: 'x@example.com' },
        }),
      );
      // …an exam attempt is accepted, and its write cuts the history to the bound.
      const res = await api.call('POST', `/companies/${c.companyId}/training/attempts`, {
        key: assessorKey,
        body: { score: 50 },
      });
      expectNo5xx(res);
      expect(res.status).toBe(201);
      expect(await recordBytes(c.companyId)).toBeLessThan(200_000);
      const after = await api.repo.load(c.companyId);
      expect(after?.company.history.at(-1)?.type).toBe('EXAM_FAILED');
      expect(after?.company.history.length).toBeLessThanOrEqual(1 + HISTORY_MAX_EVENTS);
      expect(after?.company.historyDropped).toBeGreaterThan(0);
    }, 60_000);
  });
});

describe('validation gaps', () => {
  // BUG 8 — a JSON `null` body passes every schema as `{}` (http.ts: `validate(route.schema, parsed ?? {})`), so
  // POST /companies/{id}/withdrawal with the body `null` withdraws the company (200). API.md: 400 when the body
  // "fails the route's schema"; the schema is `type: object`. Same on enrolments, reminders and redrive.
  // (An empty body meaning {} is a separate, reasonable choice; `null` is a JSON value that is not an object.)
  test('POST /companies/{id}/withdrawal with the JSON body null → 400 VALIDATION_FAILED', async () => {
    const c = await signUp(api);
    const res = await api.call('POST', `/companies/${c.companyId}/withdrawal`, {
      key: c.apiKey,
      rawBody: 'null',
    });
    expectError(res, 400, 'VALIDATION_FAILED');
  });

  // BUG 9 — POST /companies {legalName: "   "} passes `minLength: 1`, is trimmed to "" after validation, and is
  // registered (201) with an empty legal name. Relatedly, every name without letters or digits ("...", "!!!", "﷽")
  // normalises to "" and collides with the others (409 CONFLICT between unrelated names). Expected: 400
  // VALIDATION_FAILED at /legalName for a name with no letter or digit.
  test('sign-up with a blank legal name → 400 VALIDATION_FAILED', async () => {
    const res = await api.call('POST', '/companies', { body: signUpBody({ legalName: '   ' }) });
    expectError(res, 400, 'VALIDATION_FAILED');
  });
});

describe('idempotency records deleted by rejected requests', () => {
  // BUG 10 — Powertools' makeHandlerIdempotent (2.35.0) runs its onError hook also when its own `before` hook
  // rejected the request, and onError deletes the record for the key unconditionally: a request rejected for
  // "another body" (IdempotencyValidationError → 409) deletes the first request's COMPLETED record, and one
  // rejected as "in progress" (→ 409) deletes the first request's lock. A later retry then runs the handler again:
  // the action happens twice. Upstream: aws-powertools/powertools-lambda-typescript#5675, fixed by PR #5676 (not in
  // 2.35.0). Fix here: upgrade, or only forward onError in http.ts when this request acquired the record.

  test('same key + another body → 409; then the original retried → replayed, not acted again', async () => {
    const c = await signUp(api);
    await designateTrainee(api, c);
    const send = (score: number) =>
      api.call('POST', `/companies/${c.companyId}/training/attempts`, {
        key: assessorKey,
        body: { score },
        headers: { 'Idempotency-Key': 'bug10-sequential' },
      });
    const first = await send(60);
    expect(first.status).toBe(201);
    expectError(await send(61), 409, 'CONFLICT');
    const retry = await send(60);
    expect(retry.body).toEqual(first.body); // observed: {attemptNumber: 2, …}
    expect((await getStatus(api, c.companyId)).training.attempts).toHaveLength(1); // observed: 2
  });

  test('a duplicate rejected as "in progress" does not release the lock: the next retry does not act', async () => {
    const c = await signUp(api);
    await designateTrainee(api, c);
    // The first request is slow: its conditional write takes 300 ms.
    const { CompanyRepository } = await import('../../../functions/lib/repositories');
    const save = CompanyRepository.prototype.save;
    const slow = jest.spyOn(CompanyRepository.prototype, 'save').mockImplementationOnce(async function (
      this: InstanceType<typeof CompanyRepository>,
      ...args: Parameters<typeof save>
    ) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return save.apply(this, args);
    });
    const send = () =>
      api.call('POST', `/companies/${c.companyId}/training/attempts`, {
        key: assessorKey,
        body: { score: 60 },
        headers: { 'Idempotency-Key': 'bug10-concurrent' },
      });
    const first = send();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expectError(await send(), 409, 'CONFLICT'); // in progress (and, today, deletes the lock)
    const third = await send(); // observed: 201 {attemptNumber: 2}
    expect(third.status).toBe(409);
    expect((await first).status).toBe(201);
    slow.mockRestore();
    expect((await getStatus(api, c.companyId)).training.attempts).toHaveLength(1); // observed: 2
  });

  test('50 concurrent sign-ups with one Idempotency-Key: no 5xx, and later retries replay the 201', async () => {
    // Observed on dynalite: 1–11 of the 50 responses are 500 INTERNAL (IdempotencyItemNotFoundError: the
    // conditional put fails, dynalite returns no ALL_OLD item, and the re-read finds the record another rejected
    // request has just deleted); afterwards retries get 409 instead of the replayed 201. Three rounds, so that a
    // lucky interleaving cannot hide it.
    for (let round = 0; round < 3; round++) {
      const body = signUpBody({ legalName: uniqueName('Bug 10 Concurrent') });
      const headers = { 'Idempotency-Key': `bug10-signup-${round}` };
      const responses = await Promise.all(
        Array.from({ length: 50 }, () => api.call('POST', '/companies', { body, headers })),
      );
      expect(responses.filter((r) => r.status >= 500)).toEqual([]);
      const created = responses.find((r) => r.status === 201);
      const retry = await api.call('POST', '/companies', { body, headers });
      expect(retry.status).toBe(201);
      const { apiKey: _key, ...keyless } = created?.body ?? {};
      expect(retry.body).toEqual(keyless); // a replay: the same body, without the key (answered once)
    }
  });
});

describe('no bearer key grants ops (IAM only, in AWS and locally)', () => {
  // Observed before: the authorizer passed `role` from the key item on, and functions/api/http.ts took
  // `role: 'ops'` from it, so in AWS any APIKEY# item with role ops granted ops on every route.
  test('a key item with role ops is an unknown key on company routes and gets 403 on /ops/*', async () => {
    const { hashApiKey, newApiKey } = await import('../../../functions/api/principal');
    const forged = newApiKey('ops');
    const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
    const { dynamo } = await import('../../../functions/lib/aws');
    await dynamo.send(
      new PutCommand({
        TableName: api.table,
        Item: { PK: `APIKEY#${hashApiKey(forged)}`, SK: 'KEY', role: 'ops' },
      }),
    );
    const c = await signUp(api, { legalName: uniqueName('Forged Ops') });
    const read = await api.call('GET', `/companies/${c.companyId}`, { key: forged });
    expectError(read, 401, 'UNAUTHENTICATED');
    const attempt = await api.call('POST', `/companies/${c.companyId}/training/attempts`, {
      key: forged,
      body: { score: 90 },
    });
    expectError(attempt, 401, 'UNAUTHENTICATED');
    const ops = await api.call('GET', '/ops/companies', { key: forged });
    expectError(ops, 403, 'FORBIDDEN');
  });

  test('the ops key itself works on /ops/* only (it stands in for a SigV4 signature there)', async () => {
    const c = await signUp(api, { legalName: uniqueName('Ops Key Scope') });
    expect((await api.call('GET', `/ops/companies/${c.companyId}`, { key: api.opsKey })).status).toBe(200);
    const read = await api.call('GET', `/companies/${c.companyId}`, { key: api.opsKey });
    expectError(read, 401, 'UNAUTHENTICATED');
    // It is not a key item: the table holds nothing that could grant ops.
    const { hashApiKey } = await import('../../../functions/api/principal');
    const items = await api.scan();
    expect(items.filter((i) => i.PK === `APIKEY#${hashApiKey(api.opsKey)}`)).toEqual([]);
  });
});

// Defect 2 — a committed write answered 500 when Step Functions failed after it, Powertools then released the
// idempotency record, and the client's retry acted again (a second exam attempt of the 3 allowed; a sign-up
// retried got 409 for a company that never got its execution). Now the write carries its outbox signal, the
// answer is 2xx, and the signal is delivered after the commit — by the stream, or by the reconciler.
describe('a committed write answers 2xx whatever Step Functions does (the outbox)', () => {
  const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
  const later = (minutes: number) => () => new Date(Date.parse(NOW) + minutes * 60_000).toISOString();
  const reconcile = async (minutes: number) => {
    const { run: handler } = await import('../../../functions/tasks/reconcile');
    return handler({ sweep: 'signals' }, later(minutes));
  };

  afterEach(() => {
    api.sfn.on(SendTaskSuccessCommand).resolves({});
    api.sfn.on(StartExecutionCommand).resolves({});
  });

  test('a passing certification audit with SendTaskSuccess throttled → 201, the certificate verifies, the step is told later', async () => {
    const c = await signUp(api, { legalName: uniqueName('Verify After Failure') });
    await submitProgram(api, c, assessorKey);
    const stored = await api.repo.load(c.companyId);
    if (!stored) throw new Error('no company');
    await api.repo.storeTaskToken(c.companyId, stored.version, {
      token: 'cert-throttled',
      executionName: stored.company.execution.name,
      executionStartedAt: NOW,
      iteration: 1,
      storedAt: NOW,
    });
    api.sfn.on(SendTaskSuccessCommand, { taskToken: 'cert-throttled' }).rejects(throttled());

    const res = await api.call('POST', `/companies/${c.companyId}/audits`, {
      key: assessorKey,
      body: auditBody('certification'),
    });

    expect(res.status).toBe(201); // observed before: 500
    const after = await api.repo.load(c.companyId);
    const certificate = after?.company.certificate;
    expect(certificate?.certificateNumber).toMatch(/^SECOR-AB-\d{4}-\d{6}$/);
    const verify = await api.call('GET', `/certificates/${certificate?.certificateNumber}`);
    expect(verify.body).toMatchObject({ status: 'valid', certificateNumber: certificate?.certificateNumber });
    expect(after?.signal).toMatchObject({ kind: 'notify' }); // still owed to the workflow

    // Each failed delivery left it pending; the stream's next retry, once Step Functions answers, delivers it.
    const tried = api.sfn.commandCalls(SendTaskSuccessCommand, { taskToken: 'cert-throttled' }).length;
    expect(tried).toBeGreaterThanOrEqual(1);
    api.sfn.on(SendTaskSuccessCommand, { taskToken: 'cert-throttled' }).resolves({});
    expect(await api.outbox.drain()).toBe(1);
    expect(api.sfn.commandCalls(SendTaskSuccessCommand, { taskToken: 'cert-throttled' })).toHaveLength(
      tried + 1,
    );
    expect((await api.repo.load(c.companyId))?.signal).toBeNull();
    expect(await api.outbox.drain()).toBe(0); // delivered once: nothing left
  });

  test('an exam attempt with SendTaskSuccess throttled → 201, and its retry replays it: one attempt recorded', async () => {
    const c = await signUp(api, { legalName: uniqueName('Throttled Attempt') });
    await designateTrainee(api, c);
    const stored = await api.repo.load(c.companyId);
    if (!stored) throw new Error('no company');
    await api.repo.storeTaskToken(c.companyId, stored.version, {
      token: 'attempt-throttled',
      executionName: stored.company.execution.name,
      executionStartedAt: NOW,
      iteration: 0,
      storedAt: NOW,
    });
    api.sfn.on(SendTaskSuccessCommand, { taskToken: 'attempt-throttled' }).rejects(throttled());
    const send = () =>
      api.call('POST', `/companies/${c.companyId}/training/attempts`, {
        key: assessorKey,
        body: { score: 60 },
        headers: { 'Idempotency-Key': 'throttled-attempt' },
      });

    const first = await send();
    const retry = await send();

    expect(first.status).toBe(201); // observed before: 500
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect((await getStatus(api, c.companyId)).training.attempts).toHaveLength(1); // observed before: 2
  });

  test('a sign-up whose StartExecution fails → 201; its retry replays the 201 (not 409); the reconciler starts it', async () => {
    api.sfn.on(StartExecutionCommand).rejects(throttled());
    const body = signUpBody({ legalName: uniqueName('Unstarted') });
    const headers = { 'Idempotency-Key': 'unstarted-signup' };

    const first = await api.call('POST', '/companies', { body, headers });
    const retry = await api.call('POST', '/companies', { body, headers });

    expect(first.status).toBe(201); // observed before: 500, then 409 on the retry
    expect(retry.status).toBe(201);
    const companyId = first.body.companyId as string;
    expect(retry.body.companyId).toBe(companyId);
    const pending = await api.repo.load(companyId);
    expect(pending?.signal).toMatchObject({ kind: 'start', execution: pending?.company.execution.name });

    // Still throttled: the reconciler's repair fails and is counted as such; the signal stays pending.
    expect(await reconcile(6)).toMatchObject({ sweep: 'signals', repaired: 0, failed: 1 });
    api.sfn.on(StartExecutionCommand).resolves({});
    // Not yet stale (written < 5 minutes ago): left to the stream.
    expect((await reconcile(4)).checked).toBe(0);
    const repaired = await reconcile(6);
    expect(repaired).toMatchObject({ repaired: 1, failed: 0 });
    const started = api.sfn
      .commandCalls(StartExecutionCommand)
      .filter((call) => call.args[0].input.name === pending?.company.execution.name);
    expect(started.length).toBeGreaterThanOrEqual(1);
    expect((await api.repo.load(companyId))?.signal).toBeNull();
    expect((await reconcile(7)).checked).toBe(0); // nothing left to repair
  });
});
