/**
 * The company lifecycle as a pure state machine:
 *   decide(current record | null, command, { now, by }) → { new record, events to append, workflow effect }
 * or a DomainError (NOT_ELIGIBLE, WRONG_PHASE, ATTEMPTS_EXHAUSTED, TOO_EARLY, CONFLICT) whose message names the
 * rule and what to do. No I/O and no clock: `now` is an argument.
 */
import { evaluateAudit, isPassingExam } from './audit';
import { formatCertificateNumber } from './certificates';
import { addMonths, addYears, dateOf, type IsoDate, type IsoTimestamp } from './dates';
import { DomainError } from './errors';
import { policies as defaultRegistry } from './policies';
import type { PolicyRegistry, RegionPolicy } from './policy';
import {
  certificationAuditDeadline,
  isPastDue,
  maintenanceDeadline,
  programDeadline,
  recertificationDeadline,
  trainingDeadline,
} from './schedule';
import type {
  ActivePhase,
  Actor,
  Audit,
  Certificate,
  Command,
  Company,
  Decision,
  HistoryEvent,
  Phase,
  PhaseKey,
  WorkflowEffect,
} from './types';

/** Trainee changes allowed in a lifecycle (bounds the record's history; operations can reset it). */
export const MAX_TRAINEE_DESIGNATIONS = 20;

export interface DecideContext {
  now: IsoTimestamp;
  by: Actor;
}

const ACTIVE_PHASES: readonly Phase[] = [
  'REGISTERED',
  'TRAINING',
  'IMPLEMENTATION',
  'CERTIFICATION_AUDIT',
  'CERTIFIED',
  'MAINTENANCE',
  'RECERTIFICATION',
];

export function isActivePhase(phase: Phase): phase is ActivePhase {
  return ACTIVE_PHASES.includes(phase);
}

/** The phases an execution carries (CERTIFIED is passed through within the decision that issues a certificate). */
export type ExecutionPhase = Exclude<ActivePhase, 'CERTIFIED'>;

export function phaseKeyOf(phase: ExecutionPhase, maintenanceYear: 2 | 3 | null): PhaseKey {
  switch (phase) {
    case 'REGISTERED':
      return 'REGISTRATION';
    case 'MAINTENANCE':
      return maintenanceYear === 3 ? 'MAINTENANCE3' : 'MAINTENANCE2';
    default:
      return phase;
  }
}

/** `<companyId>-c<cycle>-<phaseKey>`, with `-r<n>` for a re-run of a phase (re-entry, redrive, continuation). */
export function executionName(companyId: string, cycle: number, phaseKey: PhaseKey, rerun?: number): string {
  return `${companyId}-c${cycle}-${phaseKey}${rerun ? `-r${rerun}` : ''}`;
}

/** A record under construction: the decision's working copy plus the events it appends. */
class Change {
  readonly company: Company;
  readonly events: HistoryEvent[] = [];
  readonly today: IsoDate;

  constructor(
    current: Company,
    readonly ctx: DecideContext,
    readonly policy: RegionPolicy,
  ) {
    this.company = structuredClone(current);
    this.today = dateOf(ctx.now);
  }

  emit(type: string, details?: Record<string, unknown>): void {
    const event: HistoryEvent = { at: this.ctx.now, type, by: this.ctx.by, ...(details ? { details } : {}) };
    this.events.push(event);
    this.company.history.push(event);
  }

  /** Passes through CERTIFIED (an event in the history); the decision goes on into the next phase at once. */
  certified(): void {
    const from = this.company.phase;
    this.company.phase = 'CERTIFIED';
    this.emit('PHASE_ENTERED', { from, phase: 'CERTIFIED' });
  }

  /** Moves to a new active phase; the phase's execution is the first of its name unless `rerun`. */
  enter(phase: ExecutionPhase, options: { maintenanceYear?: 2 | 3; rerun?: boolean } = {}): void {
    const from = this.company.phase;
    const c = this.company;
    c.phase = phase;
    c.maintenanceYear = phase === 'MAINTENANCE' ? (options.maintenanceYear ?? 2) : null;
    c.phaseEnteredAt = this.ctx.now;
    c.lapsed = null;
    c.failure = null;
    const key = phaseKeyOf(phase, c.maintenanceYear);
    c.execution = {
      phaseKey: key,
      name: executionName(c.companyId, c.cycle, key, options.rerun ? c.history.length + 1 : undefined),
    };
    this.emit('PHASE_ENTERED', {
      from,
      phase,
      ...(c.maintenanceYear ? { maintenanceYear: c.maintenanceYear } : {}),
    });
  }

