/**
 * Property tests: random command sequences, at random times moving forward (any time of day, so local midnight,
 * UTC midnight and the business hours all come up), for every policy region. Each command goes through
 * `decide`; refused commands (DomainError) leave the record as it was, accepted ones replace it. After every
 * accepted command the invariants below must hold. Dates are local dates in the company's province.
 */
import fc from 'fast-check';
import {
  addDays,
  addMonths,
  addYears,
  attemptsLeft,
  deadlineEndsAt,
  decide,
  escalationAt,
  isActivePhase,
  isDomainError,
  isOverdue,
  isPastDue,
  localDateOf,
  MAX_WAIT_SECONDS,
  nextWakeAt,
  noticesDue,
  phaseKeyOf,
  planNext,
  planNotices,
  remindersDue,
  wakeAtOn,
  zoneOf,
  type Actor,
  type AuditType,
  type Command,
  type Company,
  type Decision,
  type DomainErrorCode,
  type IsoDate,
  type Phase,
  type Recipient,
  type RegionPolicy,
  type Step,
} from '../../../domain';
import { CONTACT, policyOf, TRAINEE } from './helpers';

const DAY_MS = 86_400_000;
const REGIONS = ['AB', 'BC', 'MB', 'SK', 'ON', 'NL'] as const;
const NUM_RUNS = 100;

// --- generated operations --------------------------------------------------------------------------

type Op =
  | { kind: 'designate'; other: boolean }
  | { kind: 'exam'; score: number; backDays: number }
  | { kind: 'reEnrol' }
  | { kind: 'submit'; monthsAgo: number; dropElement: boolean }
  | {
      kind: 'audit';
      type: AuditType | 'auto';
      overall: number;
      element: { index: number; score: number } | null;
      backDays: number;
    }
  | { kind: 'withdraw' }
  | { kind: 'deadlinePassed' }
  | { kind: 'sendReminders' }
  | { kind: 'notify' }
  /** The mail service refuses the emails due (a throttle, an outage): the notifier records a mail delay. */
  | { kind: 'mailRefused' }
  | { kind: 'repeatReminder' }
  | { kind: 'recordFailure' }
  | { kind: 'redrive' }
  | { kind: 'continueExecution' }
  /** The next step of whatever phase the company is in (so sequences get deep into the lifecycle). */
  | { kind: 'progress'; score: number; backDays: number; monthsAgo: number; alt: boolean };

interface Scenario {
  start: IsoDate;
  employees: number;
  /** When true, the workflow processes every passed deadline as soon as it passes (as nextWakeAt schedules). */
  promptWorkflow: boolean;
  /** When true, the notifier runs whenever the plan says notify (as the workflow does after each event). */
  promptNotify: boolean;
  /** The minute of the (UTC) day the sequence starts at. */
  startMinute: number;
  steps: { advanceDays: number; advanceMinutes: number; op: Op }[];
}

const score = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(0, 49.99, 50, 79.99, 80, 80.01, 100) },
  { weight: 2, arbitrary: fc.integer({ min: 60, max: 100 }) },
  { weight: 1, arbitrary: fc.double({ min: 0, max: 100, noNaN: true }) },
);
const backDays = fc.oneof(
  { weight: 6, arbitrary: fc.constant(0) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 30 }) },
  { weight: 1, arbitrary: fc.integer({ min: 31, max: 500 }) },
);
const simple = <K extends Op['kind']>(kind: K) => fc.constant({ kind } as Extract<Op, { kind: K }>);

const progress = fc.record({
  kind: fc.constant('progress' as const),
  score: fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 80, max: 100 }) },
    { weight: 1, arbitrary: score },
  ),
  backDays: fc.oneof(
    { weight: 3, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 20 }) },
  ),
  monthsAgo: fc.integer({ min: 0, max: 24 }),
  alt: fc.boolean(),
});

/** The concrete operation `progress` stands for in the company's current phase. */
function progressOp(c: Company, p: RegionPolicy, op: Extract<Op, { kind: 'progress' }>): Op {
  const audit: Op = { kind: 'audit', type: 'auto', overall: op.score, element: null, backDays: op.backDays };
  const phase = c.phase === 'LAPSED' ? (c.lapsed?.phase ?? 'LAPSED') : c.phase;
  switch (phase) {
    case 'REGISTERED':
      return { kind: 'designate', other: false };
    case 'TRAINING':
      // with the attempts exhausted, try the exam anyway now and then (ATTEMPTS_EXHAUSTED)
      if (c.phase === 'LAPSED' || (attemptsLeft(c, p) === 0 && op.alt)) return { kind: 'reEnrol' };
      return { kind: 'exam', score: op.alt ? Math.min(op.score, 79.99) : op.score, backDays: op.backDays };
    case 'IMPLEMENTATION':
      return { kind: 'submit', monthsAgo: op.monthsAgo, dropElement: false };
    case 'FAILED':
      return { kind: 'redrive' };
    case 'CANCELLED':
    case 'WITHDRAWN':
      return { kind: 'deadlinePassed' };
    default:
      return audit;
  }
}

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 30, arbitrary: fc.record({ kind: fc.constant('designate' as const), other: fc.boolean() }) },
  { weight: 50, arbitrary: fc.record({ kind: fc.constant('exam' as const), score, backDays }) },
  { weight: 20, arbitrary: simple('reEnrol') },
  {
    weight: 30,
    arbitrary: fc.record({
      kind: fc.constant('submit' as const),
      monthsAgo: fc.integer({ min: -1, max: 24 }),
      dropElement: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    }),
  },
  {
    weight: 70,
    arbitrary: fc.record({
      kind: fc.constant('audit' as const),
      type: fc.oneof(
        { weight: 4, arbitrary: fc.constant('auto' as const) },
        {
          weight: 1,
          arbitrary: fc.constantFrom<AuditType>('certification', 'maintenance', 'recertification'),
        },
      ),
      overall: score,
      element: fc.option(fc.record({ index: fc.nat(), score }), { freq: 3 }),
      backDays,
    }),
  },
  { weight: 2, arbitrary: simple('withdraw') },
  { weight: 20, arbitrary: simple('deadlinePassed') },
  { weight: 15, arbitrary: simple('sendReminders') },
  { weight: 25, arbitrary: simple('notify') },
  { weight: 5, arbitrary: simple('mailRefused') },
  { weight: 5, arbitrary: simple('repeatReminder') },
  { weight: 5, arbitrary: simple('recordFailure') },
  { weight: 8, arbitrary: simple('redrive') },
  { weight: 5, arbitrary: simple('continueExecution') },
  { weight: 250, arbitrary: progress },
);

