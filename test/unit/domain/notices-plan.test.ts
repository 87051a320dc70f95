import {
  eventNoticesDue,
  MAX_EXECUTION_DAYS,
  MAX_ITERATIONS,
  MAX_WAIT_SECONDS,
  noticesDue,
  phaseInput,
  planNext,
  type Company,
  type HistoryEvent,
} from '../../../domain';
import { at, Driver, policyOf } from './helpers';

const ab = policyOf('AB');

/** Records every notice due as sent, as the notifier does after sending them. */
function notifyAll(d: Driver, day: string): void {
  const notices = noticesDue(d.c, d.policy, at(day));
  d.do(
    {
      type: 'recordNotifications',
      through: d.c.history.length,
      reminderKeys: notices.filter((n) => n.kind === 'reminder').map((n) => n.key),
    },
    day,
    'system',
  );
}

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
    const d = new Driver('AB').toRecertification();
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
    expect(noticesDue(d.c, ab, at('2027-06-15'))).toEqual([
      {
        key: 'MAINTENANCE_AUDIT2|2028-06-01|2027-06-15',
        kind: 'reminder',
        recipients: ['contact'],
        reminder: { step: 'MAINTENANCE_AUDIT', dueOn: '2028-06-01', daysLeft: 352, maintenanceYear: 2 },
      },
    ]);
    const t = new Driver('AB').toTraining();
    notifyAll(t, '2027-01-11');
    expect(noticesDue(t.c, ab, at('2027-01-25'))).toEqual([
      {
        key: 'TRAINING_EXAM|2027-07-10|2027-01-25',
        kind: 'reminder',
        recipients: ['trainee'],
        reminder: { step: 'TRAINING_EXAM', dueOn: '2027-07-10', daysLeft: 166 },
      },
    ]);
  });
});

describe('recordNotifications', () => {
  test('marks event notices and reminders sent; nothing is due twice', () => {
    const d = new Driver('AB');
    d.register('2027-01-10');
    expect(noticesDue(d.c, ab, at('2027-01-24')).map((n) => n.kind)).toEqual(['welcome', 'reminder']);
    const decision = d.do(
      {
        type: 'recordNotifications',
        through: d.c.history.length,
        reminderKeys: ['DESIGNATE_TRAINEE|2027-07-10|2027-01-24'],
      },
      '2027-01-24',
      'system',
    );
    expect(decision.workflow).toBeNull();
    expect(decision.events.map((e) => e.type)).toEqual(['REMINDER_SENT']);
    expect(d.c.notifiedThrough).toBe(1);
    expect(d.c.remindersSent).toEqual(['DESIGNATE_TRAINEE|2027-07-10|2027-01-24']);
    expect(noticesDue(d.c, ab, at('2027-01-24'))).toEqual([]);

    // recording the same again is harmless (no CONFLICT, no new event)
    const again = d.do(
      { type: 'recordNotifications', through: 1, reminderKeys: ['DESIGNATE_TRAINEE|2027-07-10|2027-01-24'] },
      '2027-01-25',
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

  test('bounds: an execution continues before a year; a wait fits a timer (< 2^31 ms)', () => {
    expect(MAX_EXECUTION_DAYS).toBeLessThan(365);
    expect(MAX_WAIT_SECONDS * 1000).toBeLessThan(2 ** 31);
    expect(MAX_ITERATIONS).toBeGreaterThan(MAX_EXECUTION_DAYS / 7); // room for a reminder a week and some actions
  });

  test('notify while notices are due, then await the human step until the next reminder', () => {
    const d = registered();
    expect(planNext(d.c, ab, at('2027-01-10'), ctx(d))).toEqual({ action: 'notify', iteration: 1 });
    notifyAll(d, '2027-01-10');
    expect(planNext(d.c, ab, at('2027-01-10'), ctx(d, at('2027-01-10'), 1))).toEqual({
      action: 'await',
      step: 'DESIGNATE_TRAINEE',
      waitSeconds: 13 * 86_400 + 14 * 3_600,
      wakeAt: '2027-01-24T00:00:00.000Z',
      iteration: 2,
    });
  });

  test('a wait is never longer than MAX_WAIT_SECONDS, nor shorter than a second', () => {
    const d = registered();
    notifyAll(d, '2027-01-10');
    const sparse = { ...ab, reminderIntervalDays: 100, reminderDaysBeforeDeadline: [1] };
    expect(planNext(d.c, sparse, at('2027-01-10'), ctx(d))).toMatchObject({
      action: 'await',
      waitSeconds: MAX_WAIT_SECONDS,
      wakeAt: '2027-04-20T00:00:00.000Z',
    });
    expect(planNext(d.c, ab, '2027-01-23T23:59:59.999Z', ctx(d))).toMatchObject({
      action: 'await',
      waitSeconds: 1,
    });
  });

  test('sleep until a window opens', () => {
    const d = new Driver('AB').toImplementation();
    d.submit('2027-03-01', '2027-03-01'); // the audit opens 2027-06-01
    notifyAll(d, '2027-03-01');
    expect(planNext(d.c, ab, at('2027-03-01'), ctx(d, at('2027-03-01')))).toEqual({
      action: 'sleep',
      wakeAt: '2027-06-01T00:00:00.000Z',
      iteration: 1,
    });
  });

  test('escalate once the deadline has passed', () => {
    const d = registered();
    notifyAll(d, '2027-01-10');
    notifyAll(d, '2027-07-10');
    expect(planNext(d.c, ab, at('2027-07-10'), ctx(d))).toMatchObject({
      action: 'await',
      wakeAt: '2027-07-11T00:00:00.000Z',
    });
    expect(planNext(d.c, ab, '2027-07-11T00:00:00.000Z', ctx(d))).toEqual({ action: 'escalate' });
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