  done(workflow: WorkflowEffect): Decision {
    return { company: this.company, events: this.events, workflow };
  }
}

/** Decide a command against a company's current record. `current` is null only for `register`. */
export function decide(
  current: Company | null,
  command: Command,
  ctx: DecideContext,
  registry: PolicyRegistry = defaultRegistry,
): Decision {
  if (command.type === 'register') {
    if (current) throw new DomainError('CONFLICT', `company ${current.companyId} is already registered`);
    return register(command, ctx, registry);
  }
  if (!current) throw new DomainError('CONFLICT', `no company record to apply "${command.type}" to`);
  const change = new Change(current, ctx, registry.forRegion(current.region));
  switch (command.type) {
    case 'designateTrainee':
      return designateTrainee(change, command.trainee);
    case 'reEnrol':
      return reEnrol(change);
    case 'recordExamAttempt':
      return recordExamAttempt(change, command.score, command.takenAt ?? ctx.now);
    case 'submitProgram':
      return submitProgram(change, command);
    case 'recordAudit':
      return recordAudit(change, command);
    case 'withdraw':
      return withdraw(change, command.reason ?? null);
    case 'deadlinePassed':
      return deadlinePassed(change);
    case 'recordReminder':
      return recordReminder(change, command.key);
    case 'recordNotifications':
      return recordNotifications(change, command.through, command.reminderKeys);
    case 'recordFailure':
      return recordFailure(change, command.cause);
    case 'recordEmailFeedback':
      return recordEmailFeedback(change, command);
    case 'redrive':
      return redrive(change);
    case 'continueExecution':
      return continueExecution(change);
  }
}

function register(
  command: Extract<Command, { type: 'register' }>,
  ctx: DecideContext,
  registry: PolicyRegistry,
): Decision {
  const policy = registry.forRegion(command.region);
  if (!Number.isInteger(command.employeeCount) || command.employeeCount < 1) {
    throw new DomainError('NOT_ELIGIBLE', 'employeeCount must be a whole number of at least 1');
  }
  if (command.employeeCount > policy.maxEmployees) {
    throw new DomainError(
      'NOT_ELIGIBLE',
      `SECOR in ${command.region} (${policy.name}) is for employers with at most ${policy.maxEmployees} employees ` +
        `at any time in the past 12 months, counting owners, family, part-time and temporary staff and volunteers; ` +
        `with ${command.employeeCount} employees, pursue a full COR with your certifying partner instead.`,
    );
  }
  const today = dateOf(ctx.now);
  const company: Company = {
    companyId: command.companyId,
    legalName: command.legalName,
    region: command.region,
    policyId: policy.id,
    employeeCount: command.employeeCount,
    industry: command.industry ?? null,
    contact: command.contact,
    phase: 'REGISTERED',
    cycle: 1,
    maintenanceYear: null,
    registeredAt: ctx.now,
    phaseEnteredAt: ctx.now,
    trainee: null,
    training: {
      attemptCycle: 1,
      enrolled: false,
      attempts: [],
      enrolledOn: null,
      refresher: false,
      passedOn: null,
      expiresOn: null,
    },
    program: null,
    audits: [],
    certificate: null,
    pastCertificates: [],
    correctiveActions: [],
    nextDeadline: trainingDeadline(policy, 'DESIGNATE_TRAINEE', today, today),
    lapsed: null,
    failure: null,
    withdrawal: null,
    execution: { phaseKey: 'REGISTRATION', name: executionName(command.companyId, 1, 'REGISTRATION') },
    remindersSent: [],
    history: [],
  };
  const event: HistoryEvent = {
    at: ctx.now,
    type: 'REGISTERED',
    by: ctx.by,
    details: { region: command.region, policy: policy.id, employeeCount: command.employeeCount },
  };
  company.history.push(event);
  return { company, events: [event], workflow: 'start' };
}

function lapsedAt(c: Company, phase: ActivePhase): boolean {
  return c.phase === 'LAPSED' && c.lapsed?.phase === phase;
}

function wrongPhase(c: Company, wanted: string): DomainError {
  const where =
    c.phase === 'LAPSED' && c.lapsed
      ? `LAPSED (the ${c.lapsed.step} deadline of ${c.lapsed.dueOn} passed; re-enter at that step)`
      : c.phase === 'MAINTENANCE'
        ? `MAINTENANCE (year ${c.maintenanceYear})`
        : c.phase;
  return new DomainError('WRONG_PHASE', `${wanted}; the company is in phase ${where}`);
}