const advanceDays = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0) }, // the same day: several events a day (one email a day a person)
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 20 }) },
  { weight: 3, arbitrary: fc.integer({ min: 21, max: 90 }) },
  { weight: 1, arbitrary: fc.integer({ min: 91, max: 400 }) },
);
/** Minutes on top of the days: often a minute (the same time of day), else any time of the day. */
const advanceMinutes = fc.oneof(
  { weight: 2, arbitrary: fc.constant(1) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 24 * 60 - 1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 120 }) },
);

const scenario = (policy: RegionPolicy): fc.Arbitrary<Scenario> =>
  fc.record({
    start: fc
      .date({
        min: new Date('2026-01-01T00:00:00Z'),
        max: new Date('2030-12-31T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString().slice(0, 10)),
    employees: fc.integer({ min: 1, max: policy.maxEmployees + 1 }),
    promptWorkflow: fc.boolean(),
    promptNotify: fc.boolean(),
    startMinute: fc.integer({ min: 0, max: 24 * 60 - 1 }),
    steps: fc.array(fc.record({ advanceDays, advanceMinutes, op }), {
      minLength: 1,
      maxLength: 70,
      size: 'max',
    }),
  });

// --- invariants ----------------------------------------------------------------------------------------

class InvariantViolation extends Error {}
function invariant(condition: boolean, message: string, context?: unknown): asserts condition {
  if (!condition)
    throw new InvariantViolation(`${message}${context === undefined ? '' : `\n${JSON.stringify(context)}`}`);
}

/**
 * Deep-freezes an accepted record, checking on the way that it is plain JSON data (plain objects, arrays,
 * strings, finite numbers, booleans, null; no undefined). A frozen record makes any mutation by a later
 * `decide` throw a TypeError, which fails the property: decide never mutates its input.
 */
function freezeJson<T>(value: T, path = '$'): T {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    invariant(Number.isFinite(value), `${path} is not a finite number`);
    return value;
  }
  invariant(typeof value === 'object', `${path} is a ${typeof value}, not JSON`);
  if (Object.isFrozen(value)) return value;
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) freezeJson(value[i] as unknown, `${path}[${i}]`);
    return value;
  }
  // a plain object's prototype is a root prototype (of any realm: jest runs tests in a vm context)
  const proto = Object.getPrototypeOf(value) as object | null;
  invariant(proto === null || Object.getPrototypeOf(proto) === null, `${path} is not a plain object`);
  const record = value as Record<string, unknown>;
  for (const key in record) {
    invariant(record[key] !== undefined, `${path}.${key} is undefined`);
    freezeJson(record[key], `${path}.${key}`);
  }
  return value;
}

const STEP_OF_PHASE: Partial<Record<Phase, Step>> = {
  REGISTERED: 'DESIGNATE_TRAINEE',
  TRAINING: 'TRAINING_EXAM',
  IMPLEMENTATION: 'PROGRAM_SUBMISSION',
  CERTIFICATION_AUDIT: 'CERTIFICATION_AUDIT',
  CERTIFIED: 'MAINTENANCE_AUDIT',
  MAINTENANCE: 'MAINTENANCE_AUDIT',
  RECERTIFICATION: 'RECERTIFICATION_AUDIT',
};

