import {
  endOfLocalDay,
  eventNoticesDue,
  MAX_EXECUTION_DAYS,
  MAX_ITERATIONS,
  MAX_WAIT_SECONDS,
  noticesDue,
  phaseInput,
  planNext,
  planNotices,
  type Company,
  type HistoryEvent,
  type IsoTimestamp,
  type Notice,
  type Recipient,
  zoneOf,
} from '../../../domain';
import { MAIL_RETRY } from '../../../domain/workflow/bookkeeping';
import { at, Driver, plusMs, policyOf } from './helpers';

const ab = policyOf('AB');

const isScheduled = (n: Notice) => n.kind === 'reminder' || n.kind === 'opening';

/** Records every notice due as sent (nobody held, nobody's day counted), as a bare notifier would. */
function notifyAll(d: Driver, day: string): void {
  const notices = noticesDue(d.c, d.policy, at(day));
  d.do(
    {
      type: 'recordNotifications',
      through: d.c.history.length,
      reminderKeys: notices.filter(isScheduled).map((n) => n.key),
    },
    day,
    'system',
  );
}

/**
 * What the notifier (functions/lib/notify.ts) does at `now`: plans, sends one email to each person with notices
 * due, and records what went, who was held and who was emailed. Returns the plan it acted on.
 */
function notifyAt(d: Driver, now: IsoTimestamp): ReturnType<typeof planNotices> {
  const plan = planNotices(d.c, d.policy, now);
  const emailed = [...new Set(plan.due.flatMap((n) => n.recipients))];
  d.doAt(
    {
      type: 'recordNotifications',
      through: d.c.history.length,
      reminderKeys: plan.due.filter(isScheduled).map((n) => n.key),
      held: plan.held,
      emailed,
    },
    now,
    'system',
  );
  return plan;
}

/** The notice kinds each recipient is sent in a plan (one email a person, listing them). */
const perRecipient = (due: Notice[]) => {
  const by: Partial<Record<Recipient, string[]>> = {};
  for (const n of due) for (const r of n.recipients) by[r] = [...(by[r] ?? []), n.kind];
  return by;
};

const kinds = (c: Company) => eventNoticesDue(c).map((n) => [n.kind, n.recipients]);

