import {
  certificationAuditDeadline,
  deadlineEndsAt,
  escalationAt,
  isOverdue,
  isPastDue,
  maintenanceDeadline,
  nextWakeAt,
  openDeadlines,
  programDeadline,
  recertificationDeadline,
  refresherDeadline,
  reminderKey,
  reminderSlots,
  remindersDue,
  STEP_RECIPIENTS,
  trainingDeadline,
  zoneOf,
  type Deadline,
} from '../../../domain';
import { at, Driver, expectRefused, plusMs, policyOf, wakeOn } from './helpers';

const ab = policyOf('AB');

describe('deadline builders', () => {
  test('training: due N months from the base date', () => {
    expect(trainingDeadline(ab, 'DESIGNATE_TRAINEE', '2027-08-31', '2027-08-31')).toEqual({
      step: 'DESIGNATE_TRAINEE',
      opensOn: '2027-08-31',
      dueOn: '2028-02-29',
    });
    expect(trainingDeadline(ab, 'TRAINING_EXAM', '2027-01-10', '2027-02-01').dueOn).toBe('2027-07-10');
  });
  test('program: 6 months from the training pass', () => {
    expect(programDeadline(ab, '2028-02-29')).toEqual({
      step: 'PROGRAM_SUBMISSION',
      opensOn: '2028-02-29',
      dueOn: '2028-08-29',
    });
  });
  test('certification audit: opens at the later of submission and minimum implementation', () => {
    expect(certificationAuditDeadline(ab, '2027-03-01', '2027-01-01')).toEqual({
      step: 'CERTIFICATION_AUDIT',
      opensOn: '2027-03-01',
      dueOn: '2028-03-01',
    });
    expect(certificationAuditDeadline(policyOf('SK'), '2027-03-01', '2027-09-01')).toEqual({
      step: 'CERTIFICATION_AUDIT',
      opensOn: '2027-09-01',
      dueOn: '2028-09-01',
    });
  });
  test('maintenance and recertification windows', () => {
    expect(maintenanceDeadline(ab, '2027-06-01', 2)).toEqual({
      step: 'MAINTENANCE_AUDIT',
      opensOn: '2027-06-01',
      dueOn: '2028-06-01',
      maintenanceYear: 2,
    });
    expect(maintenanceDeadline(ab, '2027-06-01', 3)).toEqual({
      step: 'MAINTENANCE_AUDIT',
      opensOn: '2028-06-01',
      dueOn: '2029-06-01',
      maintenanceYear: 3,
    });
    expect(maintenanceDeadline(policyOf('BC'), '2027-06-01', 3).dueOn).toBe('2029-12-31');
    expect(recertificationDeadline('2027-06-01', '2030-06-01')).toEqual({
      step: 'RECERTIFICATION_AUDIT',
      opensOn: '2029-06-01',
      dueOn: '2030-06-01',
    });
  });
  test('isPastDue: from local midnight after the due date, in the company’s province', () => {
    const deadline: Deadline = { step: 'PROGRAM_SUBMISSION', opensOn: '2027-01-01', dueOn: '2027-07-01' };
    const edmonton = 'America/Edmonton'; // UTC−6 in July
    expect(deadlineEndsAt(deadline, edmonton)).toBe('2027-07-02T06:00:00.000Z');
    expect(isPastDue(deadline, at('2027-06-30'), edmonton)).toBe(false);
    // midnight UTC is still 18:00 on the due date in Alberta
    expect(isPastDue(deadline, '2027-07-02T00:00:00.000Z', edmonton)).toBe(false);
    expect(isPastDue(deadline, '2027-07-02T05:59:59.999Z', edmonton)).toBe(false);
    expect(isPastDue(deadline, '2027-07-02T06:00:00.000Z', edmonton)).toBe(true);
    // Ontario's day ended two hours earlier
    expect(isPastDue(deadline, '2027-07-02T04:00:00.000Z', 'America/Toronto')).toBe(true);
    expect(isPastDue(deadline, '2027-07-02T04:00:00.000Z', edmonton)).toBe(false);
  });
  test('escalationAt: the company’s wake on the day after the due date, after the deadline ended', () => {
    const d = new Driver('AB');
    d.register('2027-01-10');
    const deadline = d.c.nextDeadline!;
    expect(deadline.dueOn).toBe('2027-07-10');
    const escalation = escalationAt(d.c, deadline);
    expect(escalation).toBe(wakeOn(d.c, '2027-07-11'));
    expect(escalation).toMatch(/^2027-07-11T16:33:\d\d\.000Z$/); // co-1 wakes at 10:33 local (UTC−6 in July)
    expect(Date.parse(escalation)).toBeGreaterThan(Date.parse(deadlineEndsAt(deadline, zoneOf(d.c))));
  });
});