/** What must hold of any record reachable through `decide`. */
function checkRecord(c: Company, p: RegionPolicy): void {
  const zone = zoneOf(c);
  // version / phase consistency
  if (c.phase === 'MAINTENANCE')
    invariant(c.maintenanceYear === 2 || c.maintenanceYear === 3, 'MAINTENANCE needs year 2|3');
  else if (c.phase === 'FAILED')
    invariant(
      (c.failure?.phase === 'MAINTENANCE') === (c.maintenanceYear !== null),
      'a FAILED company keeps the maintenance year of the phase that failed only',
    );
  else invariant(c.maintenanceYear === null, `maintenanceYear must be null in ${c.phase}`);

  invariant(
    (c.phase === 'LAPSED') === (c.lapsed !== null) || c.phase === 'WITHDRAWN',
    'lapsed is set iff LAPSED',
  );
  if (c.lapsed) {
    invariant(
      ['REGISTERED', 'TRAINING', 'IMPLEMENTATION', 'CERTIFICATION_AUDIT', 'RECERTIFICATION'].includes(
        c.lapsed.phase,
      ),
      'only steps before certification (and recertification) lapse',
    );
    invariant(c.lapsed.step === STEP_OF_PHASE[c.lapsed.phase], 'the lapsed step is its phase step');
  }
  invariant(
    (c.phase === 'FAILED') === (c.failure !== null) || c.phase === 'WITHDRAWN',
    'failure is set iff FAILED',
  );
  if (c.failure) invariant(isActivePhase(c.failure.phase), 'a failure remembers an active phase');
  invariant((c.phase === 'WITHDRAWN') === (c.withdrawal !== null), 'withdrawal is set iff WITHDRAWN');

  // the phase's deadline
  if (isActivePhase(c.phase) || c.phase === 'FAILED') {
    const d = c.nextDeadline;
    invariant(d !== null, `an open phase has a deadline (${c.phase})`);
    const phase = c.phase === 'FAILED' ? (c.failure?.phase as Phase) : c.phase;
    invariant(d.step === STEP_OF_PHASE[phase], `deadline step ${d.step} does not match phase ${phase}`);
    if (d.step === 'MAINTENANCE_AUDIT') {
      invariant(
        d.maintenanceYear === (phase === 'CERTIFIED' ? 2 : c.maintenanceYear),
        'maintenance deadline year',
      );
      const cert = c.certificate;
      invariant(cert !== null, 'maintenance needs a certificate');
      const year = d.maintenanceYear as 2 | 3;
      const anniversary = addYears(cert.issuedOn, year - 1);
      invariant(
        d.opensOn === (year === 2 ? cert.issuedOn : addYears(cert.issuedOn, 1)),
        'maintenance window opens',
      );
      invariant(
        d.dueOn ===
          (p.maintenanceAuditDue === 'december31' ? `${anniversary.slice(0, 4)}-12-31` : anniversary),
        'maintenance due date',
      );
    } else invariant(d.maintenanceYear === undefined, 'only maintenance deadlines carry a year');
    // (a step done after its deadline is refused, so no deadline is set after its due date had passed)
    invariant(d.dueOn >= d.opensOn || impossibleAudit(c), 'deadline dueOn before opensOn', d);
    invariant(
      c.deadlineAnnouncedOn !== undefined && c.deadlineAnnouncedOn >= localDateOf(c.registeredAt, zone),
      'an open deadline has the date it was announced',
    );
  } else {
    invariant(c.nextDeadline === null, `no deadline in ${c.phase}`);
    invariant(c.deadlineAnnouncedOn === undefined, 'no announcement without a deadline');
  }
  if (c.mailDelay) {
    invariant(
      c.mailDelay.attempts >= 1 && c.mailDelay.retryAt > c.mailDelay.since,
      'a mail delay retries later',
    );
  }
  for (const [r, through] of Object.entries(c.notifiedThroughBy ?? {}))
    invariant(
      through >= (c.notifiedThrough ?? 0) && through <= c.history.length,
      `${r}'s watermark is ahead of the company's, within the history`,
    );

  // certificates
  const cert = c.certificate;
  if (c.phase === 'CERTIFIED' || c.phase === 'MAINTENANCE') {
    invariant(cert?.status === 'valid', `${c.phase} holds a valid certificate`);
  }
  if (cert) {
    invariant(cert.cycle === c.cycle, 'the current certificate is of the current cycle');
    invariant(cert.expiresOn === addYears(cert.issuedOn, p.certificateValidityYears), 'certificate validity');
    if (cert.status === 'valid')
      invariant(
        ['CERTIFIED', 'MAINTENANCE', 'RECERTIFICATION', 'FAILED'].includes(c.phase),
        `a valid certificate in phase ${c.phase}`,
      );
    if (cert.status === 'lapsed')
      invariant(['LAPSED', 'RECERTIFICATION', 'WITHDRAWN', 'FAILED'].includes(c.phase), 'lapsed cert');
  }
  if (c.phase === 'CANCELLED') invariant(cert?.status === 'cancelled', 'CANCELLED cancels the certificate');
  if (c.phase === 'WITHDRAWN')
    invariant(cert === null || cert.status !== 'valid', 'WITHDRAWN leaves no valid certificate');
  if (c.lapsed?.phase === 'RECERTIFICATION' && c.phase === 'LAPSED')
    invariant(cert?.status === 'lapsed', 'a missed recertification lapses the certificate');
  invariant(
    c.pastCertificates.every((pc, i) => pc.cycle === i + 1),
    'past certificates are cycles 1..n-1',
  );
  invariant(c.pastCertificates.length === (cert ? cert.cycle - 1 : 0), 'one certificate per cycle');

  // never CERTIFIED without a passed exam, a submitted program and a passing certification audit
  const first = c.pastCertificates[0] ?? cert;
  if (first) {
    const passedExam = c.training.attempts.find((a) => a.passed);
    invariant(passedExam !== undefined, 'certified without a passed exam');
    invariant(
      localDateOf(passedExam.takenAt, zone) <= first.issuedOn,
      'certificate issued before the exam was passed',
    );
    invariant(c.program !== null, 'certified without a program');
    invariant(c.program.submittedOn <= first.issuedOn, 'certificate issued before the program was submitted');
    const audit = c.audits.find(
      (a) => a.type === 'certification' && a.passed && a.cycle === 1 && a.completedOn === first.issuedOn,
    );
    invariant(audit !== undefined, 'certified without a passing certification audit');
    invariant(
      audit.completedOn >= c.program.earliestAuditOn,
      'certification audit before the minimum implementation',
    );
    invariant(audit.overallScore >= p.auditPassMark, 'a passing audit scores at least the pass mark');
  }
  for (const later of [...c.pastCertificates.slice(1), ...(cert && cert.cycle > 1 ? [cert] : [])]) {
    invariant(
      c.audits.some(
        (a) =>
          a.type === 'recertification' &&
          a.passed &&
          a.cycle === later.cycle - 1 &&
          a.completedOn === later.issuedOn,
      ),
      'a later cycle needs a passing recertification audit',
    );
  }
  if (c.phase === 'CERTIFIED' || c.phase === 'MAINTENANCE' || c.phase === 'RECERTIFICATION')
    invariant(cert !== null, `${c.phase} without a certificate`);

  // attempts: never more than the policy's attempts per cycle, numbered 1..n, a pass ends the cycle
  const byCycle = new Map<number, typeof c.training.attempts>();
  let lastCycle = 0;
  for (const a of c.training.attempts) {
    invariant(a.attemptCycle >= lastCycle, 'attempt cycles only grow');
    lastCycle = a.attemptCycle;
    byCycle.set(a.attemptCycle, [...(byCycle.get(a.attemptCycle) ?? []), a]);
  }
  invariant(lastCycle <= c.training.attemptCycle, 'no attempt in a future cycle');
  for (const attempts of byCycle.values()) {
    invariant(
      attempts.length <= p.examAttemptsPerCycle,
      `more than ${p.examAttemptsPerCycle} attempts in a cycle`,
    );
    invariant(
      attempts.every((a, i) => a.attemptNumber === i + 1),
      'attempts are numbered 1..n in their cycle',
    );
    invariant(
      attempts.slice(0, -1).every((a) => !a.passed),
      'a pass ends its attempt cycle',
    );
    invariant(
      attempts.every((a) => a.passed === a.score >= p.examPassMark),
      'the pass mark decides',
    );
  }
  if (c.training.passedOn) {
    invariant(
      c.training.expiresOn === addYears(c.training.passedOn, p.trainingCertificateValidityYears),
      'training validity',
    );
  }
  if (
    ['IMPLEMENTATION', 'CERTIFICATION_AUDIT', 'CERTIFIED', 'MAINTENANCE', 'RECERTIFICATION'].includes(c.phase)
  ) {
    invariant(c.training.passedOn !== null, `${c.phase} before the training was passed`);
  }
  if (c.phase === 'CERTIFICATION_AUDIT') invariant(c.program !== null, 'audit phase without a program');

  // corrective actions: one per failed audit; open ones only after the last passing audit
  invariant(
    c.correctiveActions.length === c.audits.filter((a) => !a.passed).length,
    'one corrective action per failed audit',
  );
  const lastPass = c.audits.map((a) => a.passed).lastIndexOf(true);
  c.correctiveActions.forEach((action) => {
    const index = c.audits.findIndex((a) => a.auditId === action.auditId && !a.passed);
    invariant(index >= 0, 'a corrective action names its failed audit');
    invariant((action.status === 'CLOSED') === index < lastPass, 'a later passing audit closes the action');
  });

  // execution pointer
  invariant(
    new RegExp(`^${c.companyId}-c${c.cycle}-${c.execution.phaseKey}(-r\\d+)?$`).test(c.execution.name),
    `execution name ${c.execution.name}`,
  );
  invariant(c.phase !== 'CERTIFIED', 'CERTIFIED is passed through within a decision, never a resting phase');
  if (isActivePhase(c.phase))
    invariant(c.execution.phaseKey === phaseKeyOf(c.phase, c.maintenanceYear), 'phase key');
  invariant(new Set(c.remindersSent).size === c.remindersSent.length, 'reminder keys are unique');
  invariant(c.cycle >= 1 && c.audits.every((a) => a.cycle <= c.cycle), 'cycles');
}

