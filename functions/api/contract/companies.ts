/** The company routes: signing up, the status, training, the program, audits and withdrawing. */
import {
  CERTIFICATION_AUDIT,
  COMPANY_ID,
  CONTACT,
  IN_AUDIT,
  PROGRAM,
  STATUS,
  TRAINEE,
  WITHDRAWN,
} from './examples';
import { KEY_ROUTE_ERRORS, WRITE_ERRORS, type Operation } from './types';

export const COMPANY_OPERATIONS = {
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
      "company's own key or session, or its trainee's session (operations read it at GET /ops/companies/{companyId}).",
    tag: 'Companies',
    roles: ['company', 'trainee'],
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
      'Opens a new enrolment (a new set of exam attempts), e.g. after the attempts were exhausted, or the ' +
      'refresher. By the company, or by its trainee signed in by email.',
    tag: 'Training',
    roles: ['company', 'trainee'],
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
      "Records the trainee's exam score, with an assessor key. A pass moves the company to IMPLEMENTATION.",
    tag: 'Training',
    roles: ['assessor'],
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
  'POST /companies/{companyId}/keys': {
    operationId: 'rotateCompanyKey',
    summary: 'Rotate the company key',
    description:
      'Issues a new API key for the company (shown once) and stops the previous one at once. A lost key is ' +
      'recovered by signing in by email, then rotating.',
    tag: 'Companies',
    roles: ['company'],
    request: 'Empty',
    idempotent: true,
    status: 201,
    response: 'KeyIssued',
    errors: WRITE_ERRORS,
    example: {
      request: {},
      response: { apiKey: 'secor_company_9Zq27wXyZbA1cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3w' },
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
} as const satisfies Record<string, Operation>;