describe('reminderSlots: an opening notice when the window opens later, then 60, 30, 14, 7 and 1 days before', () => {
  const reminders = (...on: string[]) => on.map((o) => ({ on: o, kind: 'reminder' }));

  test('a 6-month step told of on the day it opens: the lead days before its due date', () => {
    expect(ab.reminderDaysBeforeDeadline).toEqual([60, 30, 14, 7, 1]);
    const slots = reminderSlots(
      { step: 'DESIGNATE_TRAINEE', opensOn: '2027-01-10', dueOn: '2027-07-10' },
      ab,
      '2027-01-10',
    );
    expect(slots).toEqual(reminders('2027-05-11', '2027-06-10', '2027-06-26', '2027-07-03', '2027-07-09'));
  });
  test('a window opening after the company was told of it: an opening notice on the day it opens', () => {
    const slots = reminderSlots(
      { step: 'CERTIFICATION_AUDIT', opensOn: '2027-06-01', dueOn: '2028-03-01' },
      ab,
      '2027-03-01',
    );
    expect(slots).toEqual([
      { on: '2027-06-01', kind: 'opening' },
      ...reminders('2028-01-01', '2028-01-31', '2028-02-16', '2028-02-23', '2028-02-29'),
    ]);
    // told on the day it opens (or later): the email that told it is the opening notice
    expect(
      reminderSlots(
        { step: 'CERTIFICATION_AUDIT', opensOn: '2027-06-01', dueOn: '2028-03-01' },
        ab,
        '2027-06-01',
      )
        .map((s) => s.kind)
        .includes('opening'),
    ).toBe(false);
  });
  test('only slots after the company was told: a deadline announced late keeps only the later reminders', () => {
    expect(
      reminderSlots(
        { step: 'TRAINING_EXAM', opensOn: '2027-01-10', dueOn: '2027-07-10' },
        ab,
        '2027-06-26', // told on the day of the 14-day reminder: that one is not sent again
      ),
    ).toEqual(reminders('2027-07-03', '2027-07-09'));
  });
  test('slots falling on the same day are one slot', () => {
    const doubled = { ...ab, reminderDaysBeforeDeadline: [14, 7, 7, 1] };
    expect(
      reminderSlots(
        { step: 'TRAINING_EXAM', opensOn: '2027-01-01', dueOn: '2027-01-22' },
        doubled,
        '2027-01-01',
      ),
    ).toEqual(reminders('2027-01-08', '2027-01-15', '2027-01-21'));
  });
  test('no slot on or before the opening, none on or after the due date', () => {
    const slots = (opensOn: string, dueOn: string, announcedOn: string) =>
      reminderSlots({ step: 'TRAINING_EXAM', opensOn, dueOn }, ab, announcedOn);
    expect(slots('2027-01-01', '2027-01-05', '2027-01-01')).toEqual(reminders('2027-01-04'));
    expect(slots('2027-01-05', '2027-01-05', '2027-01-05')).toEqual([]);
    // a window opening on its due date still has its opening notice, and nothing else
    expect(slots('2027-01-05', '2027-01-05', '2027-01-01')).toEqual([{ on: '2027-01-05', kind: 'opening' }]);
    // a deadline that closed before it opened has no notice at all
    expect(slots('2027-01-06', '2027-01-05', '2027-01-01')).toEqual([]);
    // a 7-day reminder on the day the window opens is that day's opening notice
    expect(slots('2027-01-15', '2027-01-22', '2027-01-01')).toEqual([
      { on: '2027-01-15', kind: 'opening' },
      ...reminders('2027-01-21'),
    ]);
  });
  test('the schedule is policy data (and the old interval reminders are gone)', () => {
    const custom = { ...ab, reminderDaysBeforeDeadline: [10, 3] };
    expect(
      reminderSlots(
        { step: 'TRAINING_EXAM', opensOn: '2027-01-01', dueOn: '2027-01-20' },
        custom,
        '2027-01-01',
      ),
    ).toEqual(reminders('2027-01-10', '2027-01-17'));
    expect('reminderIntervalDays' in ab).toBe(false);
  });
  test('reminderKey names the step (and maintenance year), the due date and the slot', () => {
    expect(
      reminderKey({ step: 'PROGRAM_SUBMISSION', opensOn: '2027-01-01', dueOn: '2027-03-01' }, '2027-01-15'),
    ).toBe('PROGRAM_SUBMISSION|2027-03-01|2027-01-15');
    expect(reminderKey(maintenanceDeadline(ab, '2027-06-01', 3), '2028-06-15')).toBe(
      'MAINTENANCE_AUDIT3|2029-06-01|2028-06-15',
    );
  });
  test('the trainee hears about training steps, the contact about the rest', () => {
    expect(STEP_RECIPIENTS.TRAINING_EXAM).toEqual(['trainee']);
    expect(STEP_RECIPIENTS.TRAINING_REFRESHER).toEqual(['trainee']);
    expect(STEP_RECIPIENTS.DESIGNATE_TRAINEE).toEqual(['contact']);
    expect(STEP_RECIPIENTS.MAINTENANCE_AUDIT).toEqual(['contact']);
  });
});