describe('event notices: who hears about what', () => {
  test('registration welcomes the contact', () => {
    const d = new Driver('AB');
    d.register();
    expect(eventNoticesDue(d.c)).toEqual([
      { key: 'EVENT|0', kind: 'welcome', recipients: ['contact'], event: d.c.history[0] },
    ]);
  });

  test('training: the trainee and the contact', () => {
    const d = new Driver('AB').toTraining();
    for (const day of ['2027-01-20', '2027-01-21', '2027-01-22']) d.exam(10, day);
    d.reEnrol('2027-01-23');
    d.exam(90, '2027-01-24');
    expect(kinds(d.c)).toEqual([
      ['welcome', ['contact']],
      ['traineeEnrolment', ['trainee', 'contact']],
      ['examFailed', ['trainee']],
      ['examFailed', ['trainee']],
      ['examFailed', ['trainee']],
      ['attemptsExhausted', ['trainee', 'contact']],
      ['reEnrolled', ['trainee']],
      ['trainingPassed', ['trainee', 'contact']],
    ]);
  });

  test('program, audits, certificate, maintenance and recertification: the contact', () => {
    const d = new Driver('AB').toImplementation();
    notifyAll(d, '2027-02-15');
    d.submit();
    d.audit('certification', 60, '2027-06-01');
    d.audit('certification', 90, '2027-06-02');
    d.audit('maintenance', 60, '2028-05-01'); // a maintenance audit result itself is not mailed
    d.audit('maintenance', 90, '2029-05-01');
    expect(kinds(d.c)).toEqual([
      ['programReceived', ['contact']],
      ['auditFailed', ['contact']],
      ['correctiveActionRequired', ['contact']],
      ['auditPassed', ['contact']],
      ['certificateIssued', ['contact']],
      ['maintenanceDue', ['contact']],
      ['correctiveActionRequired', ['contact']],
      ['maintenanceDue', ['contact']],
      ['recertificationDue', ['contact']],
    ]);
  });

  test('refresher: the trainee', () => {
    const d = new Driver('AB').toRecertification({ refresher: false });
    notifyAll(d, '2029-05-01');
    d.reEnrol('2029-09-01');
    d.exam(90, '2029-09-02');
    expect(kinds(d.c)).toEqual([
      ['refresherEnrolled', ['trainee']],
      ['refresherPassed', ['trainee']],
    ]);
  });

  test('escalations reach operations; a lapsed training also reaches the trainee', () => {
    const t = new Driver('AB').toTraining();
    notifyAll(t, '2027-01-11');
    t.deadlinePassed('2027-07-11');
    expect(kinds(t.c)).toEqual([['lapsed', ['trainee', 'contact', 'ops']]]);

    const i = new Driver('AB').toImplementation();
    notifyAll(i, '2027-02-15');
    i.deadlinePassed('2027-08-16');
    expect(kinds(i.c)).toEqual([['lapsed', ['contact', 'ops']]]);

    const m = new Driver('AB').certify();
    notifyAll(m, '2027-06-02');
    m.deadlinePassed('2028-06-02');
    expect(kinds(m.c)).toEqual([['cancelled', ['contact', 'ops']]]);

    const f = new Driver('AB').toTraining();
    notifyAll(f, '2027-01-11');
    f.do({ type: 'recordFailure', cause: 'x' }, '2027-01-12', 'system');
    expect(kinds(f.c)).toEqual([['workflowFailed', ['ops']]]);
    f.do({ type: 'withdraw' }, '2027-01-13');
    expect(kinds(f.c)).toEqual([
      ['workflowFailed', ['ops']],
      ['withdrawn', ['contact']],
    ]);
  });

  test('a notice with nobody to tell is skipped', () => {
    const d = new Driver('AB').toTraining();
    d.exam(10, '2027-01-20');
    const noTrainee = { ...d.c, trainee: null, notifiedThrough: d.c.history.length - 1 };
    expect(eventNoticesDue(noTrainee)).toEqual([]);
    expect(eventNoticesDue({ ...d.c, notifiedThrough: d.c.history.length - 1 })).toEqual([
      expect.objectContaining({ key: `EVENT|${d.c.history.length - 1}`, kind: 'examFailed' }),
    ]);
  });

  test('events nobody is told about produce no notice', () => {
    const event = (type: string, details?: Record<string, unknown>): HistoryEvent => ({
      at: at('2027-01-10'),
      type,
      by: 'system',
      ...(details ? { details } : {}),
    });
    const d = new Driver('AB');
    d.register();
    const history = [
      event('REMINDER_SENT'),
      event('REENTERED'),
      event('EXECUTION_CONTINUED'),
      event('PHASE_ENTERED', { phase: 'TRAINING' }),
    ];
    expect(eventNoticesDue({ ...d.c, history })).toEqual([]);
  });
});

describe('noticesDue: event notices and due reminders', () => {
  test('reminders come with their step, due date and days left', () => {
    const d = new Driver('AB').certify();
    notifyAll(d, '2027-06-02');
    expect(noticesDue(d.c, ab, d.wake('2028-04-01'))).toEqual([]);
    expect(noticesDue(d.c, ab, d.wake('2028-04-02'))).toEqual([
      {
        key: 'MAINTENANCE_AUDIT2|2028-06-01|2028-04-02',
        kind: 'reminder',
        recipients: ['contact'],
        reminder: { step: 'MAINTENANCE_AUDIT', dueOn: '2028-06-01', daysLeft: 60, maintenanceYear: 2 },
      },
    ]);
    const t = new Driver('AB').toTraining();
    notifyAll(t, '2027-01-11');
    expect(noticesDue(t.c, ab, t.wake('2027-06-12'))).toEqual([
      {
        key: 'TRAINING_EXAM|2027-07-10|2027-06-10',
        kind: 'reminder',
        recipients: ['trainee'],
        reminder: { step: 'TRAINING_EXAM', dueOn: '2027-07-10', daysLeft: 28 },
      },
    ]);
  });

  test('an opening notice when a window opens later than the company was told of it', () => {
    const d = new Driver('AB').toImplementation();
    d.submit('2027-03-01', '2027-03-01'); // the audit window opens 2027-06-01
    notifyAll(d, '2027-03-01'); // "program received" told the company when the audit can be done
    expect(noticesDue(d.c, ab, at('2027-05-31'))).toEqual([]);
    expect(noticesDue(d.c, ab, d.wake('2027-06-01'))).toEqual([
      {
        key: 'CERTIFICATION_AUDIT|2028-03-01|2027-06-01',
        kind: 'opening',
        recipients: ['contact'],
        reminder: { step: 'CERTIFICATION_AUDIT', dueOn: '2028-03-01', daysLeft: 274 },
      },
    ]);
    // a step open as soon as it is announced has no opening notice: the event's email is it
    const p = new Driver('AB').toImplementation();
    notifyAll(p, '2027-02-15');
    expect(noticesDue(p.c, ab, p.wake('2027-02-16'))).toEqual([]);
  });
});

