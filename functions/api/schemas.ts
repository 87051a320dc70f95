/**
 * Every body of the HTTP API, defined once (TypeBox: plain JSON Schema 2020-12 objects with their TypeScript
 * types). From here come the precompiled request validators (scripts/build-validators.ts), the types of the
 * route handlers' inputs and outputs (functions/api/contract.ts), and the OpenAPI document (openapi.ts).
 *
 * Requests reject unknown fields. Responses describe every field the API returns, but do not forbid others: the
 * API may add fields later (the API tests check responses with unknown fields forbidden).
 */
import {
  Type,
  type Static,
  type TProperties,
  type TSchema,
  type TUnsafe,
  type ObjectOptions,
  type StringOptions,
} from '@sinclair/typebox';
import { PHASES, REGIONS, type AuditType, type PhaseKey, type Step } from '../../domain';
import { COMPANY_ID_PATTERN } from './contract';
import type { ErrorCode } from './errors';

// ——— building blocks ———

const text = (max: number, options: StringOptions = {}) =>
  Type.String({ minLength: 1, maxLength: max, ...options });
const email = Type.String({ format: 'email', maxLength: 254 });
const date = Type.String({
  format: 'date',
  pattern: '^(19|20|21)\\d{2}-',
  description: 'YYYY-MM-DD (years 1900 to 2199)',
});
const dateOut = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
const timestamp = Type.String({
  format: 'date-time',
  description: 'ISO-8601 UTC, e.g. 2027-02-01T09:30:00.000Z',
});
const percent = Type.Number({ minimum: 0, maximum: 100 });
const count = Type.Integer({ minimum: 0 });
/** A request object: unknown fields are refused. */
const closed = <T extends TProperties>(properties: T, options: ObjectOptions = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });
/** A string enum (`enum`, not TypeBox's anyOf of consts: clearer errors and documents). */
const oneOf = <T extends string>(values: readonly T[], options: StringOptions = {}): TUnsafe<T> =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });
const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
/** Scores by program element, e.g. {"hazard-assessment": 90}. */
const elementScores = Type.Unsafe<Record<string, number>>({
  type: 'object',
  propertyNames: { pattern: '^[a-z][a-z0-9-]{0,99}$' },
  additionalProperties: percent,
  maxProperties: 50,
  description: 'Score (0–100) per program element',
});
const maintenanceYear = Type.Unsafe<2 | 3>({
  type: 'integer',
  enum: [2, 3],
  description: 'The certificate year a maintenance audit covers',
});

/** Every value of a union type, checked complete by the compiler (a Record over the union). */
const valuesOf = <T extends string>(all: Record<T, true>): T[] => Object.keys(all) as T[];

export const STEPS = valuesOf<Step>({
  DESIGNATE_TRAINEE: true,
  TRAINING_EXAM: true,
  PROGRAM_SUBMISSION: true,
  CERTIFICATION_AUDIT: true,
  MAINTENANCE_AUDIT: true,
  RECERTIFICATION_AUDIT: true,
  TRAINING_REFRESHER: true,
});
const PHASE_KEYS = valuesOf<PhaseKey>({
  REGISTRATION: true,
  TRAINING: true,
  IMPLEMENTATION: true,
  CERTIFICATION_AUDIT: true,
  MAINTENANCE2: true,
  MAINTENANCE3: true,
  RECERTIFICATION: true,
});
const AUDIT_TYPES = valuesOf<AuditType>({ certification: true, maintenance: true, recertification: true });
export const ERROR_CODES = valuesOf<ErrorCode>({
  MALFORMED_JSON: true,
  VALIDATION_FAILED: true,
  UNAUTHENTICATED: true,
  FORBIDDEN: true,
  NOT_FOUND: true,
  CONFLICT: true,
  NOT_ELIGIBLE: true,
  WRONG_PHASE: true,
  ATTEMPTS_EXHAUSTED: true,
  TOO_EARLY: true,
  THROTTLED: true,
  INTERNAL: true,
});

