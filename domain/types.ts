import type { IsoDate, IsoTimestamp } from './dates';

export const PHASES = [
  'REGISTERED',
  'TRAINING',
  'IMPLEMENTATION',
  'CERTIFICATION_AUDIT',
  'CERTIFIED',
  'MAINTENANCE',
  'RECERTIFICATION',
  'LAPSED',
  'CANCELLED',
  'WITHDRAWN',
  'FAILED',
] as const;
export type Phase = (typeof PHASES)[number];

/** Phases in which the company's certification has ended: no workflow execution runs. */
export const ENDED_PHASES = [
  'LAPSED',
  'CANCELLED',
  'WITHDRAWN',
  'FAILED',
] as const satisfies readonly Phase[];

/** Phases in which the company works towards (or holds) a certificate and a workflow execution runs. */
export type ActivePhase = Exclude<Phase, (typeof ENDED_PHASES)[number]>;

export type Step =
  | 'DESIGNATE_TRAINEE'
  | 'TRAINING_EXAM'
  | 'PROGRAM_SUBMISSION'
  | 'CERTIFICATION_AUDIT'
  | 'MAINTENANCE_AUDIT'
  | 'RECERTIFICATION_AUDIT'
  | 'TRAINING_REFRESHER';

export type Recipient = 'trainee' | 'contact' | 'ops';

/** What SES reported back about an email: it bounced, or its recipient marked it as spam. */
export type EmailFeedback = 'bounce' | 'complaint';

/** The latest bounce or complaint on an email to the company: its reminders may not be arriving. */
export interface EmailIssue {
  kind: EmailFeedback;
  recipient: Recipient;
  at: IsoTimestamp;
}

/** Who caused a change: `public`, `company`, `assessor:<id>`, `ops`, or `system` (the workflow). */
export type Actor =
  'public' | 'company' | 'trainee' | 'ops' | 'system' | `assessor:${string}` | `reviewer:${string}`;

export interface Contact {
  name: string;
  email: string;
  phone?: string;
}

export interface ExamAttempt {
  attemptNumber: number;
  /** The attempt cycle (enrolment) this attempt belongs to; 1 for the first course. */
  attemptCycle: number;
  score: number;
  passed: boolean;
  takenAt: IsoTimestamp;
  recordedBy: Actor;
}

export interface Training {
  attemptCycle: number;
  /** True while an enrolment (first course, re-enrolment or refresher) is open for exam attempts. */
  enrolled: boolean;
  attempts: ExamAttempt[];
  /** The date the current enrolment opened; attempts cannot predate it. */
  enrolledOn: IsoDate | null;
  /** True when the open enrolment is a refresher of an earlier pass. */
  refresher: boolean;
  passedOn: IsoDate | null;
  expiresOn: IsoDate | null;
}

export interface Program {
  manualTitle: string;
  manualVersion: string;
  elements: string[];
  implementedSince: IsoDate;
  submittedOn: IsoDate;
  /** The earliest date a certification audit may be completed (minimum implementation period). */
  earliestAuditOn: IsoDate;
}

export type AuditType = 'certification' | 'maintenance' | 'recertification';

export interface Audit {
  auditId: string;
  type: AuditType;
  cycle: number;
  /** For maintenance audits: the certificate year it covers (2 or 3). */
  maintenanceYear?: 2 | 3;
  overallScore: number;
  elementScores: Record<string, number>;
  failedElements: string[];
  passed: boolean;
  correctiveActionRequired: boolean;
  auditor: { name: string };
  completedOn: IsoDate;
  recordedBy: Actor;
  recordedAt: IsoTimestamp;
}

export interface CorrectiveAction {
  auditId: string;
  openedOn: IsoDate;
  status: 'OPEN' | 'CLOSED';
  closedOn?: IsoDate;
  closedByAuditId?: string;
}

export type CertificateStatus = 'valid' | 'expired' | 'cancelled' | 'lapsed';

export interface Certificate {
  certificateNumber: string;
  cycle: number;
  issuedOn: IsoDate;
  expiresOn: IsoDate;
  /** Stored status; `expired` is derived from the date (see certificateStatus). */
  status: 'valid' | 'cancelled' | 'lapsed';
}

export interface Deadline {
  step: Step;
  /** The first day the step can be completed (reminders start from here). */
  opensOn: IsoDate;
  /** The last day the step can be completed. */
  dueOn: IsoDate;
  /** For maintenance audits: which certificate year (2 or 3). */
  maintenanceYear?: 2 | 3;
}

export interface HistoryEvent {
  at: IsoTimestamp;
  type: string;
  by: Actor;
  details?: Record<string, unknown>;
}

/** The workflow execution that carries the company's current phase (see executionName). */
export interface ExecutionPointer {
  phaseKey: PhaseKey;
  /** Deterministic: `<companyId>-c<cycle>-<phaseKey>`, plus `-r<n>` for a re-entry, redrive or continuation. */
  name: string;
}

export type PhaseKey =
  | 'REGISTRATION'
  | 'TRAINING'
  | 'IMPLEMENTATION'
  | 'CERTIFICATION_AUDIT'
  | 'MAINTENANCE2'
  | 'MAINTENANCE3'
  | 'RECERTIFICATION';