describe('recordNotifications', () => {
  test('marks event notices and reminders sent; nothing is due twice', () => {
    const d = new Driver('AB');
    d.register('2027-01-10');
    const now = d.wake('2027-05-11');
    expect(noticesDue(d.c, ab, now).map((n) => n.kind)).toEqual(['welcome', 'reminder']);
    const decision = d.doAt(
      {
        type: 'recordNotifications',
        through: d.c.history.length,
        reminderKeys: ['DESIGNATE_TRAINEE|2027-07-10|2027-05-11'],
      },
      now,
      'system',
    );
    expect(decision.workflow).toBeNull();
    expect(decision.events.map((e) => e.type)).toEqual(['REMINDER_SENT']);
    expect(d.c.notifiedThrough).toBe(1);
    expect(d.c.remindersSent).toEqual(['DESIGNATE_TRAINEE|2027-07-10|2027-05-11']);
    expect(noticesDue(d.c, ab, now)).toEqual([]);

    // recording the same again is harmless (no CONFLICT, no new event)
    const again = d.do(
      { type: 'recordNotifications', through: 1, reminderKeys: ['DESIGNATE_TRAINEE|2027-07-10|2027-05-11'] },
      '2027-05-12',
      'system',
    );
    expect(again.events).toEqual([]);
  });

  test('through is clamped to the history and never goes back', () => {
    const d = new Driver('AB').toTraining();
    d.do({ type: 'recordNotifications', through: 999, reminderKeys: [] }, '2027-01-12', 'system');
    expect(d.c.notifiedThrough).toBe(d.c.history.length);
    const high = d.c.notifiedThrough;
    d.do({ type: 'recordNotifications', through: 0, reminderKeys: [] }, '2027-01-13', 'system');
    expect(d.c.notifiedThrough).toBe(high);
  });
});