const companyId = Type.String({ pattern: COMPANY_ID_PATTERN, description: 'The company id' });
/** Certificate numbers, e.g. SECOR-AB-2027-000123 (domain CERTIFICATE_NUMBER_RE). */
const certificateNumber = Type.String({
  pattern: '^SECOR-[A-Z]{2}-\\d{4}-\\d{6,}$',
  description: 'SECOR-<region>-<year>-<sequence>',
});
const phase = oneOf(PHASES, { description: 'The lifecycle phase' });
/** Phases as the index stores them (plain strings in TypeScript, the same values). */
const phaseOut = oneOf<string>(PHASES, { description: 'The lifecycle phase' });
const region = oneOf<string>(REGIONS, { description: 'Province or territory code' });
const step = oneOf(STEPS, { description: 'The workflow step' });
const contactOut = Type.Object({
  name: Type.String(),
  email: Type.String(),
  phone: Type.Optional(Type.String()),
});
const emailIssue = Type.Object(
  {
    kind: oneOf(['bounce', 'complaint'] as const),
    recipient: oneOf(['trainee', 'contact', 'ops'] as const),
    at: timestamp,
  },
  { description: 'The latest bounce or complaint SES reported: reminders may not be arriving' },
);
const apiKey = Type.String({
  pattern: '^secor_(company|assessor)_[A-Za-z0-9_-]{43}$',
  description: 'The API key: shown once, only its hash is stored. Send it as `Authorization: Bearer <key>`.',
});

// ——— requests ———

/** The request bodies, by name (the validators module exports one validator per name). */
export const schemas = {
  SignUp: closed(
    {
      legalName: text(200, {
        description: 'The legal name; unique per region (case, accents and punctuation do not matter)',
        pattern: '[\\p{L}\\p{N}]',
      }),
      region: oneOf(REGIONS, { description: 'Province or territory code' }),
      employeeCount: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
      industry: Type.Optional(text(100)),
      contact: closed({
        name: text(200),
        email,
        phone: Type.Optional(text(40, { pattern: '^[0-9 +().-]+$' })),
      }),
    },
    { description: 'A company signing up' },
  ),
  Trainee: closed({ name: text(200), email }, { description: 'The employee who takes the SECOR training' }),
  Enrolment: closed({}, { description: 'No fields: re-enrols the trainee in the training course' }),
  ExamAttempt: closed(
    { score: percent, takenAt: Type.Optional(Type.String({ format: 'date-time' })) },
    { description: 'A training exam result (takenAt defaults to now)' },
  ),
  Program: closed(
    {
      manualTitle: text(200),
      manualVersion: text(50),
      elements: Type.Array(text(100), { minItems: 1, maxItems: 50, uniqueItems: true }),
      implementedSince: date,
    },
    { description: "The company's health & safety program, implemented since a date" },
  ),
  Audit: closed(
    {
      type: oneOf(AUDIT_TYPES),
      overallScore: percent,
      elementScores,
      auditor: closed({ name: text(200) }),
      completedOn: date,
    },
    {
      description:
        'A completed audit: certification and recertification by an assessor, maintenance by the company',
    },
  ),
  Withdrawal: closed({ reason: Type.Optional(text(1000)) }, { description: 'Leaving the program' }),
  Assessor: closed({ name: text(200), email }, { description: 'An assessor (auditor) to issue a key to' }),
  Empty: closed({}, { description: 'No fields' }),
};

export type SchemaName = keyof typeof schemas;

// ——— responses ———