/**
 * The one case of a deadline that closes before it opens: a program resubmitted in CERTIFICATION_AUDIT with a
 * later implementation date keeps the audit due date, so the minimum implementation period can end after it (the
 * company will lapse and re-enter by audit). (A step completed after its deadline is refused, so the old case of
 * a trainee designated after the training deadline can no longer happen.)
 */
function impossibleAudit(c: Company): boolean {
  const d = c.nextDeadline;
  return (
    d !== null &&
    d.step === 'CERTIFICATION_AUDIT' &&
    c.program !== null &&
    d.opensOn === c.program.earliestAuditOn &&
    c.history.some((e) => e.type === 'PROGRAM_UPDATED')
  );
}

/** What must hold of every accepted decision. */
function checkTransition(prev: Company | null, d: Decision, command: Command, now: string, by: Actor) {
  const c = d.company;
  const zone = zoneOf(c);
  const before = prev?.history ?? [];
  invariant(c.history.length === before.length + d.events.length, 'history grows by the decision events');
  invariant(
    c.history.slice(0, before.length).every((e, i) => e.at === before[i]?.at && e.type === before[i]?.type),
    'history is append-only',
  );
  invariant(
    d.events.every((e, i) => e.at === now && e.by === by && c.history[before.length + i] === e),
    'every event is at the command time, by its actor, and appended in order',
  );
  if (d.events.length === 0) {
    // no event, no change (but the notifier's bookmarks, which record emails sent, not a change of the company,
    // and a mail delay's retries)
    const strip = (x: Company | null) =>
      JSON.stringify(
        x
          ? {
              ...x,
              notifiedThrough: undefined,
              notifiedThroughBy: undefined,
              lastEmailedOn: undefined,
              mailDelay: command.type === 'recordMailDelay' ? undefined : x.mailDelay,
            }
          : x,
      );
    invariant(strip(c) === strip(prev), 'no event, no change');
  }
  if (command.type === 'recordMailDelay') {
    invariant(
      d.events.map((e) => e.type).join() === (prev?.mailDelay ? '' : 'EMAIL_DELAYED'),
      'the first refusal of a delay is an event, its retries are not',
    );
    const delay = c.mailDelay;
    invariant(!!delay, 'a refusal records a mail delay');
    const wait = Date.parse(delay.retryAt) - Date.parse(now);
    invariant(wait >= 30_000 && wait < 3_600_000, 'a retry in half a minute to an hour', delay);
    invariant(delay.attempts === (prev?.mailDelay?.attempts ?? 0) + 1, 'attempts counted');
    invariant(delay.since === (prev?.mailDelay?.since ?? now), 'a delay runs from the first refusal');
  }
  if (prev?.mailDelay && !c.mailDelay)
    invariant(
      d.events.some((e) => e.type === 'EMAIL_DELAY_ENDED'),
      'a mail delay ends with an event (an email went)',
    );
  // a step is never completed after its deadline passed (what was done by the due date still counts)
  const open = prev?.nextDeadline;
  if (prev && open && isActivePhase(prev.phase) && isPastDue(open, now, zone)) {
    const doneOn =
      command.type === 'recordExamAttempt'
        ? localDateOf(command.takenAt ?? now, zone)
        : command.type === 'recordAudit'
          ? command.completedOn
          : localDateOf(now, zone);
    const completes =
      (command.type === 'designateTrainee' && open.step === 'DESIGNATE_TRAINEE') ||
      (command.type === 'recordExamAttempt' && open.step === 'TRAINING_EXAM') ||
      (command.type === 'submitProgram' && open.step === 'PROGRAM_SUBMISSION') ||
      (command.type === 'recordAudit' && open.step.endsWith('_AUDIT'));
    if (completes)
      invariant(doneOn <= open.dueOn, `${command.type} accepted after the ${open.step} deadline`);
  }
  invariant(
    c.companyId === (prev?.companyId ?? c.companyId) && c.region === (prev?.region ?? c.region),
    'identity never changes',
  );
  if (prev) {
    invariant(c.cycle >= prev.cycle, 'the cycle never goes back');
    invariant(
      c.audits.length >= prev.audits.length && c.training.attempts.length >= prev.training.attempts.length,
      'records only grow',
    );
  }
  if (d.workflow === 'start') invariant(isActivePhase(c.phase), 'start an execution for an active phase');
  if (d.workflow === 'start' && prev)
    invariant(c.execution.name !== prev.execution.name, 'start a new execution');
  if (d.workflow === 'notify')
    invariant(prev !== null && isActivePhase(prev.phase), 'notify a running execution');

  // a newly set deadline is never due before the event that set it
  const next = c.nextDeadline;
  if (next && (next.dueOn !== prev?.nextDeadline?.dueOn || next.step !== prev.nextDeadline.step)) {
    const eventDate =
      command.type === 'recordExamAttempt'
        ? localDateOf(command.takenAt ?? now, zone)
        : command.type === 'recordAudit'
          ? command.completedOn
          : localDateOf(now, zone);
    if (command.type === 'recordExamAttempt')
      invariant(next.dueOn >= (c.training.passedOn as string), 'program due before the pass');
    if (command.type === 'submitProgram')
      invariant(next.dueOn >= (c.program?.submittedOn as string), 'audit due before submission');
    invariant(next.dueOn >= eventDate, `${command.type} set a deadline due before ${eventDate}`, next);
    invariant(c.deadlineAnnouncedOn === localDateOf(now, zone), 'a new deadline is announced today', c);
  }
  if (next && JSON.stringify(next) === JSON.stringify(prev?.nextDeadline)) {
    invariant(
      c.deadlineAnnouncedOn === prev?.deadlineAnnouncedOn,
      'an unchanged deadline keeps its announcement',
    );
  }
}

