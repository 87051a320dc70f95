/** The 2xx bodies: every field the API returns is described, others are not forbidden. */
import { Type } from '@sinclair/typebox';
import { regionSchemas } from './regions';
import {
  AUDIT_TYPES,
  PHASE_KEYS,
  STEPS,
  certificateNumber,
  companyId,
  contactOut,
  count,
  dateOut,
  issuedApiKey,
  elementScores,
  emailIssue,
  maintenanceYear,
  nullable,
  oneOf,
  percent,
  phase,
  phaseOut,
  region,
  step,
  timestamp,
} from './common';

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
    timeZone: Type.String({
      description: "The province's IANA time zone: a due date ends at the end of that day there",
    }),
    nextAction: Type.Object(
      {
        code: Type.String(),
        title: Type.String({ description: 'The one thing to do next, in plain words' }),
        who: oneOf(['contact', 'trainee', 'assessor', 'reviewer', 'operations', 'none'] as const),
        dueOn: nullable(dateOut),
        howTo: Type.String(),
      },
      { description: 'The one thing to do next, who does it, by when, and how' },
    ),
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
      status: oneOf(['none', 'valid', 'expiring', 'expired'] as const, {
        description:
          'The training certificate on the local date: none (not passed yet), valid, expiring (inside the refresher window) or expired',
      }),
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

/** What a list of assessors or reviewers says of each (never its key). */
const keyHolderFields = {
  name: Type.String(),
  email: Type.String(),
  regions: Type.Array(region, { description: 'The regions its key may be used in (empty: every region)' }),
  createdAt: Type.String({ format: 'date-time' }),
  revokedAt: Type.Optional(Type.String({ format: 'date-time', description: 'Its key stopped working then' })),
};

/** The 2xx bodies, by name. */
export const responseSchemas = {
  ...regionSchemas,
  CompanyStatus: companyStatus,
  SignUpCreated: Type.Object(
    { companyId, apiKey: issuedApiKey, phase, cycle: Type.Integer({ minimum: 1 }) },
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
      apiKey: issuedApiKey,
    },
    { description: 'The new assessor and its API key' },
  ),
  ReviewerCreated: Type.Object(
    { reviewerId: Type.String({ pattern: '^rv[0-9a-f]{20}$' }), apiKey: issuedApiKey },
    { description: 'The new reviewer and its API key' },
  ),
  KeyIssued: Type.Object(
    { apiKey: issuedApiKey },
    { description: "The company's new API key; the previous one stopped working" },
  ),
  AssessorList: Type.Object(
    {
      items: Type.Array(
        Type.Object({
          assessorId: Type.String({ pattern: '^as[0-9a-f]{20}$' }),
          ...keyHolderFields,
        }),
      ),
    },
    { description: 'Every assessor, oldest first (never a key)' },
  ),
  ReviewerList: Type.Object(
    {
      items: Type.Array(
        Type.Object({
          reviewerId: Type.String({ pattern: '^rv[0-9a-f]{20}$' }),
          ...keyHolderFields,
        }),
      ),
    },
    { description: 'Every reviewer, oldest first (never a key)' },
  ),
  NoContent: Type.Null({ description: 'No content' }),
  Accepted: Type.Object({}, { description: 'Accepted (nothing is told about the address)' }),
  SessionCreated: Type.Object(
    {
      sessionKey: Type.String({
        pattern: '^secor_session_[A-Za-z0-9_-]{43}$',
        description: 'The session key: send it as `Authorization: Bearer <key>`; only its hash is stored',
      }),
      role: oneOf(['company', 'trainee'] as const, {
        description: 'company: the contact; trainee: the trainee',
      }),
      companyId,
      expiresAt: Type.String({
        format: 'date-time',
        description: 'The session ends then (at most 12 hours)',
      }),
    },
    { description: 'A session, from a sign-in link' },
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
