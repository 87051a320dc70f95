/** The example bodies of the OpenAPI document: one company, followed through its lifecycle. */
import { policies } from '../../../domain';

export const COMPANY_ID = 'c0123456789abcdef0123';
export const EXECUTION = `${COMPANY_ID}-c1-TRAINING`;
export const AB_ELEMENTS = policies.forRegion('AB').programElements.map((e) => e.id);
export const CONTACT = { name: 'Pat Contact', email: 'pat@acme.example', phone: '+1 (403) 555-0100' };
export const TRAINEE = { name: 'Terry Trainee', email: 'terry@acme.example' };
export const PROGRAM = {
  manualTitle: 'Health & Safety Manual',
  manualVersion: '1.0',
  elements: AB_ELEMENTS,
  implementedSince: '2026-10-01',
};
export const CERTIFICATION_AUDIT = {
  type: 'certification',
  overallScore: 90,
  elementScores: Object.fromEntries(AB_ELEMENTS.map((e) => [e, 90])),
  auditor: { name: 'Alex Auditor' },
  completedOn: '2027-03-15',
};

/** A company status in TRAINING, with the trainee designated: the other examples change a few fields. */
export const STATUS = {
  companyId: COMPANY_ID,
  legalName: 'Acme Roofing Ltd.',
  region: 'AB',
  policy: 'AB',
  employeeCount: 6,
  industry: 'Roofing',
  contact: CONTACT,
  phase: 'TRAINING',
  cycle: 1,
  timeZone: 'America/Edmonton',
  nextAction: {
    code: 'PASS_EXAM',
    title: 'Take the SECOR course and pass its exam',
    who: 'trainee',
    dueOn: '2027-07-10',
    howTo: 'Take the course with a training provider; the provider records the exam result.',
  },
  nextDeadline: { step: 'TRAINING_EXAM', dueOn: '2027-07-10', opensOn: '2027-01-11' },
  overdue: false,
  trainee: TRAINEE,
  training: {
    attempts: [],
    attemptCycle: 1,
    attemptsLeft: 3,
    passedOn: null,
    expiresOn: null,
    status: 'none',
  },
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
export const PASSED_TRAINING = {
  attempts: [
    { attemptNumber: 1, attemptCycle: 1, score: 85, passed: true, takenAt: '2027-02-01T09:30:00.000Z' },
  ],
  attemptCycle: 1,
  attemptsLeft: 2,
  passedOn: '2027-02-01',
  expiresOn: '2030-02-01',
  status: 'valid',
};
export const IN_AUDIT = {
  ...STATUS,
  phase: 'CERTIFICATION_AUDIT',
  nextAction: {
    code: 'BOOK_CERTIFICATION_AUDIT',
    title: 'Have the certification audit done',
    who: 'contact',
    dueOn: '2027-09-01',
    howTo: 'Book the audit with your certifying partner; the auditor records the result.',
  },
  nextDeadline: { step: 'CERTIFICATION_AUDIT', dueOn: '2027-09-01', opensOn: '2027-01-01' },
  training: PASSED_TRAINING,
  program: { ...PROGRAM, submittedOn: '2027-03-01', earliestAuditOn: '2027-01-01' },
  execution: `${COMPANY_ID}-c1-CERTIFICATION_AUDIT`,
};
export const WITHDRAWN = {
  ...STATUS,
  phase: 'WITHDRAWN',
  nextAction: {
    code: 'NONE',
    title: 'The company has withdrawn from SECOR',
    who: 'none',
    dueOn: null,
    howTo: 'Nothing is due.',
  },
  nextDeadline: null,
  withdrawal: { reason: 'We closed the business.', at: '2027-02-01T09:30:00.000Z', fromPhase: 'TRAINING' },
};