describe('planNext: what a phase execution does next', () => {
  const registered = () => {
    const d = new Driver('AB');
    d.register('2027-01-10');
    return d;
  };
  const ctx = (d: Driver, startedAt = at('2027-01-10'), iteration?: number) => ({
    name: d.c.execution.name,
    startedAt,
    ...(iteration !== undefined ? { iteration } : {}),
  });

  test('bounds: an execution continues before a year; a wait fits a Step Functions callback timeout', () => {
    expect(MAX_EXECUTION_DAYS).toBeLessThan(365);
    expect(MAX_WAIT_SECONDS).toBeLessThanOrEqual(99_999_999);
    expect(MAX_WAIT_SECONDS).toBeLessThan(MAX_EXECUTION_DAYS * 86_400);
    expect(MAX_ITERATIONS).toBeGreaterThan(MAX_EXECUTION_DAYS / 7); // room for a reminder a week and some actions
  });

  test('notify while notices are due, then await the human step until the next reminder', () => {
    const d = registered();
    expect(planNext(d.c, ab, at('2027-01-10'), ctx(d))).toEqual({ action: 'notify', iteration: 1 });
    notifyAll(d, '2027-01-10');
    // the first reminder (60 days before the due date) is four months away
    const reminder = d.wake('2027-05-11');
    expect(reminder).toMatch(/^2027-05-11T16:33:\d\d\.000Z$/); // co-1's 10:33 in Alberta (UTC−6 in May)
    expect(planNext(d.c, ab, at('2027-01-10'), ctx(d, at('2027-01-10'), 1))).toEqual({
      action: 'await',
      step: 'DESIGNATE_TRAINEE',
      waitSeconds: Math.ceil((Date.parse(reminder) - Date.parse(at('2027-01-10'))) / 1000),
      wakeAt: reminder,
      iteration: 2,
    });
    const waitSeconds = 10 * 86_400 + 6 * 3_600 + 33 * 60 + Number(reminder.slice(17, 19));
    expect(planNext(d.c, ab, at('2027-05-01'), ctx(d, at('2027-05-01'), 1))).toEqual({
      action: 'await',
      step: 'DESIGNATE_TRAINEE',
      waitSeconds,
      wakeAt: reminder,
      iteration: 2,
    });
    expect(planNext(d.c, ab, d.wake('2027-05-11'), ctx(d, at('2027-05-01')))).toEqual({
      action: 'notify',
      iteration: 1,
    });
  });

  test('a wait is never longer than MAX_WAIT_SECONDS, nor shorter than a second', () => {
    const d = registered();
    notifyAll(d, '2027-01-10');
    // certified on 2027-06-01: with a single reminder 60 days before, the first wake is ten months away
    const m = new Driver('AB').certify();
    notifyAll(m, '2027-06-02');
    const sparse = { ...ab, reminderDaysBeforeDeadline: [60] };
    expect(planNext(m.c, sparse, at('2027-06-02'), ctx(m, at('2027-06-02')))).toMatchObject({
      action: 'await',
      step: 'MAINTENANCE_AUDIT',
      waitSeconds: MAX_WAIT_SECONDS,
      wakeAt: m.wake('2028-04-02'),
    });
    expect(planNext(d.c, ab, plusMs(d.wake('2027-05-11'), -1), ctx(d))).toMatchObject({
      action: 'await',
      waitSeconds: 1,
    });
  });

  test('sleep until a window opens, then tell the company it is open', () => {
    const d = new Driver('AB').toImplementation();
    d.submit('2027-03-01', '2027-03-01'); // the audit opens 2027-06-01
    notifyAll(d, '2027-03-01');
    expect(planNext(d.c, ab, at('2027-03-01'), ctx(d, at('2027-03-01')))).toEqual({
      action: 'sleep',
      wakeAt: d.wake('2027-06-01'),
      iteration: 1,
    });
    const opened = d.wake('2027-06-01');
    expect(planNext(d.c, ab, opened, ctx(d, at('2027-03-01')))).toEqual({ action: 'notify', iteration: 1 });
    expect(notifyAt(d, opened).due.map((n) => n.kind)).toEqual(['opening']);
    expect(planNext(d.c, ab, opened, ctx(d, at('2027-03-01')))).toMatchObject({
      action: 'await',
      step: 'CERTIFICATION_AUDIT',
    });
  });

  test('escalate at the company’s wake the day after the deadline passed', () => {
    const d = registered();
    notifyAll(d, '2027-01-10');
    notifyAll(d, '2027-07-10');
    const escalation = d.wake('2027-07-11');
    expect(planNext(d.c, ab, at('2027-07-10'), ctx(d))).toMatchObject({
      action: 'await',
      wakeAt: escalation,
    });
    // local midnight: the deadline has passed (a late designation is refused) but nobody is woken at night
    expect(planNext(d.c, ab, '2027-07-11T06:00:00.000Z', ctx(d))).toMatchObject({
      action: 'await',
      wakeAt: escalation,
    });
    expect(planNext(d.c, ab, plusMs(escalation, -1), ctx(d))).toMatchObject({
      action: 'await',
      waitSeconds: 1,
    });
    expect(planNext(d.c, ab, escalation, ctx(d))).toEqual({ action: 'escalate' });
    expect(planNext(d.c, ab, at('2027-08-01'), ctx(d))).toEqual({ action: 'escalate' });
  });

  test('advance to the execution the record moved to; end if the record left the active phases', () => {
    const d = registered();
    const before = ctx(d);
    d.designate('2027-01-11');
    expect(planNext(d.c, ab, at('2027-01-11'), before)).toEqual({
      action: 'advance',
      next: { name: 'co-1-c1-TRAINING', input: { companyId: 'co-1', cycle: 1, phaseKey: 'TRAINING' } },
    });
    expect(phaseInput(d.c)).toEqual({ companyId: 'co-1', cycle: 1, phaseKey: 'TRAINING' });
    const training = ctx(d);
    d.do({ type: 'continueExecution' }, '2027-01-12', 'system');
    expect(planNext(d.c, ab, at('2027-01-12'), training)).toMatchObject({
      action: 'advance',
      next: { name: d.c.execution.name },
    });
    d.do({ type: 'withdraw' }, '2027-01-13');
    // an execution the record moved away from, once the company left: ends without notifying
    expect(planNext(d.c, ab, at('2027-01-13'), training)).toEqual({ action: 'end', phase: 'WITHDRAWN' });
    const w = registered();
    const running = ctx(w);
    w.do({ type: 'withdraw' }, '2027-01-11');
    expect(planNext(w.c, ab, at('2027-01-11'), running)).toEqual({ action: 'notify', iteration: 1 });
    notifyAll(w, '2027-01-11');
    expect(planNext(w.c, ab, at('2027-01-11'), running)).toEqual({ action: 'end', phase: 'WITHDRAWN' });
  });

  test('an execution that is old or has looped long continues in a fresh one', () => {
    const d = registered();
    notifyAll(d, '2027-01-10');
    const old = new Date(Date.parse(at('2027-01-20')) - MAX_EXECUTION_DAYS * 86_400_000).toISOString();
    expect(planNext(d.c, ab, at('2027-01-20'), ctx(d, old))).toEqual({ action: 'continue', iteration: 1 });
    expect(planNext(d.c, ab, at('2027-01-20'), ctx(d, at('2027-01-10'), MAX_ITERATIONS))).toEqual({
      action: 'continue',
      iteration: MAX_ITERATIONS + 1,
    });
    // near the cap, the wait ends at the cap
    const nearCap = new Date(
      Date.parse(at('2027-01-20')) - (MAX_EXECUTION_DAYS - 1) * 86_400_000,
    ).toISOString();
    expect(planNext(d.c, ab, at('2027-01-20'), ctx(d, nearCap))).toMatchObject({
      action: 'await',
      wakeAt: at('2027-01-21'),
      waitSeconds: 86_400,
    });
  });

  test('an active record without a deadline has nothing to wait for', () => {
    const d = registered();
    notifyAll(d, '2027-01-10');
    expect(planNext({ ...d.c, nextDeadline: null }, ab, at('2027-01-10'), ctx(d))).toEqual({
      action: 'end',
      phase: 'REGISTERED',
    });
  });
});