const companyStatus = Type.Object(
  {
    companyId,
    legalName: Type.String(),
    region,
    policy: Type.String({ description: "The certification policy applied: the region's own, or `default`" }),
    employeeCount: Type.Integer({ minimum: 1 }),
    industry: nullable(Type.String()),
    contact: contactOut,
    phase,
    cycle: Type.Integer({ minimum: 1, description: 'The certification cycle (1 for the first)' }),
    maintenanceYear: Type.Optional(maintenanceYear),
    nextDeadline: nullable(
      Type.Object({
        step,
        dueOn: dateOut,
        opensOn: dateOut,
        maintenanceYear: Type.Optional(maintenanceYear),
      }),
    ),
    overdue: Type.Boolean({ description: "The next deadline's day has passed" }),
    trainee: nullable(contactOut),
    training: Type.Object({
      attempts: Type.Array(
        Type.Object({
          attemptNumber: Type.Integer({ minimum: 1 }),
          attemptCycle: Type.Integer({ minimum: 1 }),
          score: percent,
          passed: Type.Boolean(),
          takenAt: timestamp,
        }),
      ),
      attemptCycle: Type.Integer({ minimum: 1 }),
      attemptsLeft: count,
      passedOn: nullable(dateOut),
      expiresOn: nullable(dateOut),
    }),
    program: nullable(
      Type.Object({
        manualTitle: Type.String(),
        manualVersion: Type.String(),
        elements: Type.Array(Type.String()),
        implementedSince: dateOut,
        submittedOn: dateOut,
        earliestAuditOn: dateOut,
      }),
    ),
    audits: Type.Array(
      Type.Object({
        auditId: Type.String(),
        type: oneOf(AUDIT_TYPES),
        maintenanceYear: Type.Optional(maintenanceYear),
        overallScore: percent,
        elementScores,
        failedElements: Type.Array(Type.String()),
        passed: Type.Boolean(),
        correctiveActionRequired: Type.Boolean(),
        auditor: Type.Object({ name: Type.String() }),
        completedOn: dateOut,
      }),
    ),
    correctiveActions: Type.Array(
      Type.Object({
        auditId: Type.String(),
        openedOn: dateOut,
        status: oneOf(['OPEN', 'CLOSED'] as const),
        closedOn: Type.Optional(dateOut),
        closedByAuditId: Type.Optional(Type.String()),
      }),
    ),
    certificate: nullable(
      Type.Object({
        certificateNumber,
        cycle: Type.Integer({ minimum: 1 }),
        issuedOn: dateOut,
        expiresOn: dateOut,
        status: oneOf(['valid', 'expired', 'cancelled', 'lapsed'] as const),
      }),
    ),
    lapsed: nullable(
      Type.Object(
        { phase, step, dueOn: dateOut },
        { description: 'While LAPSED: the phase and step that was missed (the company re-enters there)' },
      ),
    ),
    failure: nullable(
      Type.Object(
        { phase, cause: Type.String(), at: timestamp },
        { description: 'While FAILED: where and why' },
      ),
    ),
    withdrawal: nullable(Type.Object({ reason: nullable(Type.String()), at: timestamp, fromPhase: phase })),
    emailIssue: Type.Optional(emailIssue),
    execution: Type.String({ description: 'The name of the workflow execution of the current phase' }),
    historyDropped: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Events dropped to keep the record bounded (first and latest kept)',
      }),
    ),
    history: Type.Array(
      Type.Object({
        at: timestamp,
        type: Type.String({ description: 'What happened, e.g. REGISTERED, PHASE_ENTERED' }),
        by: Type.String({ description: '`public`, `company`, `assessor:<id>`, `ops` or `system`' }),
        details: Type.Optional(
          Type.Object({}, { additionalProperties: true, description: 'Event-specific details' }),
        ),
      }),
    ),
  },
  { description: "A company's status: its phase, next deadline, training, program, audits and certificate" },
);

const execution = Type.Object({
  name: Type.String(),
  executionArn: Type.String(),
  phase: oneOf<string>(PHASE_KEYS, { description: 'The phase the execution carries' }),
  // Step Functions always describes an execution with its status and start date (its SDK types them optional).
  status: Type.Optional(
    oneOf<string>(
      ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE', 'NOT_STARTED'],
      {
        description: 'The Step Functions status; NOT_STARTED: recorded, but never started',
      },
    ),
  ),
  startedAt: Type.Optional(timestamp),
  stoppedAt: Type.Optional(timestamp),
});