/** The workflow's plan for the record is always one it can act on. */
function checkPlan(c: Company, p: RegionPolicy, now: string, prev: Company | null): void {
  const plan = planNext(c, p, now, { name: c.execution.name, startedAt: now });
  invariant(
    plan.action !== 'advance' && plan.action !== 'continue',
    `plan ${plan.action} for its own execution`,
  );
  const notices = planNotices(c, p, now);
  const mailWaits = c.mailDelay !== undefined && c.mailDelay !== null && c.mailDelay.retryAt > now;
  if (!isActivePhase(c.phase)) {
    invariant(
      plan.action === 'notify' ||
        plan.action === 'end' ||
        (plan.action === 'sleep' && (notices.heldUntil !== null || (mailWaits && notices.due.length > 0))),
      'a terminal plan: notify, end, or sleep until held or refused emails can go',
    );
    if (plan.action === 'end')
      invariant(notices.due.length === 0 && notices.held.length === 0, 'nothing left');
  } else {
    const deadline = c.nextDeadline as NonNullable<Company['nextDeadline']>;
    const escalation = escalationAt(c, deadline);
    invariant((plan.action === 'escalate') === now >= escalation, 'escalate from the escalation time on');
    // the escalation is the company's business-hours minute on the morning after the deadline ended
    const after = Date.parse(escalation) - Date.parse(deadlineEndsAt(deadline, zoneOf(c)));
    invariant(after >= 8 * 3_600_000 && after < 18 * 3_600_000, 'escalation in business hours the next day');
    if (isOverdue(c, now) && plan.action !== 'escalate')
      invariant(
        plan.action === 'notify' ||
          ((plan.action === 'await' || plan.action === 'sleep') && plan.wakeAt <= escalation),
        'an overdue deadline waits at most until its escalation',
        plan,
      );
    if (plan.action === 'notify')
      invariant(!mailWaits && notices.due.length > 0, 'notify only what can go now');
  }
  if (plan.action === 'await' || plan.action === 'sleep') invariant(plan.wakeAt > now, 'wake later');
  if (
    plan.action !== 'notify' &&
    plan.action !== 'escalate' &&
    plan.action !== 'end' &&
    notices.due.length > 0
  )
    invariant(mailWaits, 'due notices wait only for a mail retry');
  if (plan.action === 'await')
    invariant(plan.waitSeconds >= 1 && plan.waitSeconds <= MAX_WAIT_SECONDS, 'wait');
  if (prev && prev.execution.name !== c.execution.name) {
    // the execution that was running hands over to the new one, or ends
    const old = planNext(c, p, now, { name: prev.execution.name, startedAt: now });
    invariant(
      old.action === (isActivePhase(c.phase) ? 'advance' : 'end'),
      `old execution plans ${old.action}`,
    );
    if (old.action === 'advance')
      invariant(old.next.name === c.execution.name, 'advance to the new execution');
  }
}