describe('one email a day a person', () => {
  /** Registered and welcomed in the small hours of 2027-01-10 (10:00Z); the trainee designated that afternoon. */
  function welcomedThenDesignated(): Driver {
    const d = new Driver('AB');
    d.register('2027-01-10');
    const welcome = notifyAt(d, at('2027-01-10'));
    expect(perRecipient(welcome.due)).toEqual({ contact: ['welcome'] });
    expect(d.c.lastEmailedOn).toEqual({ contact: '2027-01-10' });
    d.do(
      { type: 'designateTrainee', trainee: { name: 'Terry', email: 'terry@acme.example' } },
      '2027-01-10',
      'company',
      '20:00:00.000Z',
    );
    return d;
  }

  test('a second event for the contact the same local day waits for the next day’s wake; the trainee gets theirs', () => {
    const d = welcomedThenDesignated();
    const now = at('2027-01-10', '20:00:00.000Z'); // the afternoon of the same local day
    const plan = planNotices(d.c, ab, now);
    expect(perRecipient(plan.due)).toEqual({ trainee: ['traineeEnrolment'] });
    expect(plan.held).toEqual(['contact']);
    expect(plan.heldUntil).toBe(d.wake('2027-01-11'));
    notifyAt(d, now);
    expect(d.c.lastEmailedOn).toEqual({ contact: '2027-01-10', trainee: '2027-01-10' });
    // the contact's notice stays due (and the event watermark waits for it); the trainee's is not sent again
    expect(eventNoticesDue(d.c).map((n) => [n.kind, n.recipients])).toEqual([
      ['traineeEnrolment', ['contact']],
    ]);
    expect(d.c.notifiedThroughBy).toEqual({ trainee: d.c.history.length, ops: d.c.history.length });
    expect(planNotices(d.c, ab, now)).toEqual({
      due: [],
      held: ['contact'],
      heldUntil: d.wake('2027-01-11'),
    });
    // the TRAINING execution waits for the held email (not for the first reminder months away)
    const plan2 = planNext(d.c, ab, now, { name: d.c.execution.name, startedAt: now });
    expect(plan2).toMatchObject({ action: 'await', step: 'TRAINING_EXAM', wakeAt: d.wake('2027-01-11') });
  });

  test('the local day decides, not the UTC one: after local midnight the person may be emailed again', () => {
    const d = welcomedThenDesignated();
    const midnight = endOfLocalDay('2027-01-10', zoneOf(d.c)); // 06:00Z or 07:00Z, as the tz database says
    expect(Date.parse(midnight) - Date.parse('2027-01-11T00:00:00.000Z')).toBeGreaterThanOrEqual(
      6 * 3_600_000,
    );
    expect(planNotices(d.c, ab, '2027-01-11T00:00:00.000Z').held).toEqual(['contact']); // the UTC day is over
    expect(planNotices(d.c, ab, plusMs(midnight, -1)).held).toEqual(['contact']);
    expect(planNotices(d.c, ab, midnight).held).toEqual([]);
  });

  test('held notices go out together the next day, in one email a person', () => {
    const d = welcomedThenDesignated();
    notifyAt(d, at('2027-01-10', '20:00:00.000Z'));
    d.do({ type: 'recordExamAttempt', score: 90 }, '2027-01-10', 'assessor:trainer-1', '21:00:00.000Z');
    const evening = at('2027-01-10', '21:00:00.000Z');
    const held = planNotices(d.c, ab, evening);
    expect(held.due).toEqual([]); // both were emailed today
    expect(held.held.sort()).toEqual(['contact', 'trainee']);
    expect(planNext(d.c, ab, evening, { name: d.c.execution.name, startedAt: evening })).toMatchObject({
      action: 'await',
      step: 'PROGRAM_SUBMISSION',
      wakeAt: d.wake('2027-01-11'),
    });
    const next = notifyAt(d, d.wake('2027-01-11'));
    expect(next.held).toEqual([]);
    expect(perRecipient(next.due)).toEqual({
      contact: ['traineeEnrolment', 'trainingPassed'],
      trainee: ['trainingPassed'],
    });
    expect(d.c.notifiedThrough).toBe(d.c.history.length);
    expect(d.c.notifiedThroughBy).toBeUndefined();
    expect(d.c.lastEmailedOn).toEqual({ contact: '2027-01-11', trainee: '2027-01-11' });
    expect(noticesDue(d.c, ab, d.wake('2027-01-11'))).toEqual([]);
  });

  test('a reminder for a person already emailed today waits too; operations are never held', () => {
    const d = new Driver('AB');
    d.register('2027-01-10');
    notifyAt(d, at('2027-01-10'));
    // the contact was emailed on the morning of the 1-day reminder, before the company's wake
    const c = { ...d.c, lastEmailedOn: { contact: '2027-07-09' as const } };
    const plan = planNotices(c, ab, d.wake('2027-07-09'));
    expect(plan.due).toEqual([]);
    expect(plan.held).toEqual(['contact']);
    expect(planNotices(c, ab, d.wake('2027-07-10')).due.map((n) => n.key)).toEqual([
      'DESIGNATE_TRAINEE|2027-07-10|2027-07-09',
    ]);
    // the lapse the next day: the contact is held, operations are told at once
    const lapsed = new Driver('AB');
    lapsed.register('2027-01-10');
    notifyAll(lapsed, '2027-01-10');
    lapsed.doAt({ type: 'deadlinePassed' }, lapsed.wake('2027-07-11'), 'system');
    const after = { ...lapsed.c, lastEmailedOn: { contact: '2027-07-11' as const } };
    const escalation = planNotices(after, ab, lapsed.wake('2027-07-11'));
    expect(perRecipient(escalation.due)).toEqual({ ops: ['lapsed'] });
    expect(escalation.held).toEqual(['contact']);
    // LAPSED has no execution work left but the held email: it sleeps until then, and ends after
    const ctx = { name: after.execution.name, startedAt: lapsed.wake('2027-07-11') };
    expect(planNext(after, ab, lapsed.wake('2027-07-11'), ctx)).toEqual({ action: 'notify', iteration: 1 });
    lapsed.company = after;
    notifyAt(lapsed, lapsed.wake('2027-07-11'));
    expect(planNext(lapsed.c, ab, lapsed.wake('2027-07-11'), ctx)).toEqual({
      action: 'sleep',
      wakeAt: lapsed.wake('2027-07-12'),
      iteration: 1,
    });
    notifyAt(lapsed, lapsed.wake('2027-07-12'));
    expect(planNext(lapsed.c, ab, lapsed.wake('2027-07-12'), ctx)).toEqual({
      action: 'end',
      phase: 'LAPSED',
    });
  });
});

