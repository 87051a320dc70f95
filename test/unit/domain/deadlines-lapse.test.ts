import { addDays, addMonths, endOfLocalDay, escalationAt, isOverdue, type Decision } from '../../../domain';
import { at, DAYS, Driver, expectRefused, plusMs, TRAINEE } from './helpers';

/** The re-entry execution: the phase's name with a `-r<n>` suffix. */
const rerunName = (phaseKey: string, cycle = 1) => new RegExp(`^co-1-c${cycle}-${phaseKey}-r\\d+$`);

/** Day before and on the due date: TOO_EARLY; the day after: LAPSED at `phase`/`step`. */
function lapse(d: Driver, phase: string, step: string, dueOn: string): Decision {
  expect(d.c.nextDeadline).toMatchObject({ step, dueOn });
  const before = structuredClone(d.c);
  expectRefused(() => d.deadlinePassed(addDays(dueOn, -1)), 'TOO_EARLY');
  expectRefused(
    () => d.deadlinePassed(dueOn),
    'TOO_EARLY',
    new RegExp(`the ${step} deadline is ${dueOn}; it has not passed`),
  );
  expect(d.c).toEqual(before);
  const decision = d.deadlinePassed(addDays(dueOn, 1));
  expect(decision.workflow).toBeNull();
  expect(decision.events).toEqual([
    { at: at(addDays(dueOn, 1)), type: 'LAPSED', by: 'system', details: { phase, step, dueOn } },
  ]);
  expect(d.c).toMatchObject({
    phase: 'LAPSED',
    lapsed: { phase, step, dueOn },
    nextDeadline: null,
    maintenanceYear: null,
    phaseEnteredAt: at(addDays(dueOn, 1)),
  });
  expectRefused(() => d.deadlinePassed(addDays(dueOn, 2)), 'WRONG_PHASE', /only an open step/);
  return decision;
}

