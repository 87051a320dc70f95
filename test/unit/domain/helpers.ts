/** Shared builders for the domain tests: a company driven through `decide` one dated command at a time. */
import {
  decide,
  isDomainError,
  policies,
  type Actor,
  type AuditType,
  type Command,
  type Company,
  type Decision,
  type DomainError,
  type DomainErrorCode,
  type IsoDate,
  type IsoTimestamp,
  type RegionPolicy,
  wakeAtOn,
} from '../../../domain';

/**
 * 10:00 UTC on a day: the time every test command is decided at unless stated. In every Canadian province that
 * is the small hours of the same local date (02:00 or 03:00 in BC, 07:30 in NL in summer), before any company's
 * business-hours wake (09:00–17:00 local; see `wakeOn`).
 */
export const at = (day: IsoDate, time = '10:00:00.000Z'): IsoTimestamp => `${day}T${time}`;

/** The company's business-hours wake on a local date: when its scheduled notices of that day go out. */
export const wakeOn = (company: { companyId: string; region: string }, day: IsoDate): IsoTimestamp =>
  wakeAtOn(company, day);

/** `ms` milliseconds after (or, negative, before) an instant. */
export const plusMs = (t: IsoTimestamp, ms: number): IsoTimestamp =>
  new Date(Date.parse(t) + ms).toISOString();

export const CONTACT = { name: 'Casey Contact', email: 'casey@acme.example' };
export const TRAINEE = { name: 'Terry Trainee', email: 'terry@acme.example' };

export const policyOf = (region: string): RegionPolicy => policies.forRegion(region);
export const elementIds = (region: string): string[] => policyOf(region).programElements.map((e) => e.id);

/** Every program element of the region scored `score`, with optional per-element overrides. */
export function scoresOf(
  region: string,
  score: number,
  overrides: Record<string, number> = {},
): Record<string, number> {
  return { ...Object.fromEntries(elementIds(region).map((e) => [e, score])), ...overrides };
}

/** Runs a command expected to be refused and returns the DomainError (fails the test otherwise). */
export function refusal(run: () => unknown): DomainError {
  try {
    run();
  } catch (e) {
    if (isDomainError(e)) return e;
    throw e;
  }
  throw new Error('expected the command to be refused with a DomainError, but it was accepted');
}

export function expectRefused(run: () => unknown, code: DomainErrorCode, message?: RegExp): DomainError {
  const error = refusal(run);
  expect(error.code).toBe(code);
  if (message) expect(error.message).toMatch(message);
  return error;
}

/** The standard timeline of a company (see `Driver.certify`). */
export const DAYS = {
  registered: '2027-01-10',
  designated: '2027-01-11',
  passed: '2027-02-15',
  submitted: '2027-03-01',
  implementedSince: '2026-01-01',
  audited: '2027-06-01',
  recorded: '2027-06-02',
} as const;

export interface AuditOptions {
  elementScores?: Record<string, number>;
  certificateSequence?: number;
  auditId?: string;
  by?: Actor;
}

/** One company driven through `decide`; each call applies a command at 10:00 UTC on the given day (`doAt`: any instant). */
export class Driver {
  company: Company | null = null;
  last: Decision | null = null;
  private audits = 0;

  constructor(
    readonly region = 'AB',
    readonly companyId = 'co-1',
  ) {}

  get c(): Company {
    if (!this.company) throw new Error('no company registered yet');
    return this.company;
  }

  get policy(): RegionPolicy {
    return policyOf(this.region);
  }

  do(command: Command, day: IsoDate, by: Actor = 'company', time?: string): Decision {
    const decision = decide(this.company, command, { now: at(day, time), by });
    this.company = decision.company;
    this.last = decision;
    return decision;
  }

  /** Applies a command at an exact instant. */
  doAt(command: Command, now: IsoTimestamp, by: Actor = 'company'): Decision {
    const decision = decide(this.company, command, { now, by });
    this.company = decision.company;
    this.last = decision;
    return decision;
  }

  /** The company's wake on a local date (see `wakeOn`). */
  wake(day: IsoDate): IsoTimestamp {
    return wakeOn(this.c, day);
  }