function designateTrainee(ch: Change, trainee: { name: string; email: string }): Decision {
  const c = ch.company;
  if (c.phase === 'REGISTERED' || lapsedAt(c, 'REGISTERED')) {
    const reentry = c.phase === 'LAPSED';
    const base = reentry ? ch.today : dateOf(c.registeredAt);
    c.trainee = { name: trainee.name, email: trainee.email };
    c.training.enrolled = true;
    c.training.enrolledOn = ch.today;
    ch.emit('TRAINEE_DESIGNATED', { name: trainee.name });
    if (reentry) ch.emit('REENTERED', { step: 'DESIGNATE_TRAINEE' });
    ch.enter('TRAINING', { rerun: reentry });
    c.nextDeadline = trainingDeadline(ch.policy, 'TRAINING_EXAM', base, ch.today);
    return ch.done(reentry ? 'start' : 'notify');
  }
  if (c.phase === 'TRAINING') {
    if (c.trainee?.name === trainee.name && c.trainee.email === trainee.email) return ch.done(null); // no change
    const designations = c.history.filter((e) => e.type === 'TRAINEE_DESIGNATED').length;
    if (designations >= MAX_TRAINEE_DESIGNATIONS) {
      throw new DomainError(
        'NOT_ELIGIBLE',
        `the trainee has been changed ${designations} times; contact operations to change it again`,
      );
    }
    // A different person takes the course: their attempts start afresh in a new attempt cycle.
    const changed = c.trainee?.name !== trainee.name;
    c.trainee = { name: trainee.name, email: trainee.email };
    if (changed && currentAttempts(c).length > 0) {
      c.training.attemptCycle += 1;
      c.training.enrolled = true;
      c.training.enrolledOn = ch.today;
    }
    ch.emit('TRAINEE_DESIGNATED', { name: trainee.name, replaced: changed });
    return ch.done(null);
  }
  throw wrongPhase(
    c,
    'the trainee can be designated before the training is passed (phases REGISTERED and TRAINING)',
  );
}

function currentAttempts(c: Company) {
  return c.training.attempts.filter((a) => a.attemptCycle === c.training.attemptCycle);
}

export function attemptsLeft(c: Company, policy: RegionPolicy): number {
  if (!c.training.enrolled) return 0;
  return Math.max(0, policy.examAttemptsPerCycle - currentAttempts(c).length);
}

function reEnrol(ch: Change): Decision {
  const c = ch.company;
  const p = ch.policy;
  if (lapsedAt(c, 'TRAINING')) {
    openAttemptCycle(ch);
    ch.emit('REENTERED', { step: 'TRAINING_EXAM' });
    ch.enter('TRAINING', { rerun: true });
    c.nextDeadline = trainingDeadline(p, 'TRAINING_EXAM', ch.today, ch.today);
    return ch.done('start');
  }
  if (c.phase === 'TRAINING') {
    const left = attemptsLeft(c, p);
    if (left > 0) {
      throw new DomainError(
        'NOT_ELIGIBLE',
        `re-enrolment opens a new attempt cycle only after ${p.examAttemptsPerCycle} failed attempts; ` +
          `${left} attempt(s) are left in the current cycle: record the next exam attempt instead`,
      );
    }
    openAttemptCycle(ch);
    ch.emit('RE_ENROLLED', { attemptCycle: c.training.attemptCycle });
    return ch.done('notify');
  }
  if (c.training.passedOn && c.training.expiresOn && isActivePhase(c.phase)) {
    const opensOn = addMonths(c.training.expiresOn, -p.refresherWindowMonths);
    if (ch.today < opensOn) {
      throw new DomainError(
        'TOO_EARLY',
        `the refresher course opens ${p.refresherWindowMonths} months before the training certificate expires ` +
          `(${c.training.expiresOn}): enrol on or after ${opensOn}`,
      );
    }
    if (c.training.enrolled && attemptsLeft(c, p) > 0) {
      throw new DomainError(
        'CONFLICT',
        'the trainee is already enrolled in the refresher: record the exam attempt',
      );
    }
    openAttemptCycle(ch);
    c.training.refresher = true;
    ch.emit('REFRESHER_ENROLLED', { attemptCycle: c.training.attemptCycle, expiresOn: c.training.expiresOn });
    return ch.done(null);
  }
  if (c.phase === 'REGISTERED' || lapsedAt(c, 'REGISTERED')) {
    throw wrongPhase(c, 'designate the trainee first (PUT /companies/{companyId}/trainee): that enrols them');
  }
  throw wrongPhase(c, 'enrolment is possible in TRAINING after 3 failed attempts, or for the refresher');
}