describe('mail delay: the mail service refuses emails for now', () => {
  const ctxOf = (d: Driver, startedAt: IsoTimestamp) => ({ name: d.c.execution.name, startedAt });

  test('the first refusal is an event; retries back off from about a minute, doubling, at most an hour', () => {
    const d = new Driver('AB');
    d.register('2027-01-10');
    const t0 = at('2027-01-10');
    const first = d.doAt({ type: 'recordMailDelay', error: 'TooManyRequestsException' }, t0, 'system');
    expect(first.workflow).toBeNull();
    expect(first.events.map((e) => [e.type, e.details])).toEqual([
      ['EMAIL_DELAYED', { error: 'TooManyRequestsException' }],
    ]);
    expect(d.c.mailDelay).toMatchObject({ since: t0, attempts: 1, error: 'TooManyRequestsException' });
    const delays: number[] = [];
    let now = t0;
    for (let attempt = 1; attempt <= 10; attempt++) {
      if (attempt > 1) {
        const retry = d.doAt({ type: 'recordMailDelay', error: 'TooManyRequestsException' }, now, 'system');
        expect(retry.events).toEqual([]); // retries are not history
      }
      const delay = d.c.mailDelay!;
      expect(delay).toMatchObject({ since: t0, attempts: attempt });
      const seconds = (Date.parse(delay.retryAt) - Date.parse(now)) / 1000;
      const base = Math.min(MAIL_RETRY.maxSeconds, MAIL_RETRY.firstSeconds * 2 ** (attempt - 1));
      // jittered within [½, 1) of the backoff, so companies refused together do not retry together
      expect(seconds).toBeGreaterThanOrEqual(base / 2);
      expect(seconds).toBeLessThan(base);
      delays.push(seconds);
      now = delay.retryAt;
    }
    expect(MAIL_RETRY).toEqual({ firstSeconds: 60, maxSeconds: 3600 });
    expect(Math.max(...delays)).toBeLessThan(3600);
    expect(delays.slice(7).every((s) => s >= 1800)).toBe(true); // capped: every try within the hour
  });

  test('the backoff is deterministic for a company and spread across companies', () => {
    const retryAfter = (companyId: string) => {
      const d = new Driver('AB', companyId);
      d.register('2027-01-10');
      d.doAt({ type: 'recordMailDelay', error: 'Throttling' }, at('2027-01-10'), 'system');
      return d.c.mailDelay!.retryAt;
    };
    expect(retryAfter('co-1')).toBe(retryAfter('co-1'));
    const spread = new Set(Array.from({ length: 20 }, (_, i) => retryAfter(`co-${i}`)));
    expect(spread.size).toBeGreaterThan(5);
  });

  test('the error is kept as a short name', () => {
    const d = new Driver('AB');
    d.register('2027-01-10');
    d.do(
      { type: 'recordMailDelay', error: 'Service <Unavailable> for casey@acme.example!' },
      '2027-01-10',
      'system',
    );
    expect(d.c.mailDelay?.error).toBe('ServiceUnavailableforcaseyacme.example');
    const e = new Driver('AB', 'co-2');
    e.register('2027-01-10');
    e.do({ type: 'recordMailDelay', error: '' }, '2027-01-10', 'system');
    expect(e.c.mailDelay?.error).toBe('Error');
    expect(e.c.history.at(-1)?.details).toEqual({ error: 'Error' });
  });

  test('the workflow does not notify before the retry; it waits until then and notifies at it', () => {
    const d = new Driver('AB');
    d.register('2027-01-10');
    const t0 = at('2027-01-10');
    expect(planNext(d.c, ab, t0, ctxOf(d, t0))).toEqual({ action: 'notify', iteration: 1 });
    d.doAt({ type: 'recordMailDelay', error: 'Throttling' }, t0, 'system');
    const retryAt = d.c.mailDelay!.retryAt;
    const waiting = planNext(d.c, ab, t0, ctxOf(d, t0));
    expect(waiting).toMatchObject({ action: 'await', step: 'DESIGNATE_TRAINEE', wakeAt: retryAt });
    expect(planNext(d.c, ab, plusMs(retryAt, -1), ctxOf(d, t0))).toMatchObject({
      action: 'await',
      waitSeconds: 1,
    });
    expect(planNext(d.c, ab, retryAt, ctxOf(d, t0))).toEqual({ action: 'notify', iteration: 1 });
    // the delay does not hold back the escalation
    expect(planNext(d.c, ab, d.wake('2027-07-11'), ctxOf(d, at('2027-07-01')))).toEqual({
      action: 'escalate',
    });
  });

  test('a terminal phase with refused emails sleeps until the retry', () => {
    const d = new Driver('AB');
    d.register('2027-01-10');
    notifyAll(d, '2027-01-10');
    const running = ctxOf(d, at('2027-01-10'));
    d.do({ type: 'withdraw' }, '2027-01-11');
    d.do({ type: 'recordMailDelay', error: 'Throttling' }, '2027-01-11', 'system');
    expect(planNext(d.c, ab, at('2027-01-11'), running)).toEqual({
      action: 'sleep',
      wakeAt: d.c.mailDelay!.retryAt,
      iteration: 1,
    });
    expect(planNext(d.c, ab, d.c.mailDelay!.retryAt, running)).toEqual({ action: 'notify', iteration: 1 });
  });

  test('emails that went before the refusal count for the day: those people are held', () => {
    const d = new Driver('AB');
    d.register('2027-01-10');
    notifyAll(d, '2027-01-10');
    d.designate('2027-01-10');
    // the trainee's email went, then the mail service refused the contact's
    d.do(
      { type: 'recordMailDelay', error: 'Throttling', emailed: ['trainee', 'ops'] },
      '2027-01-10',
      'system',
    );
    expect(d.c.lastEmailedOn).toEqual({ trainee: '2027-01-10' }); // operations are never counted
    d.designate('2027-01-10', { name: 'Tess Other', email: 'tess@acme.example' });
    const plan = planNotices(d.c, ab, d.c.mailDelay!.retryAt);
    expect(plan.held).toEqual(['trainee']);
    expect(perRecipient(plan.due)).toEqual({ contact: ['traineeEnrolment', 'traineeEnrolment'] });
  });

  test('an email that goes ends the delay; a round that emailed nobody keeps it', () => {
    const d = new Driver('AB');
    d.register('2027-01-10');
    d.do({ type: 'recordMailDelay', error: 'Throttling' }, '2027-01-10', 'system');
    d.do({ type: 'recordMailDelay', error: 'Throttling' }, '2027-01-10', 'system', '10:05:00.000Z');
    const none = d.do(
      { type: 'recordNotifications', through: d.c.history.length, reminderKeys: [], emailed: [] },
      '2027-01-10',
      'system',
      '11:00:00.000Z',
    );
    expect(none.events).toEqual([]);
    expect(d.c.mailDelay).toMatchObject({ attempts: 2 });
    const sent = d.do(
      { type: 'recordNotifications', through: d.c.history.length, reminderKeys: [], emailed: ['contact'] },
      '2027-01-10',
      'system',
      '12:00:00.000Z',
    );
    expect(sent.events.map((e) => [e.type, e.details])).toEqual([
      ['EMAIL_DELAY_ENDED', { since: at('2027-01-10'), attempts: 2 }],
    ]);
    expect(d.c.mailDelay).toBeNull();
    // a later refusal starts a new delay (and is an event again)
    const again = d.do({ type: 'recordMailDelay', error: 'Throttling' }, '2027-01-12', 'system');
    expect(again.events.map((e) => e.type)).toEqual(['EMAIL_DELAYED']);
    expect(d.c.mailDelay).toMatchObject({ since: at('2027-01-12'), attempts: 1 });
  });
});
