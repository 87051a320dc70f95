/** The operations routes (the ops key). */
import { PHASES } from '../../../domain';
import { COMPANY_ID, EXECUTION } from './examples';
import { KEY_ROUTE_ERRORS, WRITE_ERRORS, type Operation } from './types';

export const OPS_OPERATIONS = {
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
      request: { name: 'Alex Assessor', email: 'alex@assessors.example', regions: ['AB'] },
      response: {
        assessorId: 'as0123456789abcdef0123',
        apiKey: 'secor_assessor_3q2-7wXyZbA1cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3w',
      },
    },
  },
  'GET /ops/assessors': {
    operationId: 'listAssessors',
    summary: 'List the assessors',
    description: 'Every assessor with its regions, when its key was issued and, if so, revoked. Never a key.',
    tag: 'Operations',
    roles: ['ops'],
    status: 200,
    response: 'AssessorList',
    errors: [400, 401, 403, 429],
    example: {
      response: {
        items: [
          {
            assessorId: 'as0123456789abcdef0123',
            name: 'Alex Assessor',
            email: 'alex@assessors.example',
            regions: ['AB'],
            createdAt: '2027-01-04T15:00:00.000Z',
          },
        ],
      },
    },
  },
  'DELETE /ops/assessors/{assessorId}': {
    operationId: 'revokeAssessor',
    summary: 'Revoke an assessor key',
    description: 'The assessor key stops working at once (401 from then on). Revoking again changes nothing.',
    tag: 'Operations',
    roles: ['ops'],
    status: 204,
    response: 'NoContent',
    errors: KEY_ROUTE_ERRORS,
  },
  'POST /ops/reviewers': {
    operationId: 'createReviewer',
    summary: 'Issue a reviewer key',
    description:
      "Registers a certifying partner's QA reviewer for its regions and answers its API key (shown once).",
    tag: 'Operations',
    roles: ['ops'],
    request: 'Reviewer',
    idempotent: true,
    status: 201,
    response: 'ReviewerCreated',
    errors: [400, 401, 403, 409, 429],
    example: {
      request: { name: 'Robin Reviewer', email: 'robin@partner.example', regions: ['AB'] },
      response: {
        reviewerId: 'rv0123456789abcdef0123',
        apiKey: 'secor_reviewer_3q2-7wXyZbA1cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3w',
      },
    },
  },
  'GET /ops/reviewers': {
    operationId: 'listReviewers',
    summary: 'List the reviewers',
    description: 'Every reviewer with its regions, when its key was issued and, if so, revoked. Never a key.',
    tag: 'Operations',
    roles: ['ops'],
    status: 200,
    response: 'ReviewerList',
    errors: [400, 401, 403, 429],
    example: {
      response: {
        items: [
          {
            reviewerId: 'rv0123456789abcdef0123',
            name: 'Robin Reviewer',
            email: 'robin@partner.example',
            regions: ['AB'],
            createdAt: '2027-01-04T15:00:00.000Z',
          },
        ],
      },
    },
  },
  'DELETE /ops/reviewers/{reviewerId}': {
    operationId: 'revokeReviewer',
    summary: 'Revoke a reviewer key',
    description: 'The reviewer key stops working at once (401 from then on). Revoking again changes nothing.',
    tag: 'Operations',
    roles: ['ops'],
    status: 204,
    response: 'NoContent',
    errors: KEY_ROUTE_ERRORS,
  },
} as const satisfies Record<string, Operation>;