function openAttemptCycle(ch: Change): void {
  const t = ch.company.training;
  if (t.attempts.some((a) => a.attemptCycle === t.attemptCycle)) t.attemptCycle += 1;
  t.enrolled = true;
  t.enrolledOn = ch.today;
}

function recordExamAttempt(ch: Change, score: number, takenAt: IsoTimestamp): Decision {
  const c = ch.company;
  const p = ch.policy;
  const t = c.training;
  if (!(typeof score === 'number' && score >= 0 && score <= 100)) {
    throw new DomainError('NOT_ELIGIBLE', `an exam score is a percentage from 0 to 100, got ${score}`);
  }
  if (lapsedAt(c, 'TRAINING')) {
    throw wrongPhase(
      c,
      're-enrol (POST /companies/{companyId}/training/enrolments) to re-enter the training',
    );
  }
  const inTraining = c.phase === 'TRAINING';
  const inRefresher = isActivePhase(c.phase) && t.refresher && t.passedOn !== null;
  if (!inTraining && !inRefresher) {
    if (c.phase === 'REGISTERED') throw wrongPhase(c, 'designate the trainee before recording exam attempts');
    if (t.passedOn) {
      throw wrongPhase(
        c,
        `the training was passed on ${t.passedOn}; enrol in the refresher before recording another attempt`,
      );
    }
    throw wrongPhase(c, 'exam attempts are recorded in phase TRAINING');
  }
  if (!t.enrolled || currentAttempts(c).length >= p.examAttemptsPerCycle) {
    throw new DomainError(
      'ATTEMPTS_EXHAUSTED',
      `${p.examAttemptsPerCycle} failed attempts ended this attempt cycle: the trainee must re-enrol and repeat the ` +
        `course (POST /companies/{companyId}/training/enrolments) before trying again`,
    );
  }
  const takenOn = dateOf(takenAt);
  if (takenOn > ch.today) throw new DomainError('TOO_EARLY', `takenAt ${takenAt} is in the future`);
  if (t.enrolledOn && takenOn < t.enrolledOn) {
    throw new DomainError(
      'NOT_ELIGIBLE',
      `an attempt cannot predate the current enrolment (${t.enrolledOn})`,
    );
  }
  const passed = isPassingExam(p, score);
  const attemptNumber = currentAttempts(c).length + 1;
  t.attempts.push({
    attemptNumber,
    attemptCycle: t.attemptCycle,
    score,
    passed,
    takenAt,
    recordedBy: ch.ctx.by,
  });
  ch.emit(passed ? 'EXAM_PASSED' : 'EXAM_FAILED', {
    attemptNumber,
    attemptCycle: t.attemptCycle,
    score,
    passMark: p.examPassMark,
  });
  if (!passed) {
    if (attemptNumber >= p.examAttemptsPerCycle) {
      t.enrolled = false;
      ch.emit('ATTEMPTS_EXHAUSTED', { attemptCycle: t.attemptCycle });
    }
    return ch.done(inTraining ? 'notify' : null);
  }
  t.enrolled = false;
  t.passedOn = takenOn;
  t.expiresOn = addYears(takenOn, p.trainingCertificateValidityYears);
  const wasRefresher = !inTraining;
  t.refresher = false;
  ch.emit(wasRefresher ? 'REFRESHER_PASSED' : 'TRAINING_PASSED', {
    passedOn: t.passedOn,
    expiresOn: t.expiresOn,
  });
  c.remindersSent = c.remindersSent.filter((k) => !k.startsWith('TRAINING_REFRESHER|'));
  if (wasRefresher) return ch.done(null);
  ch.enter('IMPLEMENTATION');
  c.nextDeadline = programDeadline(p, takenOn);
  return ch.done('notify');
}

