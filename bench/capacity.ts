/**
 * `npm run bench -- --only capacity`: 100,000 companies over a 3-year cycle, simulated with the domain's own
 * schedule functions (the deadlines of domain/schedule.ts, `reminderSlots`, `wakeAtOn`, `escalationAt`, the
 * policies' lead days), not a copy of them: when each company's emails go out, when its executions wake and
 * start, and so the peak load on SES, Step Functions and DynamoDB, each against its quota (docs/capacity.md).
 *
 * The population (seeded, so every run gives the same numbers): a province mix (AB 50 %, BC 20 %, SK 10 %,
 * MB 10 %, the other nine 10 %), sign-ups spread over 2027 at random times of the day, each step filed on a random
 * day of its window (10 % of steps late: in the last 6 days before the due date, after the 7-day reminder),
 * and 5 % of companies lapsing at a random step (escalated the day after its due date). BC's maintenance
 * audits are all due on 31 December.
 *
 * The cost of each event in transitions, Lambda invocations and DynamoDB writes is the state machine's (a
 * reminder wake: Check → Route → Await, 3 transitions; a completed step: Route → StartNextExecution in the old
 * execution, StartPhase → RoutePhase → Await in the new one) and the record's measured size (bench/results.json:
 * a whole-record write of a ~7 KB item is 8 WRU).
 */
import {
  addDays,
  addMonths,
  addYears,
  atLocalMinute,
  certificationAuditDeadline,
  escalationAt,
  type IsoDate,
  localDateOf,
  maintenanceDeadline,
  MAX_WAIT_SECONDS,
  policies,
  programDeadline,
  recertificationDeadline,
  type Deadline,
  type RegionPolicy,
  REGIONS,
  reminderSlots,
  timeZoneOf,
  trainingDeadline,
  wakeAtOn,
} from '../domain';
import { childMain } from './lib/child';

/** Per-event costs (see the header). */
export const COSTS = {
  reminderWake: { transitions: 3, lambda: 2, wru: 18 },
  /** A wait that ends with nothing due (the longest callback wait is MAX_WAIT_SECONDS): plan again. */
  reWait: { transitions: 3, lambda: 2, wru: 8 },
  stepDone: { transitions: 5, lambda: 5, wru: 26, startExecutions: 1 },
  windowOpens: { transitions: 3, lambda: 2, wru: 8 },
  escalation: { transitions: 4, lambda: 2, wru: 18 },
} as const;

/** The quotas the peaks are held against (docs/capacity.md has their sources). */
export const QUOTAS = {
  sesPerSecond: 14,
  transitionsPerSecond: 500,
  startExecutionPerSecond: 150,
  wruPerSecond: 40_000,
} as const;

/** The targets: peak ≤ 10 emails/s, ≤ 250 transitions/s. */
export const TARGETS = { emailsPerSecond: 10, transitionsPerSecond: 250 } as const;

export interface CapacityResult {
  companies: number;
  mix: Record<string, number>;
  simulatedDays: { from: IsoDate; to: IsoDate };
  totals: { emails: number; transitions: number; startExecutions: number; lambda: number; wru: number };
  perCompanyCycle: { emails: number; transitions: number };
  peaks: {
    emailsPerSecond: Peak;
    emailsPerMinute: Peak;
    transitionsPerSecond: Peak;
    startExecutionsPerSecond: Peak;
    wruPerSecond: Peak;
    emailsPerDay: Peak;
  };
  /** The same population had every company woken at 00:00 UTC (the design before this one). */
  unspread: { emailsPerSecond: Peak; transitionsPerSecond: Peak };
  /** BC's 31 December: the emails of the busiest day around it. */
  bcYearEnd: { day: IsoDate; emails: number; peakEmailsPerSecond: number };
  /**
   * SES at its rate (QUOTAS.sesPerSecond), the emails beyond it waiting their turn (as refused emails wait on the
   * company and are retried): the seconds with more emails than the rate, and the longest any email waited.
   * No company fails because of email: a refused email waits (functions/lib/notify.ts).
   */
  sesBacklog: { secondsOverRate: number; longestWaitSeconds: number };
  companiesFailedByEmail: number;
  wallSeconds: number;
}

export interface Peak {
  value: number;
  at: string;
}