  /** The DomainError `command` is refused with on `day` (the record is unchanged). */
  refuse(command: Command, day: IsoDate, by: Actor = 'company'): DomainError {
    return refusal(() => decide(this.company, command, { now: at(day), by }));
  }

  register(day: IsoDate = DAYS.registered, employeeCount = 5): Decision {
    return this.do(
      {
        type: 'register',
        companyId: this.companyId,
        legalName: 'Acme Roofing Ltd.',
        region: this.region,
        employeeCount,
        industry: 'construction',
        contact: CONTACT,
      },
      day,
      'public',
    );
  }

  designate(day: IsoDate = DAYS.designated, trainee = TRAINEE): Decision {
    return this.do({ type: 'designateTrainee', trainee }, day);
  }

  exam(score: number, day: IsoDate, takenAt?: IsoTimestamp): Decision {
    return this.do(
      { type: 'recordExamAttempt', score, ...(takenAt ? { takenAt } : {}) },
      day,
      'assessor:trainer-1',
    );
  }

  reEnrol(day: IsoDate): Decision {
    return this.do({ type: 'reEnrol' }, day);
  }

  submitCommand(
    implementedSince: IsoDate = DAYS.implementedSince,
    elements = elementIds(this.region),
  ): Extract<Command, { type: 'submitProgram' }> {
    return {
      type: 'submitProgram',
      manualTitle: 'Acme H&S manual',
      manualVersion: '1.0',
      elements,
      implementedSince,
    };
  }

  submit(day: IsoDate = DAYS.submitted, implementedSince: IsoDate = DAYS.implementedSince): Decision {
    return this.do(this.submitCommand(implementedSince), day);
  }

  auditCommand(
    type: AuditType,
    overallScore: number,
    completedOn: IsoDate,
    options: AuditOptions = {},
  ): Extract<Command, { type: 'recordAudit' }> {
    this.audits += 1;
    return {
      type: 'recordAudit',
      auditId: options.auditId ?? `audit-${this.audits}`,
      auditType: type,
      overallScore,
      elementScores: options.elementScores ?? scoresOf(this.region, overallScore),
      auditor: { name: 'Ava Auditor' },
      completedOn,
      ...(type !== 'maintenance' || options.certificateSequence !== undefined
        ? { certificateSequence: options.certificateSequence ?? this.audits }
        : {}),
    };
  }

  audit(
    type: AuditType,
    overallScore: number,
    completedOn: IsoDate,
    day: IsoDate = completedOn,
    options: AuditOptions = {},
  ): Decision {
    return this.do(
      this.auditCommand(type, overallScore, completedOn, options),
      day,
      options.by ?? 'assessor:auditor-1',
    );
  }

  deadlinePassed(day: IsoDate): Decision {
    return this.do({ type: 'deadlinePassed' }, day, 'system');
  }

  // --- the standard timeline -------------------------------------------------------------------------

  toTraining(): this {
    this.register();
    this.designate();
    return this;
  }

  toImplementation(): this {
    this.toTraining();
    this.exam(85, DAYS.passed);
    return this;
  }

  toCertificationAudit(): this {
    this.toImplementation();
    this.submit();
    return this;
  }

  /** Certified with a certificate issued on `issuedOn` (2027-06-01 unless stated). */
  certify(issuedOn: IsoDate = DAYS.audited): this {
    this.toCertificationAudit();
    this.audit('certification', 90, issuedOn, issuedOn > DAYS.recorded ? issuedOn : DAYS.recorded);
    return this;
  }

  /**
   * Certified on 2027-06-01, both maintenance audits passed (2028-05-01, 2029-05-01): in RECERTIFICATION. The
   * trainee's training (passed 2027-02-15) expires before the certificate, and partner regions recertify only
   * with valid training: unless told not to, the trainee passes the refresher on 2029-08-25 (its window opens 2029-08-15).
   */
  toRecertification(options: { refresher?: boolean } = {}): this {
    this.certify();
    this.audit('maintenance', 90, '2028-05-01');
    this.audit('maintenance', 90, '2029-05-01');
    if (options.refresher ?? true) {
      this.reEnrol('2029-08-20');
      this.exam(90, '2029-08-25');
    }
    return this;
  }
}