function submitProgram(ch: Change, command: Extract<Command, { type: 'submitProgram' }>): Decision {
  const c = ch.company;
  const p = ch.policy;
  const reentry = lapsedAt(c, 'IMPLEMENTATION');
  const resubmission = c.phase === 'CERTIFICATION_AUDIT' && c.program !== null;
  if (c.phase !== 'IMPLEMENTATION' && !reentry && !resubmission) {
    throw wrongPhase(
      c,
      'the safety program is submitted after the training is passed (phase IMPLEMENTATION)',
    );
  }
  const known = new Set(p.programElements.map((e) => e.id));
  const unknown = command.elements.filter((e) => !known.has(e));
  if (unknown.length > 0) {
    throw new DomainError(
      'NOT_ELIGIBLE',
      `unknown program element(s) ${unknown.join(', ')}; the elements for ${c.region} are: ${[...known].join(', ')}`,
    );
  }
  const missing = [...known].filter((e) => !command.elements.includes(e));
  if (missing.length > 0) {
    throw new DomainError(
      'NOT_ELIGIBLE',
      `the health & safety manual must cover every program element; missing: ${missing.join(', ')}. Add them and resubmit`,
    );
  }
  if (command.implementedSince > ch.today) {
    throw new DomainError('TOO_EARLY', `implementedSince ${command.implementedSince} is in the future`);
  }
  const earliestAuditOn = addMonths(command.implementedSince, p.minImplementationMonths);
  const submittedOn = resubmission && c.program ? c.program.submittedOn : ch.today;
  c.program = {
    manualTitle: command.manualTitle,
    manualVersion: command.manualVersion,
    elements: [...new Set(command.elements)],
    implementedSince: command.implementedSince,
    submittedOn,
    earliestAuditOn,
  };
  ch.emit(resubmission ? 'PROGRAM_UPDATED' : 'PROGRAM_SUBMITTED', {
    manualTitle: command.manualTitle,
    manualVersion: command.manualVersion,
    implementedSince: command.implementedSince,
    earliestAuditOn,
  });
  const deadline = certificationAuditDeadline(p, submittedOn, earliestAuditOn);
  if (resubmission) {
    c.nextDeadline = { ...deadline, dueOn: c.nextDeadline?.dueOn ?? deadline.dueOn };
    return ch.done('notify');
  }
  if (reentry) ch.emit('REENTERED', { step: 'PROGRAM_SUBMISSION' });
  ch.enter('CERTIFICATION_AUDIT', { rerun: reentry });
  c.nextDeadline = deadline;
  return ch.done(reentry ? 'start' : 'notify');
}

function recordAudit(ch: Change, command: Extract<Command, { type: 'recordAudit' }>): Decision {
  const c = ch.company;
  if (command.completedOn > ch.today) {
    throw new DomainError('TOO_EARLY', `completedOn ${command.completedOn} is in the future`);
  }
  if (!(command.overallScore >= 0 && command.overallScore <= 100)) {
    throw new DomainError(
      'NOT_ELIGIBLE',
      `overallScore is a percentage from 0 to 100, got ${command.overallScore}`,
    );
  }
  const known = new Set(ch.policy.programElements.map((e) => e.id));
  const unknown = Object.keys(command.elementScores).filter((e) => !known.has(e));
  if (unknown.length > 0) {
    throw new DomainError(
      'NOT_ELIGIBLE',
      `unknown element(s) ${unknown.join(', ')} in elementScores; the elements for ${c.region} are: ${[...known].join(', ')}`,
    );
  }
  const invalid = Object.entries(command.elementScores).filter(([, s]) => !(s >= 0 && s <= 100));
  if (invalid.length > 0) {
    throw new DomainError(
      'NOT_ELIGIBLE',
      `element scores are percentages from 0 to 100, got ${invalid.map(([e, s]) => `${e}: ${s}`).join(', ')}`,
    );
  }
  switch (command.auditType) {
    case 'certification':
      return certificationAudit(ch, command);
    case 'maintenance':
      return maintenanceAudit(ch, command);
    case 'recertification':
      return recertificationAudit(ch, command);
  }
}

type AuditCommand = Extract<Command, { type: 'recordAudit' }>;

function addAudit(ch: Change, command: AuditCommand, maintenanceYear?: 2 | 3): Audit {
  const c = ch.company;
  const evaluation = evaluateAudit(ch.policy, command.overallScore, command.elementScores);
  const audit: Audit = {
    auditId: command.auditId,
    type: command.auditType,
    cycle: c.cycle,
    ...(maintenanceYear ? { maintenanceYear } : {}),
    overallScore: command.overallScore,
    elementScores: { ...command.elementScores },
    failedElements: evaluation.failedElements,
    passed: evaluation.passed,
    correctiveActionRequired: !evaluation.passed,
    auditor: { name: command.auditor.name },
    completedOn: command.completedOn,
    recordedBy: ch.ctx.by,
    recordedAt: ch.ctx.now,
  };
  c.audits.push(audit);
  ch.emit(audit.passed ? 'AUDIT_PASSED' : 'AUDIT_FAILED', {
    auditId: audit.auditId,
    type: audit.type,
    ...(maintenanceYear ? { maintenanceYear } : {}),
    overallScore: audit.overallScore,
    ...(evaluation.reasons.length ? { reasons: evaluation.reasons } : {}),
  });
  if (audit.passed) {
    for (const action of c.correctiveActions) {
      if (action.status === 'OPEN') {
        action.status = 'CLOSED';
        action.closedOn = command.completedOn;
        action.closedByAuditId = audit.auditId;
        ch.emit('CORRECTIVE_ACTION_CLOSED', { auditId: action.auditId, closedByAuditId: audit.auditId });
      }
    }
  } else {
    c.correctiveActions.push({ auditId: audit.auditId, openedOn: ch.today, status: 'OPEN' });
    ch.emit('CORRECTIVE_ACTION_REQUIRED', { auditId: audit.auditId, reasons: evaluation.reasons });
  }
  return audit;
}