/** Counts per bucket (a second, a minute, a day), and the largest. */
export class Series {
  private readonly counts = new Map<number, number>();
  constructor(private readonly bucketMs: number) {}
  add(atMs: number, n = 1): void {
    const b = Math.floor(atMs / this.bucketMs);
    this.counts.set(b, (this.counts.get(b) ?? 0) + n);
  }
  peak(): Peak {
    let best = 0;
    let at = 0;
    for (const [b, n] of this.counts) {
      if (n > best) {
        best = n;
        at = b;
      }
    }
    return { value: best, at: new Date(at * this.bucketMs).toISOString() };
  }
  get(atMs: number): number {
    return this.counts.get(Math.floor(atMs / this.bucketMs)) ?? 0;
  }
  /** Served at `rate` per bucket, first come first served: buckets over the rate, and the longest wait. */
  backlog(rate: number): { over: number; longestWait: number } {
    let over = 0;
    let longestWait = 0;
    let queue = 0;
    let last = -Infinity;
    for (const b of [...this.counts.keys()].sort((x, y) => x - y)) {
      const n = this.counts.get(b) ?? 0;
      queue = Math.max(0, queue - (b - last) * rate) + n;
      last = b;
      if (n > rate) over += 1;
      // The last email of this bucket leaves once the queue ahead of it has drained.
      longestWait = Math.max(longestWait, Math.ceil(queue / rate) - 1);
    }
    return { over, longestWait };
  }
}

/** mulberry32: a small seeded PRNG, so the population is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OTHERS = REGIONS.filter((r) => !['AB', 'BC', 'SK', 'MB'].includes(r));

interface Sinks {
  emailsBySecond: Series;
  emailsByMinute: Series;
  emailsByDay: Series;
  transitions: Series;
  starts: Series;
  wru: Series;
  /** Scheduled emails and their transitions by the date they are for: what a 00:00 UTC design sends at once. */
  slotDayEmails: Series;
  slotDayTransitions: Series;
  totals: CapacityResult['totals'];
}

function sinks(): Sinks {
  return {
    emailsBySecond: new Series(1000),
    emailsByMinute: new Series(60_000),
    emailsByDay: new Series(86_400_000),
    transitions: new Series(1000),
    starts: new Series(1000),
    wru: new Series(1000),
    slotDayEmails: new Series(86_400_000),
    slotDayTransitions: new Series(86_400_000),
    totals: { emails: 0, transitions: 0, startExecutions: 0, lambda: 0, wru: 0 },
  };
}

function email(s: Sinks, atMs: number, n = 1): void {
  s.emailsBySecond.add(atMs, n);
  s.emailsByMinute.add(atMs, n);
  s.emailsByDay.add(atMs, n);
  s.totals.emails += n;
}

function cost(
  s: Sinks,
  atMs: number,
  c: { transitions: number; lambda: number; wru: number; startExecutions?: number },
): void {
  s.transitions.add(atMs, c.transitions);
  s.wru.add(atMs, c.wru);
  s.totals.transitions += c.transitions;
  s.totals.lambda += c.lambda;
  s.totals.wru += c.wru;
  if (c.startExecutions) {
    s.starts.add(atMs, c.startExecutions);
    s.totals.startExecutions += c.startExecutions;
  }
}

interface SimCompany {
  companyId: string;
  region: string;
  zone: string;
  policy: RegionPolicy;
}

/**
 * One step: reminders (at their wakes) until it is filed, re-waits in long gaps, and either the filing or (when
 * this is the step the company lapses at) the escalation. Returns the local date it was filed, or null.
 */
