/**
 * The operations of the HTTP API: for each route, who may call it, its request and response schemas (by name in
 * schemas.ts), the errors it can answer, and its documentation. The handlers are typed from this table
 * (Ctx<K>, Reply<K>), the middy stack reads roles and schemas from it, and openapi.ts documents it.
 */
import type { Static } from '@sinclair/typebox';
import { PHASES, policies } from '../../domain';
import type { Role } from './principal';
import type { responseSchemas, schemas, ResponseSchemaName, SchemaName } from './schemas';

/** Company ids this API issues (company-service.ts newId('c')). */
export const COMPANY_ID_PATTERN = '^c[0-9a-f]{20}$';

export type SuccessStatus = 200 | 201 | 202;
/** The error statuses a route can answer (besides an unexpected 500). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 422 | 429;

export const TAGS = {
  Companies: 'Signing up, the company status, and withdrawing.',
  Training: 'The trainee, training enrolments and exam attempts.',
  Certification: 'The health & safety program and audits (certification, maintenance, recertification).',
  Certificates: 'Public verification of a certificate number.',
  Operations: 'Operations: companies by phase, workflow executions, reminders, redrive and assessor keys.',
  Documentation: 'This document.',
} as const;
export type Tag = keyof typeof TAGS;

export interface QueryParameter {
  description: string;
  schema: Record<string, unknown>;
}

export interface Operation {
  operationId: string;
  summary: string;
  description: string;
  tag: Tag;
  roles: readonly Role[];
  /** The request body's schema (write routes). */
  request?: SchemaName;
  /** Writes accept an Idempotency-Key header. */
  idempotent?: boolean;
  status: SuccessStatus;
  response: ResponseSchemaName;
  errors: readonly ErrorStatus[];
  query?: Readonly<Record<string, QueryParameter>>;
  /** An example request body (writes) and response body. */
  example?: { request?: unknown; response: unknown };
}

// ——— examples ———

const COMPANY_ID = 'c0123456789abcdef0123';
const EXECUTION = `${COMPANY_ID}-c1-TRAINING`;
const AB_ELEMENTS = policies.forRegion('AB').programElements.map((e) => e.id);
const CONTACT = { name: 'Pat Contact', email: 'pat@acme.example', phone: '+1 (403) 555-0100' };
const TRAINEE = { name: 'Terry Trainee', email: 'terry@acme.example' };
const PROGRAM = {
  manualTitle: 'Health & Safety Manual',
  manualVersion: '1.0',
  elements: AB_ELEMENTS,
  implementedSince: '2026-10-01',
};
const CERTIFICATION_AUDIT = {
  type: 'certification',
  overallScore: 90,
  elementScores: Object.fromEntries(AB_ELEMENTS.map((e) => [e, 90])),
  auditor: { name: 'Alex Auditor' },
  completedOn: '2027-03-15',
};

/** A company status in TRAINING, with the trainee designated: the other examples change a few fields. */
const STATUS = {
  companyId: COMPANY_ID,
  legalName: 'Acme Roofing Ltd.',
  region: 'AB',
  policy: 'AB',
  employeeCount: 6,
  industry: 'Roofing',
  contact: CONTACT,
  phase: 'TRAINING',
  cycle: 1,
  nextDeadline: { step: 'TRAINING_EXAM', dueOn: '2027-07-10', opensOn: '2027-01-11' },
  overdue: false,
  trainee: TRAINEE,
  training: { attempts: [], attemptCycle: 1, attemptsLeft: 3, passedOn: null, expiresOn: null },
  program: null,
  audits: [],
  correctiveActions: [],
  certificate: null,
  lapsed: null,
  failure: null,
  withdrawal: null,
  execution: EXECUTION,
  history: [
    { at: '2027-01-10T10:00:00.000Z', type: 'REGISTERED', by: 'public', details: { region: 'AB' } },
    { at: '2027-01-11T10:00:00.000Z', type: 'TRAINEE_DESIGNATED', by: 'company' },
    { at: '2027-01-11T10:00:00.000Z', type: 'PHASE_ENTERED', by: 'company', details: { phase: 'TRAINING' } },
  ],
};
const PASSED_TRAINING = {
  attempts: [
    { attemptNumber: 1, attemptCycle: 1, score: 85, passed: true, takenAt: '2027-02-01T09:30:00.000Z' },
  ],
  attemptCycle: 1,
  attemptsLeft: 2,
  passedOn: '2027-02-01',
  expiresOn: '2030-02-01',
};
const IN_AUDIT = {
  ...STATUS,
  phase: 'CERTIFICATION_AUDIT',
  nextDeadline: { step: 'CERTIFICATION_AUDIT', dueOn: '2027-09-01', opensOn: '2027-01-01' },
  training: PASSED_TRAINING,
  program: { ...PROGRAM, submittedOn: '2027-03-01', earliestAuditOn: '2027-01-01' },
  execution: `${COMPANY_ID}-c1-CERTIFICATION_AUDIT`,
};
const WITHDRAWN = {
  ...STATUS,
  phase: 'WITHDRAWN',
  nextDeadline: null,
  withdrawal: { reason: 'We closed the business.', at: '2027-02-01T09:30:00.000Z', fromPhase: 'TRAINING' },
};