function issueCertificate(ch: Change, command: AuditCommand, rerun: boolean): Certificate {
  const c = ch.company;
  if (command.certificateSequence === undefined) {
    throw new Error('a passing audit needs certificateSequence (allocate it before deciding)');
  }
  const issuedOn = command.completedOn;
  const certificate: Certificate = {
    certificateNumber: formatCertificateNumber(c.region, issuedOn, command.certificateSequence),
    cycle: c.cycle,
    issuedOn,
    expiresOn: addYears(issuedOn, ch.policy.certificateValidityYears),
    status: 'valid',
  };
  if (c.certificate) c.pastCertificates.push(c.certificate);
  c.certificate = certificate;
  ch.emit('CERTIFICATE_ISSUED', {
    certificateNumber: certificate.certificateNumber,
    issuedOn,
    expiresOn: certificate.expiresOn,
  });
  // Certified, and at once in the certificate's first maintenance year (its year 2): one decision, so no
  // execution runs for the instant in between.
  ch.certified();
  ch.enter('MAINTENANCE', { maintenanceYear: 2, rerun });
  c.nextDeadline = maintenanceDeadline(ch.policy, issuedOn, 2);
  return certificate;
}

function certificationAudit(ch: Change, command: AuditCommand): Decision {
  const c = ch.company;
  const reentry = lapsedAt(c, 'CERTIFICATION_AUDIT');
  if (c.phase !== 'CERTIFICATION_AUDIT' && !reentry) {
    throw wrongPhase(
      c,
      'a certification audit is recorded after the program is submitted (phase CERTIFICATION_AUDIT)',
    );
  }
  const program = c.program;
  if (program && command.completedOn < program.earliestAuditOn) {
    throw new DomainError(
      'TOO_EARLY',
      `the program must run at least ${ch.policy.minImplementationMonths} months (implemented since ` +
        `${program.implementedSince}) before the certification audit: complete it on or after ${program.earliestAuditOn}`,
    );
  }
  if (program && command.completedOn < program.submittedOn) {
    throw new DomainError(
      'TOO_EARLY',
      `the certification audit audits the program submitted on ${program.submittedOn}: an audit completed on ` +
        `${command.completedOn} predates it; complete it on or after ${program.submittedOn}`,
    );
  }
  const audit = addAudit(ch, command);
  if (reentry) ch.emit('REENTERED', { step: 'CERTIFICATION_AUDIT' });
  if (audit.passed) {
    issueCertificate(ch, command, reentry);
    return ch.done(reentry ? 'start' : 'notify');
  }
  if (reentry) {
    ch.enter('CERTIFICATION_AUDIT', { rerun: true });
    c.nextDeadline = {
      step: 'CERTIFICATION_AUDIT',
      opensOn: ch.today,
      dueOn: addMonths(ch.today, ch.policy.certificationAuditWithinMonths),
    };
    return ch.done('start');
  }
  return ch.done('notify');
}

function maintenanceAudit(ch: Change, command: AuditCommand): Decision {
  const c = ch.company;
  const deadline = c.nextDeadline;
  if (c.phase !== 'MAINTENANCE' || !deadline || deadline.step !== 'MAINTENANCE_AUDIT') {
    throw wrongPhase(c, 'maintenance audits are filed in certificate years 2 and 3 (phase MAINTENANCE)');
  }
  const year = deadline.maintenanceYear ?? 2;
  if (command.completedOn < deadline.opensOn) {
    throw new DomainError(
      'TOO_EARLY',
      `the year-${year} maintenance audit window opens on ${deadline.opensOn} (due ${deadline.dueOn}); ` +
        `an audit completed on ${command.completedOn} is outside it`,
    );
  }
  if (command.completedOn > deadline.dueOn) {
    throw new DomainError(
      'NOT_ELIGIBLE',
      `the year-${year} maintenance audit was due by ${deadline.dueOn}; an audit completed on ${command.completedOn} ` +
        'is late and cannot keep the certificate',
    );
  }
  addAudit(ch, command, year);
  const cert = c.certificate as Certificate;
  if (year === 2) {
    ch.enter('MAINTENANCE', { maintenanceYear: 3 });
    c.nextDeadline = maintenanceDeadline(ch.policy, cert.issuedOn, 3);
  } else {
    ch.enter('RECERTIFICATION');
    c.nextDeadline = recertificationDeadline(cert.issuedOn, cert.expiresOn);
  }
  return ch.done('notify');
}

