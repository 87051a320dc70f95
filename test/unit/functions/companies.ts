/** Company records built with the real domain (`decide`), as the API and the workflow would have left them. */
import {
  decide,
  planNext,
  policies,
  type Actor,
  type Command,
  type Company,
  type ExecutionContext,
  type IsoDate,
  type IsoTimestamp,
  type Plan,
} from '../../../domain';

export const COMPANY_ID = 'co-1';
export const REGION = 'AB';
export const LEGAL_NAME = 'Acme Roofing Ltd.';
export const CONTACT = { name: 'Casey Contact', email: 'casey@acme.example' };
export const TRAINEE = { name: 'Terry Trainee', email: 'terry@acme.example' };

/** 10:00 UTC on a day unless stated. */
export const at = (day: IsoDate, time = '10:00:00.000Z'): IsoTimestamp => `${day}T${time}`;
export const clockAt = (now: IsoTimestamp) => (): IsoTimestamp => now;

export const elementIds = (region = REGION): string[] =>
  policies.forRegion(region).programElements.map((e) => e.id);

/** One company driven through `decide`, one dated command at a time. */
export class Story {
  private current: Company | null = null;

  static registered(
    day: IsoDate = '2027-01-10',
    options: { legalName?: string; companyId?: string; region?: string } = {},
  ): Story {
    return new Story().do(
      {
        type: 'register',
        companyId: options.companyId ?? COMPANY_ID,
        legalName: options.legalName ?? LEGAL_NAME,
        region: options.region ?? REGION,
        employeeCount: 6,
        industry: 'construction',
        contact: CONTACT,
      },
      at(day),
      'public',
    );
  }

  /** Goes on from an existing record. */
  static from(company: Company): Story {
    const story = new Story();
    story.current = structuredClone(company);
    return story;
  }

  get company(): Company {
    if (!this.current) throw new Error('no company registered yet');
    return this.current;
  }

  do(command: Command, now: IsoTimestamp, by: Actor = 'company'): this {
    this.current = decide(this.current, command, { now, by }).company;
    return this;
  }

  /** What `progress` records once every email the history calls for was sent. */
  notified(now: IsoTimestamp): this {
    return this.do(
      { type: 'recordNotifications', through: this.company.history.length, reminderKeys: [] },
      now,
      'system',
    );
  }

  designate(day: IsoDate = '2027-01-11', trainee = TRAINEE): this {
    return this.do({ type: 'designateTrainee', trainee }, at(day));
  }

  exam(score: number, day: IsoDate): this {
    return this.do({ type: 'recordExamAttempt', score }, at(day), 'assessor:trainer-1');
  }

  submit(day: IsoDate = '2027-03-01'): this {
    return this.do(
      {
        type: 'submitProgram',
        manualTitle: 'Acme H&S manual',
        manualVersion: '1.0',
        elements: elementIds(this.company.region),
        implementedSince: '2026-01-01',
      },
      at(day),
    );
  }

  audit(
    auditType: 'certification' | 'maintenance' | 'recertification',
    overallScore: number,
    completedOn: IsoDate,
    certificateSequence?: number,
  ): this {
    return this.do(
      {
        type: 'recordAudit',
        auditId: `audit-${completedOn}`,
        auditType,
        overallScore,
        elementScores: Object.fromEntries(elementIds(this.company.region).map((e) => [e, overallScore])),
        auditor: { name: 'Ava Auditor' },
        completedOn,
        ...(certificateSequence !== undefined ? { certificateSequence } : {}),
      },
      at(completedOn, '16:00:00.000Z'),
      'assessor:auditor-1',
    );
  }

  /** Certified on 2027-06-01 with certificate SECOR-AB-2027-000007; every email sent. In maintenance year 2. */
  static certified(): Story {
    return Story.registered()
      .designate()
      .exam(85, '2027-02-15')
      .submit()
      .audit('certification', 90, '2027-06-01', 7)
      .notified(at('2027-06-01', '16:00:01.000Z'));
  }
}

/** The execution that carries the company's current phase, as Step Functions passes it to a task. */
export const executionOf = (
  company: Company,
  startedAt: IsoTimestamp = company.phaseEnteredAt,
): ExecutionContext => ({
  name: company.execution.name,
  startedAt,
});

/** The plan the domain makes for this record: what every handler must return (or hand to SendTaskSuccess). */
export const domainPlan = (
  company: Company,
  now: IsoTimestamp,
  execution: ExecutionContext,
  iteration = 0,
): Plan => planNext(company, policies.forRegion(company.region), now, { ...execution, iteration });