// --- the interpreter --------------------------------------------------------------------------------

interface Tally {
  accepted: number;
  refused: Partial<Record<DomainErrorCode, number>>;
  phases: Set<string>;
  secondCycle: number;
  /** The new rules came up: late completions refused, people held, opening notices, mail delays ended. */
  seen: Record<'lateRefused' | 'held' | 'opening' | 'delayEnded', number>;
}

function run(region: string, s: Scenario, tally: Tally): void {
  const p = policyOf(region);
  let c: Company | null = null;
  let ms = Date.parse(`${s.start}T00:00:00.000Z`) + s.startMinute * 60_000;
  let last = ms;
  const executions = new Set<string>();
  const remindersEverSent = new Set<string>();
  /** The local dates each person was emailed on (one email a day a person). */
  const emailedOn = new Map<Recipient, Set<string>>();
  let sequence = 0;
  let auditCount = 0;

  const apply = (command: Command, by: Actor, at = new Date(ms).toISOString()): Decision | null => {
    invariant(at >= new Date(last).toISOString(), 'time moves forward');
    const input = c; // deep-frozen: decide cannot mutate it
    let decision: Decision;
    try {
      decision = decide(input, command, { now: at, by });
    } catch (e) {
      if (!isDomainError(e)) throw e;
      tally.refused[e.code] = (tally.refused[e.code] ?? 0) + 1;
      if (/deadline was .* and has passed/.test(e.message)) tally.seen.lateRefused += 1;
      return null;
    }
    invariant(decision.company !== input, 'decide returns a new record');
    freezeJson(decision);
    checkTransition(input, decision, command, at, by);
    checkRecord(decision.company, p);
    const name = decision.company.execution.name;
    if (!input || input.execution.name !== name) {
      invariant(!executions.has(name), `execution name ${name} reused`);
      executions.add(name);
    }
    const wake = nextWakeAt(decision.company, p, at);
    invariant(wake === null || wake > at, 'the next wake-up is in the future');
    checkPlan(decision.company, p, at, input);
    last = Date.parse(at);
    c = decision.company;
    tally.accepted += 1;
    tally.phases.add(c.phase);
    if (c.cycle > 1) tally.secondCycle += 1;
    return decision;
  };

  apply(
    {
      type: 'register',
      companyId: 'co-p',
      legalName: 'Property Co',
      region,
      employeeCount: s.employees,
      contact: CONTACT,
    },
    'public',
  );
  invariant((c !== null) === s.employees <= p.maxEmployees, 'eligible iff at most maxEmployees');
  if (!c) {
    // an ineligible company has no record: every other command is a CONFLICT
    invariant(
      apply({ type: 'withdraw' }, 'company') === null && tally.refused.CONFLICT !== undefined,
      'CONFLICT',
    );
    return;
  }

  /** One round of the notifier (functions/lib/notify.ts) at `now`. */
  const notifyRound = (cur: Company, now: string, today: string): void => {
    // the notifier (functions/lib/notify.ts): nothing while the mail service's retry has not come
    if (cur.mailDelay && cur.mailDelay.retryAt > now) {
      const plan = planNext(cur, p, now, { name: cur.execution.name, startedAt: now });
      invariant(plan.action !== 'notify', 'no notify round before the mail retry');
      return;
    }
    // it sends every notice due, one email a person, and records them; none is ever due twice
    const plan = planNotices(cur, p, now);
    invariant(
      plan.due.every((n) => n.recipients.length > 0 && n.recipients.every((r) => !plan.held.includes(r))),
      'a held person is in no notice due',
    );
    const emailed = new Set<Recipient>();
    tally.seen.held += plan.held.length;
    tally.seen.opening += plan.due.filter((n) => n.kind === 'opening').length;
    for (const n of plan.due) {
      for (const r of n.recipients) {
        const key = `${n.key}|${r}|${n.kind === 'reminder' || n.kind === 'opening' ? '' : `${n.event?.at}|${n.event?.type}`}`;
        invariant(!remindersEverSent.has(key), `notice ${key} due twice`);
        remindersEverSent.add(key);
        emailed.add(r);
      }
    }
    for (const r of emailed) {
      if (r === 'ops') continue;
      const days = emailedOn.get(r) ?? new Set<string>();
      invariant(!days.has(today), `${r} emailed twice on ${today}`);
      days.add(today);
      emailedOn.set(r, days);
    }
    const decision = apply(
      {
        type: 'recordNotifications',
        through: cur.history.length,
        reminderKeys: plan.due.filter((n) => n.kind === 'reminder' || n.kind === 'opening').map((n) => n.key),
        held: plan.held,
        emailed: [...emailed],
      },
      'system',
    );
    invariant(decision !== null, 'notifications are always recorded');
    if (decision.events.some((e) => e.type === 'EMAIL_DELAY_ENDED')) tally.seen.delayEnded += 1;
    const after = planNotices(decision.company, p, now);
    invariant(after.due.length === 0, 'nothing is due right after notifying');
    invariant(
      after.held.every((r) => plan.held.includes(r) || emailed.has(r)),
      'only people emailed today (or held already) are held',
    );
    invariant(
      after.heldUntil === null || after.heldUntil === wakeAtOn(cur, addDays(today, 1)),
      "held notices go at the company's wake tomorrow",
    );
    const next = planNext(decision.company, p, now, {
      name: decision.company.execution.name,
      startedAt: now,
    });
    invariant(next.action !== 'notify', 'a notify round makes progress');
  };
  const zone = zoneOf(c as Company);
  const escalationDue = (x: Company | null, t: number) =>
    x !== null &&
    isActivePhase(x.phase) &&
    x.nextDeadline !== null &&
    Date.parse(escalationAt(x, x.nextDeadline)) <= t;
  for (const { advanceDays, advanceMinutes, op } of s.steps) {
    ms += advanceDays * DAY_MS + advanceMinutes * 60_000;
    if (s.promptWorkflow) {
      // the workflow escalates at the company's wake the morning after the due date (as nextWakeAt schedules)
      for (let guard = 0; escalationDue(c, ms) && guard < 3; guard++) {
        const deadline = (c as Company).nextDeadline as NonNullable<Company['nextDeadline']>;
        const when = Math.max(last, Date.parse(escalationAt(c as Company, deadline)));
        invariant(
          apply({ type: 'deadlinePassed' }, 'system', new Date(when).toISOString()) !== null,
          'overdue passes',
        );
      }
    }
    const cur = c as Company;
    const now = new Date(ms).toISOString();
    const today = localDateOf(now, zone);
    const next = op.kind === 'progress' ? progressOp(cur, p, op) : op;
    switch (next.kind) {
      case 'designate':
        apply(
          {
            type: 'designateTrainee',
            trainee: next.other ? { name: 'Other', email: 'o@x.example' } : TRAINEE,
          },
          'company',
        );
        break;
      case 'exam': {
        const takenAt = new Date(ms - next.backDays * DAY_MS).toISOString();
        apply(
          { type: 'recordExamAttempt', score: next.score, ...(next.backDays ? { takenAt } : {}) },
          'assessor:trainer',
        );
        break;
      }
      case 'reEnrol':
        apply({ type: 'reEnrol' }, 'company');
        break;
      case 'submit': {
        const ids = p.programElements.map((e) => e.id);
        apply(
          {
            type: 'submitProgram',
            manualTitle: 'Manual',
            manualVersion: String(sequence),
            elements: next.dropElement ? ids.slice(1) : ids,
            implementedSince: next.monthsAgo < 0 ? addDays(today, 1) : addMonths(today, -next.monthsAgo),
          },
          'company',
        );
        break;
      }
      case 'audit': {
        const ids = p.programElements.map((e) => e.id);
        const elementScores = Object.fromEntries(ids.map((id) => [id, Math.max(next.overall, 50)]));
        if (next.element) elementScores[ids[next.element.index % ids.length] as string] = next.element.score;
        const where = cur.phase === 'LAPSED' ? cur.lapsed?.phase : cur.phase;
        const auto: AuditType =
          where === 'CERTIFIED' || where === 'MAINTENANCE'
            ? 'maintenance'
            : where === 'RECERTIFICATION'
              ? 'recertification'
              : 'certification';
        auditCount += 1;
        const decision = apply(
          {
            type: 'recordAudit',
            auditId: `audit-${auditCount}`,
            auditType: next.type === 'auto' ? auto : next.type,
            overallScore: next.overall,
            elementScores,
            auditor: { name: 'Auditor' },
            completedOn: addDays(today, -next.backDays),
            certificateSequence: ++sequence,
          },
          auditCount % 2 ? 'assessor:a1' : 'company',
        );
        const issued = decision?.company.certificate;
        if (issued && issued.certificateNumber !== cur.certificate?.certificateNumber) {
          invariant(issued.issuedOn === addDays(today, -next.backDays), 'issued on completion');
        }
        break;
      }
      case 'withdraw':
        apply({ type: 'withdraw', reason: 'property test' }, 'company');
        break;
      case 'deadlinePassed': {
        const decision = apply({ type: 'deadlinePassed' }, 'system');
        if (decision) {
          const was = cur.phase;
          invariant(
            decision.company.phase ===
              (was === 'CERTIFIED' || was === 'MAINTENANCE' ? 'CANCELLED' : 'LAPSED'),
            `a passed deadline in ${was} cancels (maintenance) or lapses (the rest)`,
          );
          invariant(today > (cur.nextDeadline?.dueOn as string), 'a deadline passes only after its due day');
          invariant(isPastDue(cur.nextDeadline!, now, zone), 'a deadline passes at local midnight after it');
        } else if (isActivePhase(cur.phase)) {
          invariant(!isOverdue(cur, now), 'an overdue deadline is never refused');
        }
        break;
      }
      case 'sendReminders':
        for (const r of remindersDue(cur, p, now)) {
          invariant(!remindersEverSent.has(r.key), `reminder ${r.key} due twice`);
          invariant(
            r.slot <= today && today <= r.dueOn,
            'a reminder is for an open deadline, at or after its slot',
          );
          invariant(
            wakeAtOn(cur, r.slot) <= now,
            "a reminder goes at or after the company's wake on its day",
          );
          const deadline =
            r.step === 'TRAINING_REFRESHER'
              ? { opensOn: addMonths(cur.training.expiresOn as string, -p.refresherWindowMonths) }
              : cur.nextDeadline;
          invariant(deadline !== null && r.slot >= deadline.opensOn, 'no notice before the window opens');
          invariant(
            (r.kind === 'opening') === (r.slot === deadline.opensOn),
            'the opening notice is on the day the window opens, and only it',
          );
          invariant(
            apply({ type: 'recordReminder', key: r.key }, 'system') !== null,
            'a due reminder is recorded',
          );
          remindersEverSent.add(r.key);
        }
        break;
      case 'notify':
        notifyRound(cur, now, today);
        break;
      case 'mailRefused': {
        const due = noticesDue(cur, p, now).length > 0;
        if (!due) break;
        const decision = apply({ type: 'recordMailDelay', error: 'TooManyRequestsException' }, 'system');
        invariant(decision !== null, 'a mail delay is always recorded');
        const delay = decision.company.mailDelay;
        invariant(delay !== null && delay !== undefined && delay.retryAt > now, 'refused emails wait');
        const plan = planNext(decision.company, p, now, {
          name: decision.company.execution.name,
          startedAt: now,
        });
        invariant(plan.action !== 'notify', 'no notify round before the retry');
        break;
      }
      case 'repeatReminder': {
        const key = cur.remindersSent.at(-1);
        if (key)
          invariant(
            apply({ type: 'recordReminder', key }, 'system') === null,
            'a repeated reminder is refused',
          );
        break;
      }
      case 'recordFailure':
        apply({ type: 'recordFailure', cause: 'task failed' }, 'system');
        break;
      case 'redrive':
        apply({ type: 'redrive' }, 'ops');
        break;
      case 'continueExecution':
        apply({ type: 'continueExecution' }, 'system');
        break;
      case 'progress':
        throw new Error('progress is resolved to a concrete operation');
    }
    // a prompt workflow notifies as soon as its plan says so (several events a day: people are held)
    if (s.promptNotify && c) {
      const plan = planNext(c, p, now, { name: (c as Company).execution.name, startedAt: now });
      if (plan.action === 'notify') notifyRound(c, now, today);
    }
  }
}