describe('step deadlines before certification lapse the company; it re-enters by doing the step', () => {
  test('DESIGNATE_TRAINEE (6 months from registration)', () => {
    const d = new Driver('AB');
    d.register('2027-01-10');
    lapse(d, 'REGISTERED', 'DESIGNATE_TRAINEE', '2027-07-10');
    expectRefused(
      () => d.exam(90, '2027-08-01'),
      'WRONG_PHASE',
      /LAPSED \(the DESIGNATE_TRAINEE deadline of 2027-07-10 passed; re-enter at that step\)/,
    );
    expectRefused(() => d.reEnrol('2027-08-01'), 'WRONG_PHASE', /designate the trainee first/);

    const reentry = d.designate('2027-09-01');
    expect(reentry.workflow).toBe('start');
    expect(reentry.events.map((e) => e.type)).toEqual(['TRAINEE_DESIGNATED', 'REENTERED', 'PHASE_ENTERED']);
    expect(reentry.events[1]?.details).toEqual({ step: 'DESIGNATE_TRAINEE' });
    expect(reentry.events[2]?.details).toEqual({ from: 'LAPSED', phase: 'TRAINING' });
    expect(d.c).toMatchObject({ phase: 'TRAINING', lapsed: null });
    expect(d.c.execution.phaseKey).toBe('TRAINING');
    expect(d.c.execution.name).toMatch(rerunName('TRAINING'));
    // a fresh training deadline from the re-entry
    expect(d.c.nextDeadline).toEqual({ step: 'TRAINING_EXAM', opensOn: '2027-09-01', dueOn: '2028-03-01' });
  });

  test('TRAINING_EXAM (6 months from registration): re-enrolment re-enters with a new attempt cycle', () => {
    const d = new Driver('AB').toTraining();
    d.exam(50, '2027-03-01');
    lapse(d, 'TRAINING', 'TRAINING_EXAM', '2027-07-10');
    expectRefused(() => d.exam(90, '2027-08-01'), 'WRONG_PHASE', /re-enrol/);
    expectRefused(
      () => d.designate('2027-08-01'),
      'WRONG_PHASE',
      /TRAINING_EXAM deadline of 2027-07-10 passed/,
    );

    const reentry = d.reEnrol('2027-08-01');
    expect(reentry.workflow).toBe('start');
    expect(reentry.events.map((e) => e.type)).toEqual(['REENTERED', 'PHASE_ENTERED']);
    expect(d.c.execution.name).toMatch(rerunName('TRAINING'));
    expect(d.c.training).toMatchObject({ attemptCycle: 2, enrolled: true, enrolledOn: '2027-08-01' });
    expect(d.c.nextDeadline).toEqual({ step: 'TRAINING_EXAM', opensOn: '2027-08-01', dueOn: '2028-02-01' });
    d.exam(85, '2027-08-15');
    expect(d.c.phase).toBe('IMPLEMENTATION');
  });

  test('TRAINING_EXAM with no attempt yet: re-enrolment keeps the (empty) attempt cycle', () => {
    const d = new Driver('ON').toTraining();
    lapse(d, 'TRAINING', 'TRAINING_EXAM', '2027-07-10');
    d.reEnrol('2027-07-20');
    expect(d.c.training.attemptCycle).toBe(1);
  });

  test('PROGRAM_SUBMISSION (6 months from the training pass)', () => {
    const d = new Driver('AB').toImplementation();
    lapse(d, 'IMPLEMENTATION', 'PROGRAM_SUBMISSION', addMonths(DAYS.passed, 6));
    expectRefused(() => d.audit('certification', 90, '2027-09-01'), 'WRONG_PHASE', /PROGRAM_SUBMISSION/);

    const reentry = d.submit('2027-09-01', '2027-01-01');
    expect(reentry.workflow).toBe('start');
    expect(reentry.events.map((e) => e.type)).toEqual(['PROGRAM_SUBMITTED', 'REENTERED', 'PHASE_ENTERED']);
    expect(d.c).toMatchObject({ phase: 'CERTIFICATION_AUDIT', lapsed: null });
    expect(d.c.execution.name).toMatch(rerunName('CERTIFICATION_AUDIT'));
    expect(d.c.program?.submittedOn).toBe('2027-09-01');
    expect(d.c.nextDeadline).toEqual({
      step: 'CERTIFICATION_AUDIT',
      opensOn: '2027-09-01',
      dueOn: '2028-09-01',
    });
  });

  test('CERTIFICATION_AUDIT (12 months from submission; SK 18): a passing audit re-enters, certified, into maintenance year 2', () => {
    const d = new Driver('SK').toCertificationAudit();
    lapse(d, 'CERTIFICATION_AUDIT', 'CERTIFICATION_AUDIT', '2028-09-01');
    expectRefused(() => d.submit('2028-09-05'), 'WRONG_PHASE', /CERTIFICATION_AUDIT deadline of 2028-09-01/);

    const reentry = d.audit('certification', 90, '2028-10-01', '2028-10-02');
    expect(reentry.workflow).toBe('start');
    expect(reentry.events.map((e) => e.type)).toEqual([
      'AUDIT_PASSED',
      'REENTERED',
      'CERTIFICATE_ISSUED',
      'PHASE_ENTERED',
      'PHASE_ENTERED',
    ]);
    expect(d.c).toMatchObject({ phase: 'MAINTENANCE', maintenanceYear: 2, lapsed: null, cycle: 1 });
    expect(d.c.certificate).toMatchObject({
      issuedOn: '2028-10-01',
      expiresOn: '2031-10-01',
      status: 'valid',
    });
    expect(d.c.execution.name).toMatch(rerunName('MAINTENANCE2'));
  });

  test('CERTIFICATION_AUDIT: a failing re-entry audit re-enters the audit phase with a fresh deadline', () => {
    const d = new Driver('AB').toCertificationAudit();
    lapse(d, 'CERTIFICATION_AUDIT', 'CERTIFICATION_AUDIT', '2028-03-01');
    const reentry = d.audit('certification', 60, '2028-04-01');
    expect(reentry.workflow).toBe('start');
    expect(reentry.events.map((e) => e.type)).toEqual([
      'AUDIT_FAILED',
      'CORRECTIVE_ACTION_REQUIRED',
      'REENTERED',
      'PHASE_ENTERED',
    ]);
    expect(d.c).toMatchObject({ phase: 'CERTIFICATION_AUDIT', lapsed: null });
    expect(d.c.execution.name).toMatch(rerunName('CERTIFICATION_AUDIT'));
    expect(d.c.nextDeadline).toEqual({
      step: 'CERTIFICATION_AUDIT',
      opensOn: '2028-04-01',
      dueOn: '2029-04-01',
    });
    d.audit('certification', 90, '2028-05-01');
    expect(d.c.phase).toBe('MAINTENANCE'); // certified, in maintenance year 2 at once
    expect(d.c.correctiveActions.every((a) => a.status === 'CLOSED')).toBe(true);
  });

  test('RECERTIFICATION_AUDIT (by expiry): a passing re-entry audit starts the next cycle', () => {
    const d = new Driver('AB').toRecertification();
    lapse(d, 'RECERTIFICATION', 'RECERTIFICATION_AUDIT', '2030-06-01');
    expect(d.c.certificate?.status).toBe('lapsed');
    expectRefused(() => d.audit('maintenance', 90, '2030-06-05'), 'WRONG_PHASE');

    const reentry = d.audit('recertification', 90, '2030-07-01');
    expect(reentry.workflow).toBe('start');
    expect(reentry.events.map((e) => e.type)).toEqual([
      'AUDIT_PASSED',
      'REENTERED',
      'CERTIFICATE_ISSUED',
      'PHASE_ENTERED',
      'PHASE_ENTERED',
    ]);
    expect(d.c).toMatchObject({ phase: 'MAINTENANCE', maintenanceYear: 2, cycle: 2, lapsed: null });
    expect(d.c.pastCertificates.map((c) => c.status)).toEqual(['lapsed']);
    expect(d.c.certificate).toMatchObject({ cycle: 2, issuedOn: '2030-07-01', status: 'valid' });
    expect(d.c.execution.name).toMatch(rerunName('MAINTENANCE2', 2));
  });

  test('RECERTIFICATION_AUDIT: a failing re-entry audit re-enters RECERTIFICATION with a fresh deadline', () => {
    const d = new Driver('AB').toRecertification();
    lapse(d, 'RECERTIFICATION', 'RECERTIFICATION_AUDIT', '2030-06-01');
    const reentry = d.audit('recertification', 50, '2030-07-01');
    expect(reentry.workflow).toBe('start');
    expect(d.c).toMatchObject({ phase: 'RECERTIFICATION', cycle: 1, lapsed: null });
    expect(d.c.execution.name).toMatch(rerunName('RECERTIFICATION'));
    expect(d.c.nextDeadline).toEqual({
      step: 'RECERTIFICATION_AUDIT',
      opensOn: '2030-07-01',
      dueOn: '2031-07-01',
    });
    expect(d.c.certificate?.status).toBe('lapsed');
  });

  test('every re-entry execution name is new', () => {
    const d = new Driver('AB').toTraining();
    lapse(d, 'TRAINING', 'TRAINING_EXAM', '2027-07-10');
    d.reEnrol('2027-08-01');
    const first = d.c.execution.name;
    lapse(d, 'TRAINING', 'TRAINING_EXAM', '2028-02-01');
    d.reEnrol('2028-03-01');
    expect(d.c.execution.name).toMatch(rerunName('TRAINING'));
    expect(d.c.execution.name).not.toBe(first);
  });
});