describe('remindersDue', () => {
  test('none before the first slot; the slot at the company’s wake on its day', () => {
    const d = new Driver('AB');
    d.register('2027-01-10');
    expect(d.c.deadlineAnnouncedOn).toBe('2027-01-10');
    expect(remindersDue(d.c, ab, at('2027-05-10'))).toEqual([]);
    // on the slot's day, nothing before the company's business-hours minute (10:33 MDT for co-1)
    expect(remindersDue(d.c, ab, at('2027-05-11'))).toEqual([]);
    expect(remindersDue(d.c, ab, plusMs(d.wake('2027-05-11'), -1))).toEqual([]);
    expect(remindersDue(d.c, ab, d.wake('2027-05-11'))).toEqual([
      {
        key: 'DESIGNATE_TRAINEE|2027-07-10|2027-05-11',
        step: 'DESIGNATE_TRAINEE',
        dueOn: '2027-07-10',
        slot: '2027-05-11',
        kind: 'reminder',
        daysLeft: 60,
        recipients: ['contact'],
      },
    ]);
  });

  test('a late wake-up (an outage, a clock jump) sends the latest slot only, and never twice once recorded', () => {
    const d = new Driver('AB');
    d.register('2027-01-10');
    const due = remindersDue(d.c, ab, at('2027-06-20'));
    expect(due.map((r) => [r.slot, r.daysLeft])).toEqual([['2027-06-10', 20]]);
    const recorded = d.do({ type: 'recordReminder', key: due[0]!.key }, '2027-06-20', 'system');
    expect(recorded.workflow).toBeNull();
    expect(recorded.events.map((e) => [e.type, e.details])).toEqual([
      ['REMINDER_SENT', { step: 'DESIGNATE_TRAINEE', dueOn: '2027-07-10', slot: '2027-06-10' }],
    ]);
    expect(remindersDue(d.c, ab, at('2027-06-20'))).toEqual([]);
    expect(remindersDue(d.c, ab, at('2027-06-26'))).toEqual([]); // before the wake of the 14-day slot
    expect(remindersDue(d.c, ab, d.wake('2027-06-26')).map((r) => r.slot)).toEqual(['2027-06-26']);
    // the clock jumps past the 14- and 7-day slots: only the 1-day one goes, no burst of the missed ones
    expect(remindersDue(d.c, ab, d.wake('2027-07-09')).map((r) => [r.slot, r.daysLeft])).toEqual([
      ['2027-07-09', 1],
    ]);
    // recording the same reminder twice is a CONFLICT
    expectRefused(
      () => d.do({ type: 'recordReminder', key: due[0]!.key }, '2027-06-21', 'system'),
      'CONFLICT',
      /DESIGNATE_TRAINEE\|2027-07-10\|2027-06-10 was already sent/,
    );
  });

  test('the last reminders: 7 days and 1 day before, none on the due day after the last is sent', () => {
    const d = new Driver('AB');
    d.register('2027-01-10');
    expect(remindersDue(d.c, ab, d.wake('2027-07-03'))[0]).toMatchObject({ slot: '2027-07-03', daysLeft: 7 });
    expect(remindersDue(d.c, ab, d.wake('2027-07-09'))[0]).toMatchObject({ slot: '2027-07-09', daysLeft: 1 });
    d.do({ type: 'recordReminder', key: 'DESIGNATE_TRAINEE|2027-07-10|2027-07-09' }, '2027-07-09', 'system');
    expect(remindersDue(d.c, ab, d.wake('2027-07-10'))).toEqual([]);
    // past due (escalation, not a reminder), even for a reminder not sent
    const unsent = { ...d.c, remindersSent: [] };
    expect(remindersDue(unsent, ab, '2027-07-11T05:59:59.999Z')).toHaveLength(1); // 23:59 MDT on the due date
    expect(remindersDue(unsent, ab, '2027-07-11T06:00:00.000Z')).toEqual([]);
  });

  test('nothing before a window opens; an opening notice when it opens after the company was told', () => {
    const d = new Driver('AB').toImplementation();
    d.submit('2027-03-01', '2027-03-01'); // the audit opens 2027-06-01 (3 months of implementation)
    expect(d.c.nextDeadline).toMatchObject({ opensOn: '2027-06-01', dueOn: '2028-03-01' });
    expect(d.c.deadlineAnnouncedOn).toBe('2027-03-01');
    expect(remindersDue(d.c, ab, at('2027-05-31'))).toEqual([]);
    expect(remindersDue(d.c, ab, at('2027-06-01'))).toEqual([]); // the window is open, the wake not yet come
    const opening = remindersDue(d.c, ab, d.wake('2027-06-01'));
    expect(opening).toEqual([
      {
        key: 'CERTIFICATION_AUDIT|2028-03-01|2027-06-01',
        step: 'CERTIFICATION_AUDIT',
        dueOn: '2028-03-01',
        slot: '2027-06-01',
        kind: 'opening',
        daysLeft: 274,
        recipients: ['contact'],
      },
    ]);
    d.do({ type: 'recordReminder', key: opening[0]!.key }, '2027-06-01', 'system');
    expect(remindersDue(d.c, ab, at('2027-12-31'))).toEqual([]);
    expect(remindersDue(d.c, ab, d.wake('2028-01-01'))).toMatchObject([
      { slot: '2028-01-01', kind: 'reminder' },
    ]);
  });

  test('a window open when the company is told of it has no opening notice', () => {
    const d = new Driver('AB').toImplementation();
    d.submit('2027-03-01', '2026-01-01'); // implemented long enough: the audit opens on submission
    expect(d.c.nextDeadline).toMatchObject({ opensOn: '2027-03-01', dueOn: '2028-03-01' });
    expect(remindersDue(d.c, ab, d.wake('2027-03-01'))).toEqual([]);
    expect(remindersDue(d.c, ab, at('2027-12-31'))).toEqual([]);
    expect(remindersDue(d.c, ab, d.wake('2028-01-01')).map((r) => r.kind)).toEqual(['reminder']);
  });

  test('training reminders go to the trainee; maintenance reminders carry the year', () => {
    const t = new Driver('AB').toTraining();
    expect(remindersDue(t.c, ab, t.wake('2027-05-11'))[0]).toMatchObject({
      step: 'TRAINING_EXAM',
      recipients: ['trainee'],
    });
    const m = new Driver('AB').certify();
    expect(remindersDue(m.c, ab, m.wake('2027-06-15'))).toEqual([]);
    expect(remindersDue(m.c, ab, m.wake('2028-04-02'))).toEqual([
      {
        key: 'MAINTENANCE_AUDIT2|2028-06-01|2028-04-02',
        step: 'MAINTENANCE_AUDIT',
        dueOn: '2028-06-01',
        slot: '2028-04-02',
        kind: 'reminder',
        daysLeft: 60,
        recipients: ['contact'],
        maintenanceYear: 2,
      },
    ]);
  });

  test('the refresher has its own notices beside the phase step', () => {
    const d = new Driver('AB').toRecertification({ refresher: false }); // training expires 2030-02-15, refresher opens 2029-08-15
    // recertification opened 2029-06-01, after the year-3 audit of 2029-05-01 announced it
    expect(remindersDue(d.c, ab, at('2029-08-15')).map((r) => [r.key, r.kind])).toEqual([
      ['RECERTIFICATION_AUDIT|2030-06-01|2029-06-01', 'opening'],
    ]);
    expect(remindersDue(d.c, ab, d.wake('2029-08-15')).map((r) => [r.key, r.kind, r.recipients])).toEqual([
      ['RECERTIFICATION_AUDIT|2030-06-01|2029-06-01', 'opening', ['contact']],
      ['TRAINING_REFRESHER|2030-02-15|2029-08-15', 'opening', ['trainee']],
    ]);
    expect(remindersDue(d.c, ab, d.wake('2030-02-14')).map((r) => r.key)).toEqual([
      'RECERTIFICATION_AUDIT|2030-06-01|2029-06-01',
      'TRAINING_REFRESHER|2030-02-15|2030-02-14',
    ]);
  });

  test('no reminders in LAPSED, CANCELLED, WITHDRAWN or FAILED', () => {
    const d = new Driver('AB').toTraining();
    d.do({ type: 'recordFailure', cause: 'x' }, '2027-01-12', 'system');
    expect(remindersDue(d.c, ab, d.wake('2027-05-11'))).toEqual([]);
    expect(openDeadlines(d.c, ab)).toEqual([]);
    d.do({ type: 'redrive' }, '2027-01-13', 'ops');
    d.deadlinePassed('2027-07-11');
    expect(remindersDue(d.c, ab, d.wake('2027-07-12'))).toEqual([]);
  });

  test('a refresher notice is not sent again when recertification starts a new cycle', () => {
    const d = new Driver('AB').toRecertification({ refresher: false });
    const refresher = remindersDue(d.c, ab, d.wake('2029-08-15')).find(
      (r) => r.step === 'TRAINING_REFRESHER',
    );
    expect(refresher?.key).toBe('TRAINING_REFRESHER|2030-02-15|2029-08-15');
    d.do({ type: 'recordReminder', key: refresher!.key }, '2029-08-16', 'system');
    d.audit('recertification', 90, '2029-08-30');
    expect(d.c.cycle).toBe(2);
    expect(remindersDue(d.c, ab, d.wake('2029-08-31')).map((r) => r.key)).not.toContain(refresher!.key);
    expectRefused(
      () => d.do({ type: 'recordReminder', key: refresher!.key }, '2029-08-31', 'system'),
      'CONFLICT',
    );
  });

  test('keys of closed deadlines are dropped as new reminders are recorded', () => {
    const d = new Driver('AB').toImplementation();
    d.do({ type: 'recordReminder', key: 'PROGRAM_SUBMISSION|2027-08-15|2027-03-01' }, '2027-03-01', 'system');
    d.submit('2027-03-02');
    d.do(
      { type: 'recordReminder', key: 'CERTIFICATION_AUDIT|2028-03-02|2027-03-16' },
      '2027-03-16',
      'system',
    );
    expect(d.c.remindersSent).toEqual(['CERTIFICATION_AUDIT|2028-03-02|2027-03-16']);
  });

  test('older records without deadlineAnnouncedOn: announced on the local date the phase was entered', () => {
    const d = new Driver('AB').toImplementation();
    d.submit('2027-03-01', '2027-03-01');
    const { deadlineAnnouncedOn: _, ...old } = d.c;
    expect(old.phaseEnteredAt).toBe(at('2027-03-01'));
    expect(remindersDue(old, ab, d.wake('2027-06-01'))).toEqual(remindersDue(d.c, ab, d.wake('2027-06-01')));
    // a phase entered late in the evening (local) counts on its local date, not the UTC one
    const late = { ...old, phaseEnteredAt: '2027-06-01T05:00:00.000Z' }; // 23:00 MDT on 31 May
    expect(remindersDue(late, ab, d.wake('2027-06-01')).map((r) => r.kind)).toEqual(['opening']);
    const opened = { ...old, phaseEnteredAt: '2027-06-01T07:00:00.000Z' }; // 01:00 MDT on 1 June
    expect(remindersDue(opened, ab, d.wake('2027-06-01'))).toEqual([]);
  });
});