function step(
  s: Sinks,
  c: SimCompany,
  deadline: Deadline,
  announcedOn: IsoDate,
  /** When the company was told (the instant of the action before): a callback wait started then. */
  announcedAt: number,
  late: boolean,
  lapses: boolean,
  rand: () => number,
  wake: (c: SimCompany, date: IsoDate) => number,
): { filedOn: IsoDate; filedAt: number } | null {
  const first = deadline.opensOn > announcedOn ? deadline.opensOn : announcedOn;
  // The day it is filed: random in the window before the 7-day reminder, or (late) in its last 6 days.
  const span = (from: IsoDate, to: IsoDate) =>
    Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000));
  const early = addDays(deadline.dueOn, -8);
  const filedOn =
    late || early < first
      ? addDays(deadline.dueOn, -Math.floor(rand() * Math.min(7, span(first, deadline.dueOn) + 1)))
      : addDays(first, Math.floor(rand() * (span(first, early) + 1)));
  // People act during their day: 08:00–20:00 local.
  const filedAt =
    Date.parse(atLocalMinute(filedOn, 480 + Math.floor(rand() * 720), c.zone)) + Math.floor(rand() * 60_000);
  const end = lapses ? Date.parse(escalationAt({ ...c, phase: 'REGISTERED' } as never, deadline)) : filedAt;
  let last = announcedAt;
  const reWaits = (until: number) => {
    for (let t = last + MAX_WAIT_SECONDS * 1000; t < until; t += MAX_WAIT_SECONDS * 1000)
      cost(s, t, COSTS.reWait);
  };
  if (deadline.opensOn > announcedOn) {
    const opens = wake(c, deadline.opensOn);
    if (opens < end) {
      cost(s, opens, COSTS.windowOpens);
      last = opens;
    }
  }
  for (const slot of reminderSlots(deadline, c.policy, announcedOn)) {
    const at = wake(c, slot.on);
    if (at >= end) break;
    reWaits(at);
    email(s, at);
    cost(s, at, COSTS.reminderWake);
    s.slotDayEmails.add(Date.parse(slot.on));
    s.slotDayTransitions.add(Date.parse(slot.on), COSTS.reminderWake.transitions);
    last = at;
  }
  reWaits(end);
  if (lapses) {
    email(s, end, 2); // the contact (and trainee) and operations
    cost(s, end, COSTS.escalation);
    return null;
  }
  cost(s, filedAt, COSTS.stepDone);
  return { filedOn, filedAt };
}

/** One company's cycle: sign-up to its recertification (or its lapse). */
function simulateCompany(
  s: Sinks,
  c: SimCompany,
  signUpAt: number,
  rand: () => number,
  wake: (c: SimCompany, date: IsoDate) => number,
): void {
  const p = c.policy;
  const lapseAt = rand() < 0.05 ? Math.floor(rand() * 7) : -1;
  const late = () => rand() < 0.1;
  const reg = localDateOf(new Date(signUpAt).toISOString(), c.zone);
  email(s, signUpAt); // welcome
  cost(s, signUpAt, { transitions: 3, lambda: 4, wru: 20, startExecutions: 1 });
  const designated = step(
    s,
    c,
    trainingDeadline(p, 'DESIGNATE_TRAINEE', reg, reg),
    reg,
    signUpAt,
    late(),
    lapseAt === 0,
    rand,
    wake,
  );
  if (!designated) return;
  email(s, designated.filedAt, 2); // the trainee's enrolment; the contact's confirmation
  const exam = trainingDeadline(p, 'TRAINING_EXAM', reg, designated.filedOn);
  const passed = step(s, c, exam, designated.filedOn, designated.filedAt, late(), lapseAt === 1, rand, wake);
  if (!passed) return;
  email(s, passed.filedAt, 2); // training passed: trainee and contact
  // The trainee's refresher: reminders from six months before the training certificate expires.
  const expiresOn = addYears(passed.filedOn, p.trainingCertificateValidityYears);
  const refresher: Deadline = {
    step: 'TRAINING_REFRESHER',
    opensOn: addMonths(expiresOn, -p.refresherWindowMonths),
    dueOn: expiresOn,
  };
  const refreshed = step(s, c, refresher, passed.filedOn, passed.filedAt, late(), false, rand, wake);
  if (refreshed) email(s, refreshed.filedAt);
  const program = step(
    s,
    c,
    programDeadline(p, passed.filedOn),
    passed.filedOn,
    passed.filedAt,
    late(),
    lapseAt === 2,
    rand,
    wake,
  );
  if (!program) return;
  email(s, program.filedAt); // program received
  const earliest = addMonths(program.filedOn, p.minImplementationMonths);
  const audit = certificationAuditDeadline(p, program.filedOn, earliest);
  const certified = step(s, c, audit, program.filedOn, program.filedAt, late(), lapseAt === 3, rand, wake);
  if (!certified) return;
  email(s, certified.filedAt); // audit passed + certificate + maintenance due, in one email
  const issuedOn = certified.filedOn;
  const m2 = step(
    s,
    c,
    maintenanceDeadline(p, issuedOn, 2),
    issuedOn,
    certified.filedAt,
    late(),
    lapseAt === 4,
    rand,
    wake,
  );
  if (!m2) return;
  email(s, m2.filedAt);
  const m3 = step(
    s,
    c,
    maintenanceDeadline(p, issuedOn, 3),
    m2.filedOn,
    m2.filedAt,
    late(),
    lapseAt === 5,
    rand,
    wake,
  );
  if (!m3) return;
  email(s, m3.filedAt);
  const recert = recertificationDeadline(issuedOn, addYears(issuedOn, p.certificateValidityYears));
  const done = step(s, c, recert, m3.filedOn, m3.filedAt, late(), lapseAt === 6, rand, wake);
  if (done) email(s, done.filedAt);
}

