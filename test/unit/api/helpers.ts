/** Shared helpers of the API tests: the contract's error body, and driving a company through the lifecycle. */
import type { ApiFixture, ApiResponse } from './setup';

/** A fixed instant the tests run at (the API's clock is replaced; see ApiFixture.setNow). */
export const NOW = '2026-03-02T15:00:00.000Z';
export const TODAY = NOW.slice(0, 10);
/** Five months before TODAY: more than AB's 3-month minimum implementation. */
export const IMPLEMENTED_SINCE = '2025-10-01';

/** The program elements of the AB policy. */
export const AB_ELEMENTS = [
  'management-leadership',
  'hazard-assessment',
  'hazard-control',
  'training',
  'inspections',
  'emergency-response',
  'incident-investigation',
  'program-administration',
] as const;

export const ERROR_CODES = [
  'MALFORMED_JSON',
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'NOT_ELIGIBLE',
  'WRONG_PHASE',
  'ATTEMPTS_EXHAUSTED',
  'TOO_EARLY',
  'THROTTLED',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The status API.md gives each error code. */
export const STATUS_OF: Record<ErrorCode, number> = {
  MALFORMED_JSON: 400,
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  NOT_ELIGIBLE: 422,
  WRONG_PHASE: 422,
  ATTEMPTS_EXHAUSTED: 422,
  TOO_EARLY: 422,
  THROTTLED: 429,
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Why a response is not a contract error response, or null when it is: a non-2xx status with exactly
 * `{error:{code,message,details?}}`, a known code of that status, a message, and `details` (each `{path,message}`)
 * required for VALIDATION_FAILED.
 */
export function errorProblem(res: Pick<ApiResponse, 'status' | 'body' | 'raw'>): string | null {
  if (res.status < 400 || res.status > 499) return `status ${res.status} is not a 4xx`;
  const body: unknown = JSON.parse(res.raw);
  if (!isRecord(body)) return 'the body is not an object';
  if (Object.keys(body).join() !== 'error') return `body keys ${Object.keys(body).join()}`;
  const error = body.error;
  if (!isRecord(error)) return 'error is not an object';
  const extra = Object.keys(error).filter((k) => !['code', 'message', 'details'].includes(k));
  if (extra.length) return `unexpected error fields ${extra.join()}`;
  const code = error.code;
  if (typeof code !== 'string' || !(ERROR_CODES as readonly string[]).includes(code)) return `code ${code}`;
  if (STATUS_OF[code as ErrorCode] !== res.status) return `code ${code} with status ${res.status}`;
  if (typeof error.message !== 'string' || error.message.length === 0) return 'no message';
  if (error.details !== undefined) {
    if (!Array.isArray(error.details) || error.details.length === 0)
      return 'details is not a non-empty array';
    for (const d of error.details as unknown[]) {
      if (!isRecord(d) || Object.keys(d).sort().join() !== 'message,path')
        return `detail ${JSON.stringify(d)}`;
      if (typeof d.path !== 'string' || typeof d.message !== 'string') return `detail ${JSON.stringify(d)}`;
    }
  } else if (code === 'VALIDATION_FAILED') return 'VALIDATION_FAILED without details';
  return null;
}

/** Asserts a contract error response with this status and code; returns the error. */
export function expectError(
  res: ApiResponse,
  status: number,
  code: ErrorCode,
): { code: string; message: string; details?: { path: string; message: string }[] } {
  expect({ status: res.status, code: (res.body.error as { code?: string } | undefined)?.code }).toEqual({
    status,
    code,
  });
  expect(errorProblem(res)).toBeNull();
  return res.body.error as { code: string; message: string; details?: { path: string; message: string }[] };
}

/** Asserts a VALIDATION_FAILED response with a detail at `path`. */
export function expectValidation(res: ApiResponse, path: string): void {
  const error = expectError(res, 400, 'VALIDATION_FAILED');
  expect(error.details?.map((d) => d.path)).toContain(path);
}

let sequence = 0;
/** A unique legal name (per test file run). */
export function uniqueName(prefix = 'Test Co'): string {
  sequence += 1;
  return `${prefix} ${Date.now().toString(36)}-${sequence} Ltd.`;
}

export interface SignUpBody {
  legalName: string;
  region: string;
  employeeCount: number;
  industry?: string;
  contact: { name: string; email: string; phone?: string };
}

export function signUpBody(overrides: Partial<SignUpBody> = {}): SignUpBody {
  return {
    legalName: uniqueName(),
    region: 'AB',
    employeeCount: 6,
    industry: 'Roofing',
    contact: { name: 'Pat Contact', email: 'pat@example.com', phone: '+1 (403) 555-0100' },
    ...overrides,
  };
}

export interface TestCompany {
  companyId: string;
  apiKey: string;
  legalName: string;
}

export async function signUp(api: ApiFixture, overrides: Partial<SignUpBody> = {}): Promise<TestCompany> {
  const body = signUpBody(overrides);
  const res = await api.call('POST', '/companies', { body });
  if (res.status !== 201) throw new Error(`sign-up: ${res.status} ${res.raw}`);
  const { companyId, apiKey } = res.body as { companyId: string; apiKey: string };
  return { companyId, apiKey, legalName: body.legalName };
}

export async function newAssessor(api: ApiFixture): Promise<string> {
  const res = await api.call('POST', '/ops/assessors', {
    key: api.opsKey,
    body: { name: 'Alex Assessor', email: 'alex@assessors.example' },
  });
  if (res.status !== 201) throw new Error(`assessor: ${res.status} ${res.raw}`);
  return (res.body as { apiKey: string }).apiKey;
}

async function expectOk(res: Promise<ApiResponse>, what: string, status: number): Promise<ApiResponse> {
  const r = await res;
  if (r.status !== status) throw new Error(`${what}: expected ${status}, got ${r.status} ${r.raw}`);
  return r;
}

export const traineeBody = { name: 'Terry Trainee', email: 'terry@example.com' };

export function programBody(implementedSince = IMPLEMENTED_SINCE) {
  return {
    manualTitle: 'Health & Safety Manual',
    manualVersion: '1.0',
    elements: [...AB_ELEMENTS],
    implementedSince,
  };
}

export function scores(score: number): Record<string, number> {
  return Object.fromEntries(AB_ELEMENTS.map((e) => [e, score]));
}

export function auditBody(
  type: 'certification' | 'maintenance' | 'recertification',
  completedOn = TODAY,
  score = 90,
) {
  return {
    type,
    overallScore: score,
    elementScores: scores(score),
    auditor: { name: 'Alex Auditor' },
    completedOn,
  };
}

/** REGISTERED → TRAINING. */
export async function designateTrainee(api: ApiFixture, c: TestCompany): Promise<void> {
  await expectOk(
    api.call('PUT', `/companies/${c.companyId}/trainee`, { key: c.apiKey, body: traineeBody }),
    'trainee',
    200,
  );
}

/** → IMPLEMENTATION (a passing exam). */
export async function passTraining(api: ApiFixture, c: TestCompany, assessorKey: string): Promise<void> {
  await designateTrainee(api, c);
  await expectOk(
    api.call('POST', `/companies/${c.companyId}/training/attempts`, {
      key: assessorKey,
      body: { score: 85 },
    }),
    'attempt',
    201,
  );
}

/** → CERTIFICATION_AUDIT. */
export async function submitProgram(
  api: ApiFixture,
  c: TestCompany,
  assessorKey: string,
  implementedSince = IMPLEMENTED_SINCE,
): Promise<void> {
  await passTraining(api, c, assessorKey);
  await expectOk(
    api.call('POST', `/companies/${c.companyId}/program`, {
      key: c.apiKey,
      body: programBody(implementedSince),
    }),
    'program',
    201,
  );
}

/** → CERTIFIED; returns the certificate number. */
export async function certify(api: ApiFixture, c: TestCompany, assessorKey: string): Promise<string> {
  await submitProgram(api, c, assessorKey);
  const res = await expectOk(
    api.call('POST', `/companies/${c.companyId}/audits`, {
      key: assessorKey,
      body: auditBody('certification'),
    }),
    'audit',
    201,
  );
  return (res.body.certificate as { certificateNumber: string }).certificateNumber;
}

/** The parts of the company status (GET /companies/{companyId}) the tests read. */
export interface CompanyStatus {
  companyId: string;
  legalName: string;
  region: string;
  employeeCount: number;
  phase: string;
  cycle: number;
  maintenanceYear?: number;
  nextDeadline: { step: string; dueOn: string; opensOn: string; maintenanceYear?: number } | null;
  trainee: { name: string; email: string } | null;
  training: {
    attempts: {
      attemptNumber: number;
      attemptCycle: number;
      score: number;
      passed: boolean;
      takenAt: string;
    }[];
    attemptCycle: number;
    attemptsLeft: number;
    passedOn: string | null;
    expiresOn: string | null;
  };
  program: {
    elements: string[];
    implementedSince: string;
    submittedOn: string;
    earliestAuditOn: string;
  } | null;
  audits: { auditId: string; type: string; passed: boolean; correctiveActionRequired: boolean }[];
  correctiveActions: { auditId: string; status: string }[];
  certificate: { certificateNumber: string; issuedOn: string; expiresOn: string; status: string } | null;
  withdrawal: { reason: string | null } | null;
  history: { at: string; type: string; by: string }[];
}

export const statusOf = (res: ApiResponse): CompanyStatus => res.body as unknown as CompanyStatus;

export async function getStatus(api: ApiFixture, companyId: string): Promise<CompanyStatus> {
  const res = await api.call('GET', `/ops/companies/${companyId}`, { key: api.opsKey });
  if (res.status !== 200) throw new Error(`status: ${res.status} ${res.raw}`);
  return statusOf(res);
}

/** Runs a workflow transition task (functions/tasks/transition.ts) the way the state machine would. */
export async function runTransition(
  api: ApiFixture,
  companyId: string,
  action: 'escalate' | 'recordFailure',
  now = NOW,
): Promise<void> {
  const stored = await api.repo.load(companyId);
  if (!stored) throw new Error(`no company ${companyId}`);
  const { run: handler } = await import('../../../functions/tasks/transition');
  await handler(
    {
      companyId,
      action,
      execution: { name: stored.company.execution.name, startedAt: stored.company.phaseEnteredAt },
      ...(action === 'recordFailure' ? { error: { Error: 'States.TaskFailed', Cause: 'test failure' } } : {}),
    },
    () => now,
  );
}