describe('a step completed after its deadline passed is refused, even before the workflow escalates', () => {
  const late =
    /deadline was 2027-07-10 \(the end of that day, America\/Edmonton time\) and has passed: the company is being marked LAPSED and can then re-enter at this step/;

  test('naming the trainee the day after the due date: WRONG_PHASE; the workflow lapses it; naming re-enters', () => {
    const d = new Driver('AB');
    d.register('2027-01-10');
    const before = structuredClone(d.c);
    // 04:00 local on the day after: the deadline passed at midnight, the escalation waits for business hours
    expect(isOverdue(d.c, at('2027-07-11'))).toBe(true);
    expect(Date.parse(at('2027-07-11'))).toBeLessThan(Date.parse(escalationAt(d.c, d.c.nextDeadline!)));
    expectRefused(() => d.designate('2027-07-11'), 'WRONG_PHASE', late);
    expect(d.c).toEqual(before);
    d.doAt({ type: 'deadlinePassed' }, d.wake('2027-07-11'), 'system');
    expect(d.c.lapsed).toEqual({ phase: 'REGISTERED', step: 'DESIGNATE_TRAINEE', dueOn: '2027-07-10' });
    d.designate('2027-07-12');
    expect(d.c.phase).toBe('TRAINING');
    expect(d.c.nextDeadline).toEqual({ step: 'TRAINING_EXAM', opensOn: '2027-07-12', dueOn: '2028-01-12' });
  });

  test('the last minute of the due date (local) is on time; the first of the next day is late', () => {
    const zone = 'America/Edmonton';
    const endsAt = endOfLocalDay('2027-07-10', zone);
    expect(endsAt).toBe('2027-07-11T06:00:00.000Z'); // midnight MDT (UTC−6)
    const onTime = new Driver('AB');
    onTime.register('2027-01-10');
    onTime.doAt({ type: 'designateTrainee', trainee: TRAINEE }, plusMs(endsAt, -60_000));
    expect(onTime.c.phase).toBe('TRAINING');
    expect(onTime.c.training.enrolledOn).toBe('2027-07-10');
    const tooLate = new Driver('AB');
    tooLate.register('2027-01-10');
    expectRefused(
      () => tooLate.doAt({ type: 'designateTrainee', trainee: TRAINEE }, endsAt),
      'WRONG_PHASE',
      late,
    );
  });

  test('an exam taken by the due date counts, whenever it is recorded; one taken after it is refused', () => {
    const d = new Driver('AB').toTraining();
    const takenOnTime = '2027-07-11T05:30:00.000Z'; // 23:30 MDT on the due date
    const recorded = d.exam(85, '2027-07-11', takenOnTime);
    expect(recorded.events.map((e) => e.type)).toContain('TRAINING_PASSED');
    expect(d.c).toMatchObject({ phase: 'IMPLEMENTATION', training: { passedOn: '2027-07-10' } });

    const t = new Driver('AB').toTraining();
    expectRefused(() => t.exam(85, '2027-07-11', '2027-07-11T06:30:00.000Z'), 'WRONG_PHASE', /TRAINING_EXAM/);
    expectRefused(() => t.exam(85, '2027-07-11'), 'WRONG_PHASE', /TRAINING_EXAM deadline was 2027-07-10/);
    // a failed attempt taken late is refused too: the step cannot be done any more
    expectRefused(() => t.exam(10, '2027-07-11'), 'WRONG_PHASE');
    expect(t.c.training.attempts).toEqual([]);
  });

  test('a program submitted the day after its due date is refused', () => {
    const d = new Driver('AB').toImplementation();
    const dueOn = d.c.nextDeadline!.dueOn;
    expect(dueOn).toBe('2027-08-15');
    expectRefused(() => d.submit('2027-08-16'), 'WRONG_PHASE', /PROGRAM_SUBMISSION deadline was 2027-08-15/);
    d.submit('2027-08-15');
    expect(d.c.phase).toBe('CERTIFICATION_AUDIT');
  });

  test('an audit completed by the due date counts when recorded later; one completed after it is refused', () => {
    const d = new Driver('AB').toCertificationAudit();
    expect(d.c.nextDeadline?.dueOn).toBe('2028-03-01');
    expectRefused(
      () => d.audit('certification', 90, '2028-03-02', '2028-03-02'),
      'WRONG_PHASE',
      /CERTIFICATION_AUDIT deadline was 2028-03-01 .* LAPSED/,
    );
    d.audit('certification', 90, '2028-03-01', '2028-03-02');
    expect(d.c.phase).toBe('MAINTENANCE');
    expect(d.c.certificate?.issuedOn).toBe('2028-03-01');
  });

  test('steps that complete nothing are not refused after the deadline', () => {
    const d = new Driver('AB').toCertificationAudit();
    // the program may still be updated (the audit deadline is what counts), the company may withdraw
    d.do(d.submitCommand(), '2028-03-02');
    expect(d.last?.events.map((e) => e.type)).toEqual(['PROGRAM_UPDATED']);
    d.do({ type: 'withdraw' }, '2028-03-02');
    expect(d.c.phase).toBe('WITHDRAWN');
  });
});