export interface Company {
  companyId: string;
  legalName: string;
  region: string;
  /** The policy applied (the region's own, or `default`). */
  policyId: string;
  employeeCount: number;
  industry: string | null;
  contact: Contact;
  phase: Phase;
  cycle: number;
  /** For MAINTENANCE: the certificate year whose maintenance audit is pending (2 or 3). */
  maintenanceYear: 2 | 3 | null;
  registeredAt: IsoTimestamp;
  phaseEnteredAt: IsoTimestamp;
  trainee: Contact | null;
  training: Training;
  program: Program | null;
  audits: Audit[];
  certificate: Certificate | null;
  /** Certificates of earlier cycles, newest last. */
  pastCertificates: Certificate[];
  correctiveActions: CorrectiveAction[];
  nextDeadline: Deadline | null;
  /**
   * The local date the company was told of `nextDeadline` (set when it changes; older records: the date the phase
   * was entered). Reminders fall after it; an opening notice only when the window opens later than this.
   */
  deadlineAnnouncedOn?: IsoDate;
  /** Set while LAPSED: the phase and step that was missed (the company re-enters there). */
  lapsed: { phase: ActivePhase; step: Step; dueOn: IsoDate } | null;
  /** Set while FAILED: where the workflow failed and why. */
  failure: { phase: Phase; cause: string; at: IsoTimestamp } | null;
  withdrawal: { reason: string | null; at: IsoTimestamp; fromPhase: Phase } | null;
  execution: ExecutionPointer;
  /** Dedupe keys of reminders already sent for open deadlines. */
  remindersSent: string[];
  /** History events before this position have had their emails sent to everyone (see notices.ts). */
  notifiedThrough?: number;
  /**
   * Recipients whose emails went further than `notifiedThrough` (another recipient's are held for the next day,
   * one email a day a person): the history position each has been notified through.
   */
  notifiedThroughBy?: Partial<Record<Recipient, number>>;
  /**
   * Set while the mail service refuses the company's emails (throttling, an outage): since when, how many tries,
   * and when the workflow tries again. Cleared when an email goes. Never fails the company.
   */
  mailDelay?: MailDelay | null;
  /** The local date each person was last sent a lifecycle email (one a day a person; see notices.ts). */
  lastEmailedOn?: Partial<Record<Recipient, IsoDate>>;
  /** Events dropped from the history to keep the record bounded (see history.ts; absent: none). */
  historyDropped?: number;
  /**
   * Trainee designations the record has seen, counted apart from the history (which drops old events):
   * the cap on changing the trainee holds however long the history grows. Absent on older records: counted
   * from the history then.
   */
  traineeDesignations?: number;
  /** Set when SES reports a bounce or complaint for an email to the company (absent on older records). */
  emailIssue?: EmailIssue | null;
  history: HistoryEvent[];
}

export interface MailDelay {
  since: IsoTimestamp;
  attempts: number;
  retryAt: IsoTimestamp;
  /** The mail service's error name (e.g. TooManyRequestsException). */
  error: string;
}

export interface Registration {
  companyId: string;
  legalName: string;
  region: string;
  employeeCount: number;
  industry?: string | null;
  contact: Contact;
}

export type Command =
  | ({ type: 'register' } & Registration)
  | { type: 'designateTrainee'; trainee: Contact }
  | { type: 'recordExamAttempt'; score: number; takenAt?: IsoTimestamp }
  | { type: 'reEnrol' }
  | {
      type: 'submitProgram';
      manualTitle: string;
      manualVersion: string;
      elements: string[];
      implementedSince: IsoDate;
    }
  | {
      type: 'recordAudit';
      auditId: string;
      auditType: AuditType;
      overallScore: number;
      elementScores: Record<string, number>;
      auditor: { name: string };
      completedOn: IsoDate;
      /** The region's next certificate sequence number, allocated by the caller when the audit passes. */
      certificateSequence?: number;
    }
  | { type: 'withdraw'; reason?: string | null }
  | { type: 'deadlinePassed' }
  | { type: 'recordReminder'; key: string }
  | {
      type: 'recordNotifications';
      /** The `history.length` of the record the notices were computed from: events before it were notified. */
      through: number;
      reminderKeys: string[];
      /** The `historyDropped` of that record (absent: the same as now), to place `through` in the current one. */
      historyDropped?: number;
      /** Recipients whose notices were held for a later day: their events stay due (absent: none). */
      held?: Recipient[];
      /** Recipients who were sent an email (absent: none). */
      emailed?: Recipient[];
    }
  | { type: 'recordFailure'; cause: string }
  /** The mail service refused the due emails for now (throttling, an outage): try again later. */
  | { type: 'recordMailDelay'; error: string; emailed?: Recipient[] }
  | {
      type: 'recordEmailFeedback';
      feedback: EmailFeedback;
      recipient: Recipient;
      /** A short reason (bounce type, complaint type); never an email address. */
      detail: string;
      /** The SES message id: the same feedback delivered twice is recorded once. */
      messageId?: string;
    }
  | { type: 'redrive' }
  | { type: 'continueExecution' };

/**
 * What the workflow must be told after a decision: `notify` the execution waiting on this company (a human
 * step was completed), `start` the execution named in `company.execution` (re-entry, redrive), or nothing.
 */
export type WorkflowEffect = 'notify' | 'start' | null;

export interface Decision {
  company: Company;
  events: HistoryEvent[];
  workflow: WorkflowEffect;
}
