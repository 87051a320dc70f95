/**
 * A company driven through the whole lifecycle over the API (sign-up → trainee → exam attempts → program →
 * certification audit → certificate verification → maintenance audits → recertification → withdrawal), and every
 * business rule error (409/422) the company routes return. The API's clock is fixed (ApiFixture.setNow); the
 * workflow (Step Functions) is mocked, so the tests run its transition tasks themselves where the API relies on them.
 */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  AB_ELEMENTS,
  auditBody,
  certify,
  designateTrainee,
  expectError,
  getStatus,
  newAssessor,
  NOW,
  passTraining,
  programBody,
  runTransition,
  scores,
  signUp,
  signUpBody,
  statusOf,
  submitProgram,
  TODAY,
  traineeBody,
  uniqueName,
  type TestCompany,
} from './helpers';
import { startApi, type ApiFixture } from './setup';

let api: ApiFixture;
let assessorKey: string;

beforeAll(async () => {
  api = await startApi();
  api.setNow(NOW);
  assessorKey = await newAssessor(api);
}, 30_000);
afterAll(() => api.close());
afterEach(() => api.setNow(NOW));

const at = (date: string) => `${date}T12:00:00.000Z`;

describe('one company, sign-up to withdrawal', () => {
  let c: TestCompany;
  let assessorId: string;
  let certificateNumber: string;

  test('POST /companies (public) → 201 {companyId, apiKey, phase, cycle} and starts the lifecycle', async () => {
    const body = signUpBody({ legalName: 'Journey Roofing Ltd.' });
    const res = await api.call('POST', '/companies', { body });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      companyId: expect.any(String),
      apiKey: expect.stringMatching(/^secor_company_[A-Za-z0-9_-]{43,}$/),
      phase: 'REGISTERED',
      cycle: 1,
    });
    c = { ...(res.body as { companyId: string; apiKey: string }), legalName: body.legalName };
    const starts = api.sfn
      .commandCalls(StartExecutionCommand)
      .filter((call) => call.args[0].input.name?.startsWith(c.companyId));
    expect(starts.map((s) => s.args[0].input.name)).toEqual([`${c.companyId}-c1-REGISTRATION`]);
  });

  test('GET /companies/{id} with the company key → 200 status', async () => {
    const res = await api.call('GET', `/companies/${c.companyId}`, { key: c.apiKey });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      companyId: c.companyId,
      legalName: 'Journey Roofing Ltd.',
      region: 'AB',
      employeeCount: 6,
      phase: 'REGISTERED',
      cycle: 1,
      nextDeadline: { step: 'DESIGNATE_TRAINEE', dueOn: '2026-09-02' },
      trainee: null,
      training: { attempts: [], attemptsLeft: 0, passedOn: null, expiresOn: null },
      program: null,
      audits: [],
      certificate: null,
      history: [{ at: NOW, type: 'REGISTERED', by: 'public' }],
    });
    const asOps = await api.call('GET', `/ops/companies/${c.companyId}`, { key: api.opsKey });
    expect(asOps.status).toBe(200);
    expect(asOps.body).toEqual(res.body);
  });

  test('POST /ops/assessors (ops) → 201 {assessorId, apiKey}', async () => {
    const res = await api.call('POST', '/ops/assessors', {
      key: api.opsKey,
      body: { name: 'Sam Auditor', email: 'sam@audit.example' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      assessorId: expect.any(String),
      apiKey: expect.stringMatching(/^secor_assessor_[A-Za-z0-9_-]{43,}$/),
    });
    assessorId = res.body.assessorId as string;
    assessorKey = res.body.apiKey as string;
  });

  test('PUT /companies/{id}/trainee → 200 status, phase TRAINING', async () => {
    const res = await api.call('PUT', `/companies/${c.companyId}/trainee`, {
      key: c.apiKey,
      body: traineeBody,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      phase: 'TRAINING',
      trainee: traineeBody,
      nextDeadline: { step: 'TRAINING_EXAM', dueOn: '2026-09-02' },
      training: { attempts: [], attemptsLeft: 3 },
    });
  });

  test('POST /companies/{id}/training/attempts (assessor) → 201 {attemptNumber, passed, attemptsLeft}', async () => {
    const fail = await api.call('POST', `/companies/${c.companyId}/training/attempts`, {
      key: assessorKey,
      body: { score: 72 },
    });
    expect(fail.status).toBe(201);
    expect(fail.body).toMatchObject({ attemptNumber: 1, passed: false, attemptsLeft: 2 });
    const pass = await api.call('POST', `/companies/${c.companyId}/training/attempts`, {
      key: assessorKey,
      body: { score: 80, takenAt: at(TODAY) },
    });
    expect(pass.status).toBe(201);
    expect(pass.body).toMatchObject({ attemptNumber: 2, passed: true, attemptsLeft: 0 });
    const status = await getStatus(api, c.companyId);
    expect(status.phase).toBe('IMPLEMENTATION');
    expect(status.training).toMatchObject({ passedOn: TODAY, expiresOn: '2029-03-02' });
    expect(status.training.attempts.map((a) => [a.attemptNumber, a.score, a.passed])).toEqual([
      [1, 72, false],
      [2, 80, true],
    ]);
    // The assessor's id is recorded on what it writes.
    expect(status.history.filter((e) => e.type.startsWith('EXAM_')).map((e) => e.by)).toEqual([
      `assessor:${assessorId}`,
      `assessor:${assessorId}`,
    ]);
  });

  test('POST /companies/{id}/program (all 8 AB elements) → 201 status, phase CERTIFICATION_AUDIT', async () => {
    const res = await api.call('POST', `/companies/${c.companyId}/program`, {
      key: c.apiKey,
      body: programBody('2025-10-01'),
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      phase: 'CERTIFICATION_AUDIT',
      program: {
        elements: [...AB_ELEMENTS],
        implementedSince: '2025-10-01',
        submittedOn: TODAY,
        earliestAuditOn: '2026-01-01',
      },
    });
  });

  test('POST /companies/{id}/audits certification (assessor) → 201 with the certificate', async () => {
    const res = await api.call('POST', `/companies/${c.companyId}/audits`, {
      key: assessorKey,
      body: auditBody('certification', TODAY, 88),
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      auditId: expect.any(String),
      passed: true,
      certificate: {
        certificateNumber: expect.stringMatching(/^SECOR-AB-2026-\d{6}$/),
        issuedOn: TODAY,
        expiresOn: '2029-03-02',
      },
      correctiveActionRequired: false,
    });
    certificateNumber = (res.body.certificate as { certificateNumber: string }).certificateNumber;
    const status = await getStatus(api, c.companyId);
    // Certified, and at once in the certificate's first maintenance year (both events in the history).
    expect(status).toMatchObject({ phase: 'MAINTENANCE', maintenanceYear: 2 });
    expect(status.certificate).toMatchObject({ certificateNumber, status: 'valid' });
  });

  test('GET /certificates/{n} (public) → 200 valid, as soon as the audit is recorded', async () => {
    const res = await api.call('GET', `/certificates/${certificateNumber}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      certificateNumber,
      legalName: 'Journey Roofing Ltd.',
      region: 'AB',
      issuedOn: TODAY,
      expiresOn: '2029-03-02',
      status: 'valid',
    });
    const lower = await api.call('GET', `/certificates/${certificateNumber.toLowerCase()}`);
    expect(lower.body).toEqual(res.body);
  });

  test('POST /companies/{id}/audits maintenance (company key) below 80% → 201, corrective action', async () => {
    api.setNow(at('2026-12-01'));
    const res = await api.call('POST', `/companies/${c.companyId}/audits`, {
      key: c.apiKey,
      body: auditBody('maintenance', '2026-11-30', 70),
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ auditId: expect.any(String), passed: false, correctiveActionRequired: true });
    const status = await getStatus(api, c.companyId);
    expect(status).toMatchObject({ phase: 'MAINTENANCE', maintenanceYear: 3 });
    expect(status.correctiveActions).toEqual([expect.objectContaining({ status: 'OPEN' })]);
    // A maintenance score below the pass mark does not invalidate the certificate.
    expect(status.certificate?.status).toBe('valid');
    const verify = await api.call('GET', `/certificates/${certificateNumber}`);
    expect(verify.body.status).toBe('valid');
  });

  test('POST /companies/{id}/withdrawal → 200 status WITHDRAWN; the certificate is cancelled', async () => {
    const res = await api.call('POST', `/companies/${c.companyId}/withdrawal`, {
      key: c.apiKey,
      body: { reason: 'Closing the business' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      phase: 'WITHDRAWN',
      nextDeadline: null,
      withdrawal: { reason: 'Closing the business', fromPhase: 'MAINTENANCE' },
      certificate: { certificateNumber, status: 'cancelled' },
    });
    const verify = await api.call('GET', `/certificates/${certificateNumber}`);
    expect(verify.status).toBe(200);
    expect(verify.body.status).toBe('cancelled');
  });

  test('withdrawing twice → 422 WRONG_PHASE', async () => {
    const res = await api.call('POST', `/companies/${c.companyId}/withdrawal`, { key: c.apiKey, body: {} });
    expectError(res, 422, 'WRONG_PHASE');
  });
});

describe('maintenance years 2 and 3, recertification, and the certificate statuses over time', () => {
  let c: TestCompany;
  let first: string;

  test('certified on TODAY; year-2 maintenance filed early in its window → MAINTENANCE year 3', async () => {
    c = await signUp(api);
    first = await certify(api, c, assessorKey);
    const res = await api.call('POST', `/companies/${c.companyId}/audits`, {
      key: c.apiKey,
      body: auditBody('maintenance', TODAY),
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ passed: true, correctiveActionRequired: false });
    expect(res.body.certificate).toBeUndefined();
    expect(await getStatus(api, c.companyId)).toMatchObject({
      phase: 'MAINTENANCE',
      maintenanceYear: 3,
      nextDeadline: { step: 'MAINTENANCE_AUDIT', opensOn: '2027-03-02', dueOn: '2028-03-02' },
    });
  });

  test('year-3 maintenance before its window → 422 TOO_EARLY', async () => {
    const res = await api.call('POST', `/companies/${c.companyId}/audits`, {
      key: c.apiKey,
      body: auditBody('maintenance', TODAY),
    });
    expect(expectError(res, 422, 'TOO_EARLY').message).toContain('2027-03-02');
  });

  test('year-3 maintenance in its window → RECERTIFICATION; recertification before its window → TOO_EARLY', async () => {
    api.setNow(at('2027-03-10'));
    const res = await api.call('POST', `/companies/${c.companyId}/audits`, {
      key: c.apiKey,
      body: auditBody('maintenance', '2027-03-10'),
    });
    expect(res.status).toBe(201);
    expect((await getStatus(api, c.companyId)).phase).toBe('RECERTIFICATION');
    const early = await api.call('POST', `/companies/${c.companyId}/audits`, {
      key: assessorKey,
      body: auditBody('recertification', '2027-03-10'),
    });
    expectError(early, 422, 'TOO_EARLY');
  });

  test('recertification (assessor) → 201 with a new certificate; cycle 2', async () => {
    api.setNow(at('2028-04-01'));
    const res = await api.call('POST', `/companies/${c.companyId}/audits`, {
      key: assessorKey,
      body: auditBody('recertification', '2028-04-01'),
    });
    expect(res.status).toBe(201);
    const certificate = res.body.certificate as {
      certificateNumber: string;
      issuedOn: string;
      expiresOn: string;
    };
    expect(certificate).toEqual({
      certificateNumber: expect.stringMatching(/^SECOR-AB-2028-\d{6}$/),
      issuedOn: '2028-04-01',
      expiresOn: '2031-04-01',
    });
    expect(certificate.certificateNumber).not.toBe(first);
    expect(await getStatus(api, c.companyId)).toMatchObject({
      phase: 'MAINTENANCE',
      maintenanceYear: 2,
      cycle: 2,
    });
    const verify = await api.call('GET', `/certificates/${certificate.certificateNumber}`);
    expect(verify.body).toMatchObject({ status: 'valid', issuedOn: '2028-04-01' });
    // The first cycle's certificate still verifies, until its own expiry.
    const old = await api.call('GET', `/certificates/${first}`);
    expect(old.body).toMatchObject({ certificateNumber: first, status: 'valid', expiresOn: '2029-03-02' });
    api.setNow(at('2029-03-03'));
    expect((await api.call('GET', `/certificates/${first}`)).body.status).toBe('expired');
  });

  test('a certificate past its expiry date reads expired; after the workflow lapses the company, lapsed', async () => {
    const d = await signUp(api);
    const number = await certify(api, d, assessorKey);
    await api.call('POST', `/companies/${d.companyId}/audits`, {
      key: d.apiKey,
      body: auditBody('maintenance'),
    });
    api.setNow(at('2027-03-02'));
    await api.call('POST', `/companies/${d.companyId}/audits`, {
      key: d.apiKey,
      body: auditBody('maintenance', '2027-03-02'),
    });
    expect((await getStatus(api, d.companyId)).phase).toBe('RECERTIFICATION');
    api.setNow(at('2029-03-05')); // recertification was due by the expiry, 2029-03-02
    expect((await api.call('GET', `/certificates/${number}`)).body.status).toBe('expired');
    await runTransition(api, d.companyId, 'escalate', at('2029-03-05'));
    expect((await getStatus(api, d.companyId)).phase).toBe('LAPSED');
    expect((await api.call('GET', `/certificates/${number}`)).body.status).toBe('lapsed');
  });
});

describe('business rules: 422 and 409 with the contract error body', () => {
  test('NOT_ELIGIBLE: 11 employees in AB (at most 10); 10 is fine', async () => {
    const res = await api.call('POST', '/companies', { body: signUpBody({ employeeCount: 11 }) });
    const error = expectError(res, 422, 'NOT_ELIGIBLE');
    expect(error.message).toMatch(/at most 10 employees/);
    expect(error.message).toMatch(/COR/);
    expect((await api.call('POST', '/companies', { body: signUpBody({ employeeCount: 10 }) })).status).toBe(
      201,
    );
  });

  test('NOT_ELIGIBLE follows the region policy: BC allows 19, not 20', async () => {
    expect(
      (await api.call('POST', '/companies', { body: signUpBody({ region: 'BC', employeeCount: 19 }) }))
        .status,
    ).toBe(201);
    const res = await api.call('POST', '/companies', {
      body: signUpBody({ region: 'BC', employeeCount: 20 }),
    });
    expectError(res, 422, 'NOT_ELIGIBLE');
  });

  test('CONFLICT: the same legal name in the same region, whatever the case, punctuation, spacing or accents', async () => {
    const name = uniqueName('Café Rouge Roofing');
    expect((await api.call('POST', '/companies', { body: signUpBody({ legalName: name }) })).status).toBe(
      201,
    );
    const variants = [
      name,
      name.toUpperCase(),
      name.toLowerCase().replace(/\./g, ''),
      `  ${name.replace(/ /g, '   ')}  `,
      name.replace('Café', 'Cafe').replace(/ Ltd\.$/, ', Ltd'),
      name.replace(/ /g, '-'),
    ];
    for (const legalName of variants) {
      const res = await api.call('POST', '/companies', { body: signUpBody({ legalName }) });
      expect({ legalName, status: res.status }).toEqual({ legalName, status: 409 });
      expectError(res, 409, 'CONFLICT');
    }
    // Another region is another registration.
    expect(
      (
        await api.call('POST', '/companies', {
          body: signUpBody({ legalName: name, region: 'SK', employeeCount: 5 }),
        })
      ).status,
    ).toBe(201);
  });

  test('WRONG_PHASE on each company route used in the wrong phase', async () => {
    const c = await signUp(api);
    const p = (suffix: string) => `/companies/${c.companyId}${suffix}`;
    // REGISTERED: no attempts, no enrolment, no program, no audit.
    expectError(
      await api.call('POST', p('/training/attempts'), { key: assessorKey, body: { score: 90 } }),
      422,
      'WRONG_PHASE',
    );
    expectError(
      await api.call('POST', p('/training/enrolments'), { key: c.apiKey, body: {} }),
      422,
      'WRONG_PHASE',
    );
    expectError(
      await api.call('POST', p('/program'), { key: c.apiKey, body: programBody() }),
      422,
      'WRONG_PHASE',
    );
    expectError(
      await api.call('POST', p('/audits'), { key: assessorKey, body: auditBody('certification') }),
      422,
      'WRONG_PHASE',
    );
    expectError(
      await api.call('POST', p('/audits'), { key: c.apiKey, body: auditBody('maintenance') }),
      422,
      'WRONG_PHASE',
    );
    await passTraining(api, c, assessorKey);
    // IMPLEMENTATION: the trainee can no longer be changed; no certification audit before the program.
    const trainee = await api.call('PUT', p('/trainee'), { key: c.apiKey, body: traineeBody });
    expect(expectError(trainee, 422, 'WRONG_PHASE').message).toContain('IMPLEMENTATION');
    expectError(
      await api.call('POST', p('/audits'), { key: assessorKey, body: auditBody('certification') }),
      422,
      'WRONG_PHASE',
    );
    expectError(
      await api.call('POST', p('/audits'), { key: assessorKey, body: auditBody('recertification') }),
      422,
      'WRONG_PHASE',
    );
  });

  test('ATTEMPTS_EXHAUSTED: a 4th attempt after 3 failures; re-enrolment opens a new attempt cycle', async () => {
    const c = await signUp(api);
    await designateTrainee(api, c);
    const attempt = (score: number) =>
      api.call('POST', `/companies/${c.companyId}/training/attempts`, { key: assessorKey, body: { score } });
    // Re-enrolment is refused while attempts are left.
    const early = await api.call('POST', `/companies/${c.companyId}/training/enrolments`, {
      key: c.apiKey,
      body: {},
    });
    expectError(early, 422, 'NOT_ELIGIBLE');
    for (const [n, left] of [
      [1, 2],
      [2, 1],
      [3, 0],
    ] as const) {
      const res = await attempt(50 + n);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ attemptNumber: n, passed: false, attemptsLeft: left });
    }
    const fourth = await attempt(95);
    expect(expectError(fourth, 422, 'ATTEMPTS_EXHAUSTED').message).toMatch(/re-enrol/);
    const enrol = await api.call('POST', `/companies/${c.companyId}/training/enrolments`, {
      key: c.apiKey,
      body: {},
    });
    expect(enrol.status).toBe(201);
    expect(enrol.body).toMatchObject({ phase: 'TRAINING', training: { attemptCycle: 2, attemptsLeft: 3 } });
    const again = await attempt(95);
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ attemptNumber: 1, attemptCycle: 2, passed: true });
  });

  test('exam attempt dates: TOO_EARLY in the future, NOT_ELIGIBLE before the enrolment', async () => {
    const c = await signUp(api);
    await designateTrainee(api, c);
    const attempt = (takenAt: string) =>
      api.call('POST', `/companies/${c.companyId}/training/attempts`, {
        key: assessorKey,
        body: { score: 90, takenAt },
      });
    expectError(await attempt('2026-03-03T09:00:00Z'), 422, 'TOO_EARLY');
    expectError(await attempt('2026-03-01T09:00:00Z'), 422, 'NOT_ELIGIBLE');
    expect((await attempt('2026-03-02T09:00:00+01:00')).status).toBe(201);
  });

  test('program: NOT_ELIGIBLE without every element, 400 naming an unknown one; TOO_EARLY in the future', async () => {
    const c = await signUp(api);
    await passTraining(api, c, assessorKey);
    const submit = (body: object) =>
      api.call('POST', `/companies/${c.companyId}/program`, { key: c.apiKey, body });
    const missing = await submit({ ...programBody(), elements: AB_ELEMENTS.slice(0, 7) });
    expect(expectError(missing, 422, 'NOT_ELIGIBLE').message).toContain('program-administration');
    const unknown = await submit({ ...programBody(), elements: [...AB_ELEMENTS, 'fire-drills'] });
    const error = expectError(unknown, 400, 'VALIDATION_FAILED');
    expect(error.message).toContain('fire-drills');
    expect(error.details).toEqual([
      { path: 'body:elements/8', message: '"fire-drills" is not an element of the Alberta policy' },
    ]);
    expectError(await submit(programBody('2026-03-03')), 422, 'TOO_EARLY');
    expect((await submit(programBody())).status).toBe(201);
  });

  test('TOO_EARLY: a certification audit before the minimum implementation (3 months in AB)', async () => {
    const c = await signUp(api);
    await submitProgram(api, c, assessorKey, '2026-01-15');
    const res = await api.call('POST', `/companies/${c.companyId}/audits`, {
      key: assessorKey,
      body: auditBody('certification', TODAY),
    });
    expect(expectError(res, 422, 'TOO_EARLY').message).toContain('2026-04-15');
    // Also refused: an audit completed in the future.
    api.setNow(at('2026-04-20'));
    const future = await api.call('POST', `/companies/${c.companyId}/audits`, {
      key: assessorKey,
      body: auditBody('certification', '2026-04-21'),
    });
    expectError(future, 422, 'TOO_EARLY');
    const ok = await api.call('POST', `/companies/${c.companyId}/audits`, {
      key: assessorKey,
      body: auditBody('certification', '2026-04-15'),
    });
    expect(ok.status).toBe(201);
    expect(ok.body.certificate).toMatchObject({ issuedOn: '2026-04-15' });
  });

  test('a failed certification audit → 201 passed:false with the failed elements; a later one can pass', async () => {
    const c = await signUp(api);
    await submitProgram(api, c, assessorKey);
    const failing = {
      ...auditBody('certification'),
      overallScore: 85,
      elementScores: { ...scores(85), inspections: 40 },
    };
    const res = await api.call('POST', `/companies/${c.companyId}/audits`, {
      key: assessorKey,
      body: failing,
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      auditId: expect.any(String),
      passed: false,
      failedElements: ['inspections'],
      correctiveActionRequired: true,
    });
    expect((await getStatus(api, c.companyId)).phase).toBe('CERTIFICATION_AUDIT');
    const unknownElement = await api.call('POST', `/companies/${c.companyId}/audits`, {
      key: assessorKey,
      body: { ...auditBody('certification'), elementScores: { ...scores(90), 'fire-drills': 90 } },
    });
    const error = expectError(unknownElement, 400, 'VALIDATION_FAILED');
    expect(error.details).toEqual([
      { path: 'body:elementScores/fire-drills', message: 'not an element of the Alberta policy' },
    ]);
    // "elementScores": {} is not a failed audit: 400 naming every element, nothing recorded, no email.
    const audits = (await getStatus(api, c.companyId)).audits as unknown[];
    const empty = await api.call('POST', `/companies/${c.companyId}/audits`, {
      key: assessorKey,
      body: { ...auditBody('certification'), elementScores: {} },
    });
    expect(expectError(empty, 400, 'VALIDATION_FAILED').details).toHaveLength(AB_ELEMENTS.length);
    expect((await getStatus(api, c.companyId)).audits).toHaveLength(audits.length);
    const pass = await api.call('POST', `/companies/${c.companyId}/audits`, {
      key: assessorKey,
      body: auditBody('certification'),
    });
    expect(pass.status).toBe(201);
    expect(pass.body.passed).toBe(true);
  });

  test('a late maintenance audit (after its due date, before the workflow cancels) → 422 WRONG_PHASE', async () => {
    const c = await signUp(api);
    await certify(api, c, assessorKey);
    api.setNow(at('2027-03-05'));
    const res = await api.call('POST', `/companies/${c.companyId}/audits`, {
      key: c.apiKey,
      body: auditBody('maintenance', '2027-03-04'),
    });
    const message = expectError(res, 422, 'WRONG_PHASE').message;
    expect(message).toContain('2027-03-02');
    expect(message).toContain('the certificate is being cancelled');
  });

  test('refresher enrolment: TOO_EARLY before its window; then 201; enrolling again → 409 CONFLICT', async () => {
    const c = await signUp(api);
    await passTraining(api, c, assessorKey); // training expires 2029-03-02; the refresher opens 6 months before
    const enrol = () =>
      api.call('POST', `/companies/${c.companyId}/training/enrolments`, { key: c.apiKey, body: {} });
    expect(expectError(await enrol(), 422, 'TOO_EARLY').message).toContain('2028-09-02');
    api.setNow(at('2028-09-10'));
    expect((await enrol()).status).toBe(201);
    expectError(await enrol(), 409, 'CONFLICT');
  });

  test('the trainee can be replaced during TRAINING (200); the status shows the new trainee', async () => {
    const c = await signUp(api);
    await designateTrainee(api, c);
    const res = await api.call('PUT', `/companies/${c.companyId}/trainee`, {
      key: c.apiKey,
      body: { name: 'Another Person', email: 'another@example.com' },
    });
    expect(res.status).toBe(200);
    expect(statusOf(res).trainee).toEqual({ name: 'Another Person', email: 'another@example.com' });
  });
});