function population(companies: number, seed: number): { c: SimCompany; signUpAt: number }[] {
  const rand = prng(seed);
  const out: { c: SimCompany; signUpAt: number }[] = [];
  for (let i = 0; i < companies; i++) {
    const u = rand();
    const region =
      u < 0.5
        ? 'AB'
        : u < 0.7
          ? 'BC'
          : u < 0.8
            ? 'SK'
            : u < 0.9
              ? 'MB'
              : (OTHERS[Math.floor(rand() * OTHERS.length)] as string);
    const zone = timeZoneOf(region);
    const day = addDays('2027-01-01', Math.floor(rand() * 365));
    const signUpAt =
      Date.parse(atLocalMinute(day, 420 + Math.floor(rand() * 900), zone)) + Math.floor(rand() * 60_000);
    out.push({
      c: { companyId: `cap-${seed}-${i}`, region, zone, policy: policies.forRegion(region) },
      signUpAt,
    });
  }
  return out;
}

export function simulateCapacity(options: { companies?: number; seed?: number } = {}): CapacityResult {
  const t0 = performance.now();
  const companies = options.companies ?? 100_000;
  const seed = options.seed ?? 13;
  const people = population(companies, seed);
  const spread = sinks();
  const spreadWake = (c: SimCompany, date: IsoDate) => Date.parse(wakeAtOn(c, date));
  for (const { c, signUpAt } of people)
    simulateCompany(spread, c, signUpAt, prng(signUpAt ^ companies), spreadWake);

  // BC's 31 December: the busiest day from 60 days before it to 2 January, over the simulated years.
  let bcDay = '';
  let bcEmails = 0;
  for (let year = 2027; year <= 2031; year++) {
    for (let d = `${year}-10-31`; d <= `${year + 1}-01-02`; d = addDays(d, 1)) {
      const n = spread.emailsByDay.get(Date.parse(`${d}T12:00:00Z`));
      if (n > bcEmails) {
        bcEmails = n;
        bcDay = d;
      }
    }
  }
  let bcPeak = 0;
  const dayStart = Date.parse(`${bcDay}T00:00:00Z`);
  for (let t = dayStart; t < dayStart + 86_400_000; t += 1000)
    bcPeak = Math.max(bcPeak, spread.emailsBySecond.get(t));
  const mix: Record<string, number> = {};
  for (const { c } of people) mix[c.region] = (mix[c.region] ?? 0) + 1;
  return {
    companies,
    mix,
    simulatedDays: { from: '2027-01-01', to: '2031-12-31' },
    totals: spread.totals,
    perCompanyCycle: {
      emails: Math.round((spread.totals.emails / companies) * 10) / 10,
      transitions: Math.round((spread.totals.transitions / companies) * 10) / 10,
    },
    peaks: {
      emailsPerSecond: spread.emailsBySecond.peak(),
      emailsPerMinute: spread.emailsByMinute.peak(),
      transitionsPerSecond: spread.transitions.peak(),
      startExecutionsPerSecond: spread.starts.peak(),
      wruPerSecond: spread.wru.peak(),
      emailsPerDay: spread.emailsByDay.peak(),
    },
    // Had every company woken at 00:00 UTC (the design before this one), each day's scheduled emails would
    // have gone in the same second.
    unspread: {
      emailsPerSecond: spread.slotDayEmails.peak(),
      transitionsPerSecond: spread.slotDayTransitions.peak(),
    },
    bcYearEnd: { day: bcDay, emails: bcEmails, peakEmailsPerSecond: bcPeak },
    sesBacklog: (() => {
      const b = spread.emailsBySecond.backlog(QUOTAS.sesPerSecond);
      return { secondsOverRate: b.over, longestWaitSeconds: b.longestWait };
    })(),
    // An email SES refuses waits on the company's record and is retried (functions/lib/notify.ts): none fails.
    companiesFailedByEmail: 0,
    wallSeconds: Math.round((performance.now() - t0) / 100) / 10,
  };
}

if (require.main === module) {
  childMain((o: { companies?: number; seed?: number }) => Promise.resolve(simulateCapacity(o)));
}