/** The 2xx bodies, by name. */
export const responseSchemas = {
  CompanyStatus: companyStatus,
  SignUpCreated: Type.Object(
    { companyId, apiKey, phase, cycle: Type.Integer({ minimum: 1 }) },
    { description: 'The new company and its API key' },
  ),
  AttemptRecorded: Type.Object(
    {
      attemptNumber: Type.Integer({ minimum: 1 }),
      attemptCycle: Type.Integer({ minimum: 1 }),
      passed: Type.Boolean(),
      attemptsLeft: count,
      trainingExpiresOn: Type.Optional(dateOut),
    },
    { description: 'The recorded attempt; trainingExpiresOn when it passed' },
  ),
  AuditRecorded: Type.Object(
    {
      auditId: Type.String(),
      passed: Type.Boolean(),
      failedElements: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
      certificate: Type.Optional(
        Type.Object(
          { certificateNumber, issuedOn: dateOut, expiresOn: dateOut },
          { description: 'Issued by a passing certification or recertification audit' },
        ),
      ),
      correctiveActionRequired: Type.Boolean(),
    },
    { description: 'The recorded audit' },
  ),
  CertificateVerification: Type.Object(
    {
      certificateNumber,
      legalName: Type.String(),
      region,
      issuedOn: dateOut,
      expiresOn: dateOut,
      status: oneOf(['valid', 'expired', 'cancelled', 'lapsed'] as const),
    },
    { description: 'A certificate and whether it is valid today' },
  ),
  CompanyList: Type.Object(
    {
      items: Type.Array(
        Type.Object({
          companyId,
          legalName: Type.String(),
          region,
          phase: phaseOut,
          maintenanceYear: Type.Optional(Type.Unsafe<number>({ type: 'integer', enum: [2, 3] })),
          nextDeadline: nullable(
            Type.Object({ step: oneOf<string>(STEPS, { description: 'The workflow step' }), dueOn: dateOut }),
          ),
          overdue: Type.Boolean(),
          emailIssue: Type.Optional(emailIssue),
        }),
      ),
      cursor: Type.Optional(
        Type.String({ description: 'Pass as `cursor` for the next page; absent on the last' }),
      ),
    },
    { description: 'Companies, by phase and then by next deadline' },
  ),
  ExecutionList: Type.Object(
    { items: Type.Array(execution) },
    { description: "The company's workflow executions, oldest first" },
  ),
  ExecutionHistory: Type.Object(
    {
      items: Type.Array(
        Type.Object({
          timestamp: Type.Optional(timestamp),
          type: Type.Optional(Type.String({ description: 'The Step Functions history event type' })),
          state: Type.Optional(Type.String({ description: 'The state entered or exited' })),
        }),
      ),
    },
    { description: "An execution's history events (at most 10,000)" },
  ),
  ReminderSent: Type.Object(
    { companyId, step, dueOn: dateOut, sent: count },
    { description: 'The reminder of the open step, sent again (`sent`: emails sent)' },
  ),
  RedriveStarted: Type.Object(
    { companyId, phase, execution: Type.String() },
    { description: 'The failed phase, restarted in a new execution' },
  ),
  AssessorCreated: Type.Object(
    {
      assessorId: Type.String({ pattern: '^as[0-9a-f]{20}$' }),
      apiKey,
    },
    { description: 'The new assessor and its API key' },
  ),
  OpenApiDocument: Type.Object(
    {
      openapi: Type.String({ pattern: '^3\\.1\\.\\d+$' }),
      info: Type.Object({}, { additionalProperties: true }),
      servers: Type.Array(Type.Object({}, { additionalProperties: true })),
      tags: Type.Array(Type.Object({}, { additionalProperties: true })),
      paths: Type.Object({}, { additionalProperties: true }),
      components: Type.Object({}, { additionalProperties: true }),
    },
    { description: 'This OpenAPI 3.1 document' },
  ),
};

export type ResponseSchemaName = keyof typeof responseSchemas;

// ——— errors ———

const errorBody = (codes: readonly ErrorCode[], description: string) =>
  Type.Object(
    {
      error: Type.Object({
        code: oneOf(codes),
        message: Type.String({ minLength: 1, description: 'What went wrong and what to do, in words' }),
        details: Type.Optional(
          Type.Array(
            Type.Object({
              path: Type.String({
                description:
                  'A JSON pointer into the body (`/contact/email`), or `query:<name>`, `path:<name>`',
              }),
              message: Type.String(),
            }),
            { minItems: 1, description: 'One finding per field (always sent with VALIDATION_FAILED)' },
          ),
        ),
      }),
    },
    { description },
  );

/** The error bodies: the contract's `{error: {code, message, details?}}`, each status with its codes. */
export const errorSchemas = {
  Error: errorBody(ERROR_CODES, 'The error body of every non-2xx response the API itself sends'),
  BadRequestError: errorBody(['MALFORMED_JSON', 'VALIDATION_FAILED'], 'The body or a parameter is invalid'),
  UnauthenticatedError: errorBody(['UNAUTHENTICATED'], 'No API key, or an unknown one'),
  ForbiddenError: errorBody(['FORBIDDEN'], 'The key may not use this route, or not on this company'),
  NotFoundError: errorBody(['NOT_FOUND'], 'No such company, certificate or execution'),
  ConflictError: errorBody(
    ['CONFLICT'],
    'A concurrent or conflicting change, or an Idempotency-Key conflict',
  ),
  UnprocessableError: errorBody(
    ['NOT_ELIGIBLE', 'WRONG_PHASE', 'ATTEMPTS_EXHAUSTED', 'TOO_EARLY'],
    'A business rule refused the request',
  ),
  GatewayMessage: Type.Object(
    { message: Type.String() },
    { description: 'A body API Gateway itself sends (e.g. `{"message":"Too Many Requests"}`)' },
  ),
};

export type ErrorSchemaName = keyof typeof errorSchemas;
export type ErrorBody = Static<(typeof errorSchemas)['Error']>;