const explored = {
  phases: new Set<string>(),
  refused: new Set<string>(),
  secondCycle: 0,
  seen: { lateRefused: 0, held: 0, opening: 0, delayEnded: 0 },
};

describe.each(REGIONS)('random command sequences in %s', (region) => {
  const p = policyOf(region);
  const tally: Tally = {
    accepted: 0,
    refused: {},
    phases: new Set(),
    secondCycle: 0,
    seen: { lateRefused: 0, held: 0, opening: 0, delayEnded: 0 },
  };

  test('every accepted command keeps the invariants', () => {
    fc.assert(
      fc.property(scenario(p), (s) => run(region, s, tally)),
      { numRuns: NUM_RUNS },
    );
    for (const phase of tally.phases) explored.phases.add(phase);
    for (const code of Object.keys(tally.refused)) explored.refused.add(code);
    explored.secondCycle += tally.secondCycle;
    for (const k of Object.keys(tally.seen) as (keyof Tally['seen'])[]) explored.seen[k] += tally.seen[k];
    // the policy's own path was walked: certified and into maintenance
    expect(tally.accepted).toBeGreaterThan(NUM_RUNS * 4);
    expect([...tally.phases]).toEqual(expect.arrayContaining(['MAINTENANCE', 'RECERTIFICATION']));
  });
});

test('the sequences explored every phase and every refusal (the invariants were not checked vacuously)', () => {
  expect([...explored.phases].sort()).toEqual(
    [
      'REGISTERED',
      'TRAINING',
      'IMPLEMENTATION',
      'CERTIFICATION_AUDIT',
      // CERTIFIED is passed through inside the decision that issues a certificate (never a resting phase)
      'MAINTENANCE',
      'RECERTIFICATION',
      'LAPSED',
      'CANCELLED',
      'WITHDRAWN',
      'FAILED',
    ].sort(),
  );
  expect([...explored.refused].sort()).toEqual([
    'ATTEMPTS_EXHAUSTED',
    'CONFLICT',
    'NOT_ELIGIBLE',
    'TOO_EARLY',
    'WRONG_PHASE',
  ]);
  expect(explored.secondCycle).toBeGreaterThan(0);
  expect(explored.seen.lateRefused).toBeGreaterThan(0);
  expect(explored.seen.held).toBeGreaterThan(0);
  expect(explored.seen.opening).toBeGreaterThan(0);
  expect(explored.seen.delayEnded).toBeGreaterThan(0);
});
