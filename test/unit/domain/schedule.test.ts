import {
  certificationAuditDeadline,
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
  type Deadline,
} from '../../../domain';
import { at, Driver, expectRefused, policyOf } from './helpers';

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
  test('isPastDue: from midnight UTC of the day after', () => {
    const deadline: Deadline = { step: 'PROGRAM_SUBMISSION', opensOn: '2027-01-01', dueOn: '2027-03-01' };
    expect(isPastDue(deadline, at('2027-02-28'))).toBe(false);
    expect(isPastDue(deadline, at('2027-03-01', '23:59:59.999Z'))).toBe(false);
    expect(isPastDue(deadline, at('2027-03-02', '00:00:00.000Z'))).toBe(true);
  });
});

describe('reminderSlots: every 14 days from the opening, and 7 and 1 days before the due date', () => {
  test('a 6-month step', () => {
    const slots = reminderSlots(
      { step: 'DESIGNATE_TRAINEE', opensOn: '2027-01-10', dueOn: '2027-07-10' },
      ab,
    );
    expect(slots).toEqual([
      '2027-01-24',
      '2027-02-07',
      '2027-02-21',
      '2027-03-07',
      '2027-03-21',
      '2027-04-04',
      '2027-04-18',
      '2027-05-02',
      '2027-05-16',
      '2027-05-30',
      '2027-06-13',
      '2027-06-27',
      '2027-07-03',
      '2027-07-09',
    ]);
  });
  test('slots falling on the same day are one slot', () => {
    expect(reminderSlots({ step: 'TRAINING_EXAM', opensOn: '2027-01-01', dueOn: '2027-01-22' }, ab)).toEqual([
      '2027-01-15',
      '2027-01-21',
    ]);
  });
  test('no slot on or before the opening, none on or after the due date', () => {
    expect(reminderSlots({ step: 'TRAINING_EXAM', opensOn: '2027-01-01', dueOn: '2027-01-05' }, ab)).toEqual([
      '2027-01-04',
    ]);
    expect(reminderSlots({ step: 'TRAINING_EXAM', opensOn: '2027-01-05', dueOn: '2027-01-05' }, ab)).toEqual(
      [],
    );
    expect(reminderSlots({ step: 'TRAINING_EXAM', opensOn: '2027-01-06', dueOn: '2027-01-05' }, ab)).toEqual(
      [],
    );
  });
  test('the cadence is policy data', () => {
    const weekly = { ...ab, reminderIntervalDays: 7, reminderDaysBeforeDeadline: [3] };
    expect(
      reminderSlots({ step: 'TRAINING_EXAM', opensOn: '2027-01-01', dueOn: '2027-01-20' }, weekly),
    ).toEqual(['2027-01-08', '2027-01-15', '2027-01-17']);
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
  test('none before the first slot; the slot on its day', () => {
    const d = new Driver('AB');
    d.register('2027-01-10');
    expect(remindersDue(d.c, ab, at('2027-01-23'))).toEqual([]);
    expect(remindersDue(d.c, ab, at('2027-01-24'))).toEqual([
      {
        key: 'DESIGNATE_TRAINEE|2027-07-10|2027-01-24',
        step: 'DESIGNATE_TRAINEE',
        dueOn: '2027-07-10',
        slot: '2027-01-24',
        daysLeft: 167,
        recipients: ['contact'],
      },
    ]);
  });

  test('a late wake-up sends the latest slot only, and never twice once recorded', () => {
    const d = new Driver('AB');
    d.register('2027-01-10');
    const due = remindersDue(d.c, ab, at('2027-03-01'));
    expect(due.map((r) => r.slot)).toEqual(['2027-02-21']);
    const recorded = d.do({ type: 'recordReminder', key: due[0]!.key }, '2027-03-01', 'system');
    expect(recorded.workflow).toBeNull();
    expect(recorded.events.map((e) => [e.type, e.details])).toEqual([
      ['REMINDER_SENT', { step: 'DESIGNATE_TRAINEE', dueOn: '2027-07-10', slot: '2027-02-21' }],
    ]);
    expect(remindersDue(d.c, ab, at('2027-03-01'))).toEqual([]);
    expect(remindersDue(d.c, ab, at('2027-03-06'))).toEqual([]);
    expect(remindersDue(d.c, ab, at('2027-03-07')).map((r) => r.slot)).toEqual(['2027-03-07']);
    // recording the same reminder twice is a CONFLICT
    expectRefused(
      () => d.do({ type: 'recordReminder', key: due[0]!.key }, '2027-03-02', 'system'),
      'CONFLICT',
      /DESIGNATE_TRAINEE\|2027-07-10\|2027-02-21 was already sent/,
    );
  });

  test('the last reminders: 7 days and 1 day before, none on the due day after the last is sent', () => {
    const d = new Driver('AB');
    d.register('2027-01-10');
    expect(remindersDue(d.c, ab, at('2027-07-09'))[0]).toMatchObject({ slot: '2027-07-09', daysLeft: 1 });
    d.do({ type: 'recordReminder', key: 'DESIGNATE_TRAINEE|2027-07-10|2027-07-09' }, '2027-07-09', 'system');
    expect(remindersDue(d.c, ab, at('2027-07-10'))).toEqual([]);
    expect(remindersDue(d.c, ab, at('2027-07-11'))).toEqual([]); // past due: escalation, not a reminder
  });

  test('nothing before a window opens', () => {
    const d = new Driver('AB').toImplementation();
    d.submit('2027-03-01', '2027-03-01'); // audit opens 2027-06-01
    expect(remindersDue(d.c, ab, at('2027-05-31'))).toEqual([]);
    expect(remindersDue(d.c, ab, at('2027-06-15')).map((r) => r.key)).toEqual([
      'CERTIFICATION_AUDIT|2028-03-01|2027-06-15',
    ]);
  });

  test('training reminders go to the trainee; maintenance reminders carry the year', () => {
    const t = new Driver('AB').toTraining();
    expect(remindersDue(t.c, ab, at('2027-01-25'))[0]).toMatchObject({
      step: 'TRAINING_EXAM',
      recipients: ['trainee'],
    });
    const m = new Driver('AB').certify();
    expect(remindersDue(m.c, ab, at('2027-06-15'))).toEqual([
      {
        key: 'MAINTENANCE_AUDIT2|2028-06-01|2027-06-15',
        step: 'MAINTENANCE_AUDIT',
        dueOn: '2028-06-01',
        slot: '2027-06-15',
        daysLeft: 352,
        recipients: ['contact'],
        maintenanceYear: 2,
      },
    ]);
  });

  test('the refresher has its own reminders beside the phase step', () => {
    const d = new Driver('AB').toRecertification(); // training expires 2030-02-15, refresher opens 2029-08-15
    expect(remindersDue(d.c, ab, at('2029-08-28')).map((r) => r.step)).toEqual(['RECERTIFICATION_AUDIT']);
    expect(remindersDue(d.c, ab, at('2029-08-29')).map((r) => [r.key, r.recipients])).toEqual([
      ['RECERTIFICATION_AUDIT|2030-06-01|2029-08-24', ['contact']],
      ['TRAINING_REFRESHER|2030-02-15|2029-08-29', ['trainee']],
    ]);
  });

  test('no reminders in LAPSED, CANCELLED, WITHDRAWN or FAILED', () => {
    const d = new Driver('AB').toTraining();
    d.do({ type: 'recordFailure', cause: 'x' }, '2027-01-12', 'system');
    expect(remindersDue(d.c, ab, at('2027-01-25'))).toEqual([]);
    expect(openDeadlines(d.c, ab)).toEqual([]);
    d.do({ type: 'redrive' }, '2027-01-13', 'ops');
    d.deadlinePassed('2027-07-11');
    expect(remindersDue(d.c, ab, at('2027-07-12'))).toEqual([]);
  });

  test('a refresher reminder is not sent again when recertification starts a new cycle', () => {
    const d = new Driver('AB').toRecertification();
    const refresher = remindersDue(d.c, ab, at('2029-08-29')).find((r) => r.step === 'TRAINING_REFRESHER');
    expect(refresher?.key).toBe('TRAINING_REFRESHER|2030-02-15|2029-08-29');
    d.do({ type: 'recordReminder', key: refresher!.key }, '2029-08-29', 'system');
    d.audit('recertification', 90, '2029-08-30');
    expect(d.c.cycle).toBe(2);
    expect(remindersDue(d.c, ab, at('2029-08-31')).map((r) => r.key)).not.toContain(refresher!.key);
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
  test('the next reminder slot', () => {
    const d = new Driver('AB');
    d.register('2027-01-10');
    expect(nextWakeAt(d.c, ab, at('2027-01-10'))).toBe('2027-01-24T00:00:00.000Z');
    expect(nextWakeAt(d.c, ab, at('2027-01-24'))).toBe('2027-02-07T00:00:00.000Z');
    expect(nextWakeAt(d.c, ab, at('2027-07-03'))).toBe('2027-07-09T00:00:00.000Z');
  });
  test('after the last slot: the moment the deadline passes', () => {
    const d = new Driver('AB');
    d.register('2027-01-10');
    expect(nextWakeAt(d.c, ab, at('2027-07-09'))).toBe('2027-07-11T00:00:00.000Z');
    expect(nextWakeAt(d.c, ab, at('2027-07-10'))).toBe('2027-07-11T00:00:00.000Z');
    expect(isOverdue(d.c, at('2027-07-10'))).toBe(false);
    // once overdue, nothing is scheduled: the deadline must be processed
    expect(nextWakeAt(d.c, ab, at('2027-07-11'))).toBeNull();
    expect(isOverdue(d.c, at('2027-07-11'))).toBe(true);
  });
  test('a window opening in the future', () => {
    const d = new Driver('AB').toImplementation();
    d.submit('2027-03-01', '2027-03-01'); // opens 2027-06-01; the refresher opens 2029-08-15
    expect(nextWakeAt(d.c, ab, at('2027-03-01'))).toBe('2027-06-01T00:00:00.000Z');
  });
  test('the refresher expiry is not an event: only its reminders wake the workflow', () => {
    const d = new Driver('AB').toRecertification();
    const onlyRefresher = { ...d.c, nextDeadline: null };
    expect(nextWakeAt(onlyRefresher, ab, at('2030-02-08'))).toBe('2030-02-13T00:00:00.000Z');
    expect(nextWakeAt(onlyRefresher, ab, at('2030-02-13'))).toBe('2030-02-14T00:00:00.000Z');
    expect(nextWakeAt(onlyRefresher, ab, at('2030-02-14'))).toBeNull();
  });
  test('nothing for a terminal phase', () => {
    const d = new Driver('AB').toTraining();
    d.do({ type: 'withdraw' }, '2027-02-01');
    expect(nextWakeAt(d.c, ab, at('2027-02-01'))).toBeNull();
    expect(isOverdue(d.c, at('2030-01-01'))).toBe(false);
  });
});