const KEY_ROUTE_ERRORS = [401, 403, 404, 429] as const;
const WRITE_ERRORS = [400, 401, 403, 404, 409, 422, 429] as const;

/** Every operation of the API, by route key (the route table of route-table.ts has the same keys). */
export const OPERATIONS = {
  'POST /companies': {
    operationId: 'signUp',
    summary: 'Sign a company up',
    description:
      'Registers a company in its region and starts its certification workflow. Answers the company id and its ' +
      'API key (shown once). The legal name is unique per region: case, accents and punctuation do not matter.',
    tag: 'Companies',
    roles: ['public'],
    request: 'SignUp',
    idempotent: true,
    status: 201,
    response: 'SignUpCreated',
    errors: [400, 409, 422, 429],
    example: {
      request: {
        legalName: 'Acme Roofing Ltd.',
        region: 'AB',
        employeeCount: 6,
        industry: 'Roofing',
        contact: CONTACT,
      },
      response: {
        companyId: COMPANY_ID,
        apiKey: 'secor_company_3q2-7wXyZbA1cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3w',
        phase: 'REGISTERED',
        cycle: 1,
      },
    },
  },
  'GET /companies/{companyId}': {
    operationId: 'getCompanyStatus',
    summary: 'Get the company status',
    description:
      "The company's phase, its next deadline, training, program, audits, certificate and history. With the " +
      "company's own key, or the ops key.",
    tag: 'Companies',
    roles: ['company', 'ops'],
    status: 200,
    response: 'CompanyStatus',
    errors: KEY_ROUTE_ERRORS,
    example: { response: STATUS },
  },
  'PUT /companies/{companyId}/trainee': {
    operationId: 'designateTrainee',
    summary: 'Designate the trainee',
    description:
      'Names the employee who takes the SECOR training. The first designation moves the company from ' +
      'REGISTERED to TRAINING; designating the same person again changes nothing.',
    tag: 'Training',
    roles: ['company'],
    request: 'Trainee',
    idempotent: true,
    status: 200,
    response: 'CompanyStatus',
    errors: WRITE_ERRORS,
    example: { request: TRAINEE, response: STATUS },
  },
  'POST /companies/{companyId}/training/enrolments': {
    operationId: 'reEnrolTrainee',
    summary: 'Re-enrol the trainee in training',
    description:
      'Opens a new enrolment (a new set of exam attempts), e.g. after the attempts were exhausted.',
    tag: 'Training',
    roles: ['company'],
    request: 'Enrolment',
    idempotent: true,
    status: 201,
    response: 'CompanyStatus',
    errors: WRITE_ERRORS,
    example: {
      request: {},
      response: { ...STATUS, training: { ...STATUS.training, attemptCycle: 2 } },
    },
  },
  'POST /companies/{companyId}/training/attempts': {
    operationId: 'recordExamAttempt',
    summary: 'Record a training exam attempt',
    description:
      "Records the trainee's exam score (by an assessor, or ops). A pass moves the company to IMPLEMENTATION.",
    tag: 'Training',
    roles: ['assessor', 'ops'],
    request: 'ExamAttempt',
    idempotent: true,
    status: 201,
    response: 'AttemptRecorded',
    errors: WRITE_ERRORS,
    example: {
      request: { score: 85, takenAt: '2027-02-01T09:30:00.000Z' },
      response: {
        attemptNumber: 1,
        attemptCycle: 1,
        passed: true,
        attemptsLeft: 2,
        trainingExpiresOn: '2030-02-01',
      },
    },
  },
  'POST /companies/{companyId}/program': {
    operationId: 'submitProgram',
    summary: 'Submit the health & safety program',
    description:
      "Submits the company's program (manual and elements, implemented since a date): the company moves to " +
      'CERTIFICATION_AUDIT once the minimum implementation period is known.',
    tag: 'Certification',
    roles: ['company'],
    request: 'Program',
    idempotent: true,
    status: 201,
    response: 'CompanyStatus',
    errors: WRITE_ERRORS,
    example: { request: PROGRAM, response: IN_AUDIT },
  },
  'POST /companies/{companyId}/audits': {
    operationId: 'recordAudit',
    summary: 'Record an audit',
    description:
      'Records a completed audit. Certification and recertification audits are recorded with an assessor key, ' +
      'and a passing one issues a certificate; maintenance audits are self-audits filed with the company key.',
    tag: 'Certification',
    roles: ['assessor', 'company'],
    request: 'Audit',
    idempotent: true,
    status: 201,
    response: 'AuditRecorded',
    errors: WRITE_ERRORS,
    example: {
      request: CERTIFICATION_AUDIT,
      response: {
        auditId: 'a0123456789abcdef0123',
        passed: true,
        certificate: {
          certificateNumber: 'SECOR-AB-2027-000123',
          issuedOn: '2027-03-15',
          expiresOn: '2030-03-15',
        },
        correctiveActionRequired: false,
      },
    },
  },
  'POST /companies/{companyId}/withdrawal': {
    operationId: 'withdrawCompany',
    summary: 'Withdraw from the program',
    description: 'The company leaves the program: its workflow stops and no more reminders are sent.',
    tag: 'Companies',
    roles: ['company'],
    request: 'Withdrawal',
    idempotent: true,
    status: 200,
    response: 'CompanyStatus',
    errors: WRITE_ERRORS,
    example: { request: { reason: 'We closed the business.' }, response: WITHDRAWN },
  },
  'GET /certificates/{certificateNumber}': {
    operationId: 'verifyCertificate',
    summary: 'Verify a certificate',
    description:
      'Public: whether a certificate number was issued, to whom, and whether it is valid today (valid, ' +
      'expired, cancelled or lapsed).',
    tag: 'Certificates',
    roles: ['public'],
    status: 200,
    response: 'CertificateVerification',
    errors: [400, 404, 429],
    example: {
      response: {
        certificateNumber: 'SECOR-AB-2027-000123',
        legalName: 'Acme Roofing Ltd.',
        region: 'AB',
        issuedOn: '2027-03-15',
        expiresOn: '2030-03-15',
        status: 'valid',
      },
    },
  },
  'GET /openapi.json': {
    operationId: 'getOpenApiDocument',
    summary: 'Get this OpenAPI document',
    description: 'The OpenAPI 3.1 document of this API, generated from the schemas the API validates with.',
    tag: 'Documentation',
    roles: ['public'],
    status: 200,
    response: 'OpenApiDocument',
    errors: [429],
  },
  'GET /ops/companies': {
    operationId: 'listCompanies',
    summary: 'List companies by phase',
    description:
      'Companies in one phase (or all), each phase ordered by next deadline; `overdue=true` keeps those whose ' +
      'deadline day has passed. Paged: pass the `cursor` of a page to get the next one.',
    tag: 'Operations',
    roles: ['ops'],
    status: 200,
    response: 'CompanyList',
    errors: [400, 401, 403, 429],
    query: {
      phase: { description: 'Only companies in this phase', schema: { type: 'string', enum: [...PHASES] } },
      overdue: {
        description: 'Only companies whose next deadline has passed (in the active phases)',
        schema: { type: 'string', enum: ['true', 'false'], default: 'false' },
      },
      limit: {
        description: 'Companies per page',
        schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
      },
      cursor: {
        description: 'The `cursor` of the previous page (opaque)',
        schema: { type: 'string', minLength: 1 },
      },
    },
    example: {
      response: {
        items: [
          {
            companyId: COMPANY_ID,
            legalName: 'Acme Roofing Ltd.',
            region: 'AB',
            phase: 'TRAINING',
            nextDeadline: { step: 'TRAINING_EXAM', dueOn: '2027-07-10' },
            overdue: false,
          },
        ],
        cursor: 'eyJwaGFzZSI6MX0',
      },
    },
  },
  'GET /ops/companies/{companyId}': {
    operationId: 'getCompanyForOps',
    summary: 'Get a company (ops)',
    description: 'The company status, as GET /companies/{companyId} answers it.',
    tag: 'Operations',
    roles: ['ops'],
    status: 200,
    response: 'CompanyStatus',
    errors: KEY_ROUTE_ERRORS,
  },
  'GET /ops/companies/{companyId}/executions': {
    operationId: 'listExecutions',
    summary: "List the company's workflow executions",
    description: 'Every Step Functions execution the company has had, oldest first, with its status.',
    tag: 'Operations',
    roles: ['ops'],
    status: 200,
    response: 'ExecutionList',
    errors: KEY_ROUTE_ERRORS,
    example: {
      response: {
        items: [
          {
            name: EXECUTION,
            executionArn: `arn:aws:states:ca-central-1:123456789012:execution:SecorLifecycle:${EXECUTION}`,
            phase: 'TRAINING',
            status: 'RUNNING',
            startedAt: '2027-01-11T10:00:00.000Z',
          },
        ],
      },
    },
  },
  'GET /ops/companies/{companyId}/executions/{name}/history': {
    operationId: 'getExecutionHistory',
    summary: "Get an execution's history",
    description: "The events of one of the company's own executions, with the state each entered or exited.",
    tag: 'Operations',
    roles: ['ops'],
    status: 200,
    response: 'ExecutionHistory',
    errors: KEY_ROUTE_ERRORS,
  },
  'POST /ops/companies/{companyId}/reminders': {
    operationId: 'resendReminder',
    summary: 'Resend the current reminder',
    description: "Sends the reminder of the company's open step again, to its recipients.",
    tag: 'Operations',
    roles: ['ops'],
    request: 'Empty',
    idempotent: true,
    status: 202,
    response: 'ReminderSent',
    errors: WRITE_ERRORS,
    example: {
      request: {},
      response: { companyId: COMPANY_ID, step: 'TRAINING_EXAM', dueOn: '2027-07-10', sent: 1 },
    },
  },
  'POST /ops/companies/{companyId}/redrive': {
    operationId: 'redriveCompany',
    summary: 'Restart a failed phase',
    description: 'For a FAILED company: restarts the phase that failed in a new workflow execution.',
    tag: 'Operations',
    roles: ['ops'],
    request: 'Empty',
    idempotent: true,
    status: 202,
    response: 'RedriveStarted',
    errors: WRITE_ERRORS,
    example: {
      request: {},
      response: { companyId: COMPANY_ID, phase: 'TRAINING', execution: `${EXECUTION}-r1` },
    },
  },
  'POST /ops/assessors': {
    operationId: 'createAssessor',
    summary: 'Issue an assessor key',
    description: 'Registers an assessor (auditor) and answers its API key (shown once).',
    tag: 'Operations',
    roles: ['ops'],
    request: 'Assessor',
    idempotent: true,
    status: 201,
    response: 'AssessorCreated',
    errors: [400, 401, 403, 409, 429],
    example: {
      request: { name: 'Alex Assessor', email: 'alex@assessors.example' },
      response: {
        assessorId: 'as0123456789abcdef0123',
        apiKey: 'secor_assessor_3q2-7wXyZbA1cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3w',
      },
    },
  },
} as const satisfies Record<string, Operation>;

export type RouteKey = keyof typeof OPERATIONS;
type Op<K extends RouteKey> = (typeof OPERATIONS)[K];

/** The parsed request body of a route (undefined for routes without one). */
export type RequestBody<K extends RouteKey> =
  Op<K> extends { request: infer N extends SchemaName } ? Static<(typeof schemas)[N]> : undefined;
/** The 2xx body of a route. */
export type ResponseBody<K extends RouteKey> = Static<(typeof responseSchemas)[Op<K>['response']]>;
/** The 2xx status of a route. */
export type StatusOf<K extends RouteKey> = Op<K>['status'];

export const operationOf = (routeKey: string): Operation | undefined =>
  (OPERATIONS as Record<string, Operation>)[routeKey];