describe('refresherDeadline and openDeadlines', () => {
  test('no refresher before the training is passed', () => {
    const d = new Driver('AB').toTraining();
    expect(refresherDeadline(d.c, ab)).toBeNull();
    expect(openDeadlines(d.c, ab)).toEqual([d.c.nextDeadline]);
  });
  test('the refresher opens 6 months before the training certificate expires', () => {
    const d = new Driver('AB').toImplementation();
    expect(refresherDeadline(d.c, ab)).toEqual({
      step: 'TRAINING_REFRESHER',
      opensOn: '2029-08-15',
      dueOn: '2030-02-15',
    });
    expect(openDeadlines(d.c, ab).map((x) => x.step)).toEqual(['PROGRAM_SUBMISSION', 'TRAINING_REFRESHER']);
    expect(refresherDeadline({ ...d.c, trainee: null }, ab)).toBeNull();
  });
});

describe('nextWakeAt', () => {
  test('the next notice, at the company’s wake on its day', () => {
    const d = new Driver('AB');
    d.register('2027-01-10');
    expect(nextWakeAt(d.c, ab, at('2027-01-10'))).toBe(d.wake('2027-05-11'));
    expect(d.wake('2027-05-11')).toMatch(/^2027-05-11T16:33:\d\d\.000Z$/); // 10:33 MDT
    expect(nextWakeAt(d.c, ab, d.wake('2027-05-11'))).toBe(d.wake('2027-06-10'));
    expect(nextWakeAt(d.c, ab, at('2027-07-03'))).toBe(d.wake('2027-07-03'));
    expect(nextWakeAt(d.c, ab, d.wake('2027-07-03'))).toBe(d.wake('2027-07-09'));
  });
  test('after the last slot: the escalation, at the company’s wake the day after the due date', () => {
    const d = new Driver('AB');
    d.register('2027-01-10');
    const escalation = d.wake('2027-07-11');
    expect(nextWakeAt(d.c, ab, d.wake('2027-07-09'))).toBe(escalation);
    expect(nextWakeAt(d.c, ab, at('2027-07-10'))).toBe(escalation);
    expect(isOverdue(d.c, '2027-07-11T05:59:59.999Z')).toBe(false); // 23:59:59.999 MDT on the due date
    // the deadline has passed at local midnight; the escalation waits for the company's business hours
    expect(isOverdue(d.c, '2027-07-11T06:00:00.000Z')).toBe(true);
    expect(nextWakeAt(d.c, ab, '2027-07-11T06:00:00.000Z')).toBe(escalation);
    // from the escalation on, nothing is scheduled: the deadline must be processed
    expect(nextWakeAt(d.c, ab, escalation)).toBeNull();
    expect(isOverdue(d.c, escalation)).toBe(true);
  });
  test('a window opening in the future', () => {
    const d = new Driver('AB').toImplementation();
    d.submit('2027-03-01', '2027-03-01'); // opens 2027-06-01; the refresher opens 2029-08-15
    expect(nextWakeAt(d.c, ab, at('2027-03-01'))).toBe(d.wake('2027-06-01'));
    expect(d.wake('2027-06-01')).toMatch(/^2027-06-01T16:33:\d\d\.000Z$/);
  });
  test('the refresher expiry is not an event: only its notices wake the workflow', () => {
    const d = new Driver('AB').toRecertification({ refresher: false });
    const onlyRefresher = { ...d.c, nextDeadline: null };
    expect(nextWakeAt(onlyRefresher, ab, at('2030-02-08'))).toBe(d.wake('2030-02-08'));
    expect(nextWakeAt(onlyRefresher, ab, d.wake('2030-02-08'))).toBe(d.wake('2030-02-14'));
    expect(nextWakeAt(onlyRefresher, ab, d.wake('2030-02-14'))).toBeNull();
  });
  test('each company wakes at its own minute; a province wakes in its own time zone', () => {
    const a = new Driver('AB', 'co-1');
    a.register('2027-01-10');
    const b = new Driver('AB', 'co-2');
    b.register('2027-01-10');
    expect(nextWakeAt(a.c, ab, at('2027-01-10'))).not.toBe(nextWakeAt(b.c, ab, at('2027-01-10')));
    const bc = new Driver('BC', 'co-1');
    bc.register('2027-01-10');
    // the same minute (10:33 local), an hour later in UTC: Pacific time
    const bcWake = nextWakeAt(bc.c, policyOf('BC'), at('2027-01-10'));
    expect(bcWake).toBe(bc.wake('2027-05-11'));
    expect(bcWake).toMatch(/^2027-05-11T17:33:\d\d\.000Z$/);
    expect(Date.parse(bcWake!) - Date.parse(a.wake('2027-05-11'))).toBe(3_600_000);
  });
  test('nothing for a terminal phase', () => {
    const d = new Driver('AB').toTraining();
    d.do({ type: 'withdraw' }, '2027-02-01');
    expect(nextWakeAt(d.c, ab, at('2027-02-01'))).toBeNull();
    expect(isOverdue(d.c, at('2030-01-01'))).toBe(false);
  });
});