function recertificationAudit(ch: Change, command: AuditCommand): Decision {
  const c = ch.company;
  const reentry = lapsedAt(c, 'RECERTIFICATION');
  if (c.phase !== 'RECERTIFICATION' && !reentry) {
    throw wrongPhase(
      c,
      "the recertification audit is recorded in the certificate's third year (phase RECERTIFICATION)",
    );
  }
  const deadline = c.nextDeadline;
  if (!reentry && deadline && command.completedOn < deadline.opensOn) {
    throw new DomainError(
      'TOO_EARLY',
      `recertification opens on ${deadline.opensOn} (due ${deadline.dueOn}); an audit completed on ` +
        `${command.completedOn} is outside the window`,
    );
  }
  const audit = addAudit(ch, command);
  if (reentry) ch.emit('REENTERED', { step: 'RECERTIFICATION_AUDIT' });
  if (audit.passed) {
    c.cycle += 1;
    // The new cycle's deadlines have new due dates; the trainee's refresher reminders stay sent.
    c.remindersSent = c.remindersSent.filter((k) => k.startsWith('TRAINING_REFRESHER|'));
    issueCertificate(ch, command, reentry);
    return ch.done(reentry ? 'start' : 'notify');
  }
  if (reentry) {
    ch.enter('RECERTIFICATION', { rerun: true });
    c.nextDeadline = {
      step: 'RECERTIFICATION_AUDIT',
      opensOn: ch.today,
      dueOn: addMonths(ch.today, ch.policy.certificationAuditWithinMonths),
    };
    return ch.done('start');
  }
  return ch.done('notify');
}

function withdraw(ch: Change, reason: string | null): Decision {
  const c = ch.company;
  if (c.phase === 'WITHDRAWN')
    throw new DomainError('WRONG_PHASE', `the company withdrew on ${c.withdrawal?.at ?? 'an earlier date'}`);
  const fromPhase = c.phase;
  c.withdrawal = { reason, at: ch.ctx.now, fromPhase };
  if (c.certificate && c.certificate.status === 'valid') {
    c.certificate.status = 'cancelled';
    ch.emit('CERTIFICATE_CANCELLED', {
      certificateNumber: c.certificate.certificateNumber,
      reason: 'withdrawal',
    });
  }
  c.phase = 'WITHDRAWN';
  c.maintenanceYear = null;
  c.nextDeadline = null;
  c.phaseEnteredAt = ch.ctx.now;
  ch.emit('WITHDRAWN', { fromPhase, ...(reason ? { reason } : {}) });
  return ch.done(isActivePhase(fromPhase) ? 'notify' : null);
}

function deadlinePassed(ch: Change): Decision {
  const c = ch.company;
  const deadline = c.nextDeadline;
  if (!isActivePhase(c.phase) || !deadline)
    throw wrongPhase(c, 'only an open step has a deadline that can pass');
  if (!isPastDue(deadline, ch.ctx.now)) {
    throw new DomainError(
      'TOO_EARLY',
      `the ${deadline.step} deadline is ${deadline.dueOn}; it has not passed`,
    );
  }
  const fromPhase = c.phase;
  c.nextDeadline = null;
  c.maintenanceYear = null;
  c.phaseEnteredAt = ch.ctx.now;
  if (fromPhase === 'MAINTENANCE') {
    c.phase = 'CANCELLED';
    if (c.certificate) c.certificate.status = 'cancelled';
    ch.emit('CANCELLED', {
      step: deadline.step,
      dueOn: deadline.dueOn,
      maintenanceYear: deadline.maintenanceYear ?? 2,
      certificateNumber: c.certificate?.certificateNumber,
    });
    return ch.done(null);
  }
  c.phase = 'LAPSED';
  c.lapsed = { phase: fromPhase, step: deadline.step, dueOn: deadline.dueOn };
  if (fromPhase === 'RECERTIFICATION' && c.certificate) c.certificate.status = 'lapsed';
  ch.emit('LAPSED', { phase: fromPhase, step: deadline.step, dueOn: deadline.dueOn });
  return ch.done(null);
}

function recordReminder(ch: Change, key: string): Decision {
  const c = ch.company;
  if (c.remindersSent.includes(key)) throw new DomainError('CONFLICT', `reminder ${key} was already sent`);
  // Keep only keys of deadlines still open: the list stays small for the life of the company.
  const open = [
    c.nextDeadline,
    c.training.expiresOn ? { step: 'TRAINING_REFRESHER', dueOn: c.training.expiresOn } : null,
  ]
    .filter((d) => d !== null)
    .map((d) => `|${d.dueOn}|`);
  c.remindersSent = [...c.remindersSent.filter((k) => open.some((o) => k.includes(o))), key];
  const [step, dueOn, slot] = key.split('|');
  ch.emit('REMINDER_SENT', { step, dueOn, slot });
  return ch.done(null);
}

/** Emails were sent: event notices up to history index `through`, and the reminders with these keys. */
function recordNotifications(ch: Change, through: number, reminderKeys: string[]): Decision {
  const c = ch.company;
  c.notifiedThrough = Math.max(c.notifiedThrough ?? 0, Math.min(through, c.history.length));
  for (const key of reminderKeys) {
    if (!c.remindersSent.includes(key)) recordReminder(ch, key);
  }
  return ch.done(null);
}

function recordFailure(ch: Change, cause: string): Decision {
  const c = ch.company;
  if (c.phase === 'FAILED') return ch.done(null);
  if (!isActivePhase(c.phase))
    throw wrongPhase(c, 'a workflow failure is recorded only for a company in an active phase');
  c.failure = { phase: c.phase, cause: cause.slice(0, 1000), at: ch.ctx.now };
  c.phase = 'FAILED';
  ch.emit('WORKFLOW_FAILED', { phase: c.failure.phase, execution: c.execution.name, cause: c.failure.cause });
  return ch.done(null);
}

/** Longest reason kept on an EMAIL_BOUNCED / EMAIL_COMPLAINED event. */
export const MAX_EMAIL_FEEDBACK_DETAIL = 200;

/**
 * SES reported a bounce or a complaint for an email to one of the company's recipients: flag the record (staff
 * see that reminders may not be arriving) and append the event. Allowed in every phase — feedback arrives after
 * the fact. The event names the recipient's role and a short reason, never an address.
 */
function recordEmailFeedback(
  ch: Change,
  command: Extract<Command, { type: 'recordEmailFeedback' }>,
): Decision {
  const c = ch.company;
  const type = command.feedback === 'bounce' ? 'EMAIL_BOUNCED' : 'EMAIL_COMPLAINED';
  const messageId = command.messageId || undefined;
  if (
    messageId &&
    c.history.some(
      (e) =>
        e.type === type && e.details?.messageId === messageId && e.details.recipient === command.recipient,
    )
  ) {
    throw new DomainError('CONFLICT', `the ${command.feedback} of message ${messageId} is already recorded`);
  }
  const reason =
    command.detail
      .replace(/[^\s<>@]+@[^\s<>@]+/g, '<address>')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, MAX_EMAIL_FEEDBACK_DETAIL) || command.feedback;
  c.emailIssue = { kind: command.feedback, recipient: command.recipient, at: ch.ctx.now };
  ch.emit(type, { recipient: command.recipient, reason, ...(messageId ? { messageId } : {}) });
  return ch.done(null);
}

function redrive(ch: Change): Decision {
  const c = ch.company;
  if (c.phase !== 'FAILED' || !c.failure)
    throw wrongPhase(c, 'only a company whose workflow FAILED can be redriven');
  // A failure recorded while CERTIFIED (a record from before certification went on into maintenance in the
  // same decision) resumes in the certificate's first maintenance year; any other is an execution phase.
  const phase: ExecutionPhase =
    c.failure.phase === 'CERTIFIED' ? 'MAINTENANCE' : (c.failure.phase as ExecutionPhase);
  const year = phase === 'MAINTENANCE' ? (c.maintenanceYear ?? 2) : c.maintenanceYear;
  ch.emit('REDRIVEN', { phase, previousExecution: c.execution.name });
  ch.enter(phase, { rerun: true, ...(year ? { maintenanceYear: year } : {}) });
  return ch.done('start');
}

function continueExecution(ch: Change): Decision {
  const c = ch.company;
  if (!isActivePhase(c.phase)) throw wrongPhase(c, 'only an active phase continues in a new execution');
  const previous = c.execution.name;
  const key = c.execution.phaseKey;
  c.execution = { phaseKey: key, name: executionName(c.companyId, c.cycle, key, c.history.length + 1) };
  ch.emit('EXECUTION_CONTINUED', { previousExecution: previous, execution: c.execution.name });
  return ch.done(null);
}
