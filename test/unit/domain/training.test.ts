import { attemptsLeft } from '../../../domain';
import { at, Driver, expectRefused, TRAINEE } from './helpers';

const OTHER = { name: 'Olive Other', email: 'olive@acme.example' };

describe('designating the trainee', () => {
  test('in REGISTERED: enrols the trainee and enters TRAINING with the 6-month training deadline', () => {
    const d = new Driver('AB');
    d.register('2027-01-10');
    const decision = d.designate('2027-02-01');
    expect(decision.workflow).toBe('notify');
    expect(decision.events.map((e) => e.type)).toEqual(['TRAINEE_DESIGNATED', 'PHASE_ENTERED']);
    expect(decision.events[1]?.details).toEqual({ from: 'REGISTERED', phase: 'TRAINING' });
    expect(d.c.phase).toBe('TRAINING');
    expect(d.c.trainee).toEqual(TRAINEE);
    expect(d.c.training).toMatchObject({ enrolled: true, enrolledOn: '2027-02-01', attemptCycle: 1 });
    // the training is due 6 months from registration, not from designation
    expect(d.c.nextDeadline).toEqual({ step: 'TRAINING_EXAM', opensOn: '2027-02-01', dueOn: '2027-07-10' });
    expect(d.c.execution).toEqual({ phaseKey: 'TRAINING', name: 'co-1-c1-TRAINING' });
    expect(d.c.phaseEnteredAt).toBe(at('2027-02-01'));
  });

  test('in TRAINING, the same person again changes nothing (no event, no new attempt cycle)', () => {
    const d = new Driver('AB').toTraining();
    d.exam(50, '2027-01-20');
    const decision = d.designate('2027-01-21');
    expect(decision.workflow).toBeNull();
    expect(decision.events).toEqual([]);
    expect(d.c.training.attemptCycle).toBe(1);
  });

  test('in TRAINING, a different person starts a new attempt cycle once the first has attempts', () => {
    const d = new Driver('AB').toTraining();
    d.designate('2027-01-12', OTHER);
    expect(d.c.training.attemptCycle).toBe(1); // no attempts yet: nothing to start afresh
    d.exam(50, '2027-01-20');
    d.exam(60, '2027-01-25');
    d.designate('2027-01-26', TRAINEE);
    expect(d.c.trainee).toEqual(TRAINEE);
    expect(d.c.training).toMatchObject({ attemptCycle: 2, enrolledOn: '2027-01-26', enrolled: true });
    expect(attemptsLeft(d.c, d.policy)).toBe(3);
    d.exam(55, '2027-01-27');
    expect(d.c.training.attempts.at(-1)).toMatchObject({ attemptCycle: 2, attemptNumber: 1 });
  });

  test('a different person designated after the attempts are exhausted can take the exam', () => {
    const d = new Driver('AB').toTraining();
    for (const day of ['2027-01-20', '2027-01-21', '2027-01-22']) d.exam(10, day);
    expect(attemptsLeft(d.c, d.policy)).toBe(0);
    d.designate('2027-01-23', OTHER);
    expect(d.c.training).toMatchObject({ attemptCycle: 2, enrolled: true, enrolledOn: '2027-01-23' });
    expect(attemptsLeft(d.c, d.policy)).toBe(3);
    d.exam(80, '2027-01-24');
    expect(d.c.phase).toBe('IMPLEMENTATION');
  });

  test('after the training is passed: WRONG_PHASE', () => {
    const d = new Driver('AB').toImplementation();
    expectRefused(() => d.designate('2027-03-01'), 'WRONG_PHASE', /phase IMPLEMENTATION/);
  });
});

describe('exam attempts', () => {
  test('79.99 fails and 80 passes: passing enters IMPLEMENTATION with the program deadline', () => {
    const d = new Driver('AB').toTraining();
    const fail = d.exam(79.99, '2027-02-01');
    expect(fail.workflow).toBe('notify');
    expect(fail.events.map((e) => e.type)).toEqual(['EXAM_FAILED']);
    expect(fail.events[0]?.details).toEqual({
      attemptNumber: 1,
      attemptCycle: 1,
      score: 79.99,
      passMark: 80,
    });
    expect(d.c.phase).toBe('TRAINING');
    expect(attemptsLeft(d.c, d.policy)).toBe(2);

    const pass = d.exam(80, '2027-02-15');
    expect(pass.workflow).toBe('notify');
    expect(pass.events.map((e) => e.type)).toEqual(['EXAM_PASSED', 'TRAINING_PASSED', 'PHASE_ENTERED']);
    expect(d.c.phase).toBe('IMPLEMENTATION');
    expect(d.c.training).toMatchObject({ passedOn: '2027-02-15', expiresOn: '2030-02-15', enrolled: false });
    expect(d.c.training.attempts).toEqual([
      expect.objectContaining({
        attemptNumber: 1,
        score: 79.99,
        passed: false,
        recordedBy: 'assessor:trainer-1',
      }),
      expect.objectContaining({ attemptNumber: 2, score: 80, passed: true, takenAt: at('2027-02-15') }),
    ]);
    expect(d.c.nextDeadline).toEqual({
      step: 'PROGRAM_SUBMISSION',
      opensOn: '2027-02-15',
      dueOn: '2027-08-15',
    });
    expect(d.c.execution.name).toBe('co-1-c1-IMPLEMENTATION');
  });

  test('a pass on 29 February: the training certificate expires 28 February three years on', () => {
    const d = new Driver('ON');
    d.register('2028-01-15');
    d.designate('2028-01-16');
    d.exam(92, '2028-02-29');
    expect(d.c.training.expiresOn).toBe('2031-02-28');
    expect(d.c.nextDeadline?.dueOn).toBe('2028-08-29');
  });

  test('a back-dated attempt counts from the day it was taken', () => {
    const d = new Driver('AB').toTraining();
    d.exam(88, '2027-03-10', at('2027-03-01', '15:00:00.000Z'));
    expect(d.c.training.passedOn).toBe('2027-03-01');
    expect(d.c.training.attempts[0]?.takenAt).toBe(at('2027-03-01', '15:00:00.000Z'));
    expect(d.c.nextDeadline).toEqual({
      step: 'PROGRAM_SUBMISSION',
      opensOn: '2027-03-01',
      dueOn: '2027-09-01',
    });
  });

  test('an attempt taken in the future is TOO_EARLY; one before the enrolment is NOT_ELIGIBLE', () => {
    const d = new Driver('AB').toTraining();
    expectRefused(() => d.exam(90, '2027-02-01', at('2027-02-02')), 'TOO_EARLY', /in the future/);
    expectRefused(
      () => d.exam(90, '2027-02-01', at('2027-01-10')),
      'NOT_ELIGIBLE',
      /predate the current enrolment/,
    );
    // the same day as the enrolment is fine
    d.exam(90, '2027-02-01', at('2027-01-11', '08:00:00.000Z'));
    expect(d.c.phase).toBe('IMPLEMENTATION');
  });

  test.each([-1, 100.01, Number.NaN])('a score of %p is NOT_ELIGIBLE', (score) => {
    const d = new Driver('AB').toTraining();
    expectRefused(() => d.exam(score, '2027-02-01'), 'NOT_ELIGIBLE', /percentage from 0 to 100/);
  });

  test('scores of 0 and 100 are recorded', () => {
    const d = new Driver('AB').toTraining();
    d.exam(0, '2027-02-01');
    d.exam(100, '2027-02-02');
    expect(d.c.training.attempts.map((a) => a.passed)).toEqual([false, true]);
  });

  test('before a trainee is designated: WRONG_PHASE', () => {
    const d = new Driver('AB');
    d.register();
    expectRefused(() => d.exam(90, '2027-01-20'), 'WRONG_PHASE', /designate the trainee/);
  });

  test('after the training is passed, without a refresher enrolment: WRONG_PHASE', () => {
    const d = new Driver('AB').toImplementation();
    expectRefused(
      () => d.exam(90, '2027-03-01'),
      'WRONG_PHASE',
      /passed on 2027-02-15; enrol in the refresher/,
    );
  });

  test('in a phase where the training was never passed: WRONG_PHASE', () => {
    const d = new Driver('AB').toTraining();
    d.do({ type: 'withdraw' }, '2027-02-01');
    expectRefused(() => d.exam(90, '2027-02-02'), 'WRONG_PHASE', /recorded in phase TRAINING/);
  });
});

describe('the attempt cycle: 3 attempts, then re-enrolment', () => {
  test('3 failed attempts end the cycle; a 4th is ATTEMPTS_EXHAUSTED; re-enrolment opens a new cycle', () => {
    const d = new Driver('AB').toTraining();
    d.exam(70, '2027-01-20');
    d.exam(75, '2027-01-27');
    const third = d.exam(79.99, '2027-02-03');
    expect(third.events.map((e) => e.type)).toEqual(['EXAM_FAILED', 'ATTEMPTS_EXHAUSTED']);
    expect(d.c.training.enrolled).toBe(false);
    expect(attemptsLeft(d.c, d.policy)).toBe(0);

    const error = expectRefused(() => d.exam(95, '2027-02-04'), 'ATTEMPTS_EXHAUSTED', /must re-enrol/);
    expect(error.message).toContain('3 failed attempts');

    const reEnrolled = d.reEnrol('2027-02-10');
    expect(reEnrolled.workflow).toBe('notify');
    expect(reEnrolled.events.map((e) => [e.type, e.details])).toEqual([['RE_ENROLLED', { attemptCycle: 2 }]]);
    expect(d.c.phase).toBe('TRAINING');
    expect(d.c.training).toMatchObject({ attemptCycle: 2, enrolled: true, enrolledOn: '2027-02-10' });
    expect(attemptsLeft(d.c, d.policy)).toBe(3);

    // attempts in the new cycle cannot predate the re-enrolment
    expectRefused(() => d.exam(95, '2027-02-11', at('2027-02-09')), 'NOT_ELIGIBLE');
    d.exam(60, '2027-02-20');
    expect(d.c.training.attempts.at(-1)).toMatchObject({ attemptCycle: 2, attemptNumber: 1 });
    d.exam(81, '2027-02-21');
    expect(d.c.phase).toBe('IMPLEMENTATION');
    expect(d.c.training.attempts).toHaveLength(5);
  });

  test('re-enrolment with attempts left is NOT_ELIGIBLE', () => {
    const d = new Driver('AB').toTraining();
    expectRefused(() => d.reEnrol('2027-01-12'), 'NOT_ELIGIBLE', /3 attempt\(s\) are left/);
    d.exam(40, '2027-01-20');
    d.exam(40, '2027-01-21');
    expectRefused(() => d.reEnrol('2027-01-22'), 'NOT_ELIGIBLE', /1 attempt\(s\) are left/);
  });

  test('re-enrolment before a trainee is designated is WRONG_PHASE', () => {
    const d = new Driver('AB');
    d.register();
    expectRefused(() => d.reEnrol('2027-01-12'), 'WRONG_PHASE', /designate the trainee first/);
  });

  test('re-enrolment in a terminal phase is WRONG_PHASE', () => {
    const d = new Driver('AB').toTraining();
    d.do({ type: 'withdraw' }, '2027-02-01');
    expectRefused(() => d.reEnrol('2027-02-02'), 'WRONG_PHASE', /phase WITHDRAWN/);
  });

  test('attemptsLeft is 0 when no enrolment is open', () => {
    const d = new Driver('AB');
    d.register();
    expect(attemptsLeft(d.c, d.policy)).toBe(0);
  });
});

describe('the refresher (training certificate valid 3 years, refresher window 6 months before expiry)', () => {
  // training passed 2027-02-15, expires 2030-02-15; the refresher opens 2029-08-15
  test('enrolment is TOO_EARLY before the window and accepted on its first day', () => {
    const d = new Driver('AB').toRecertification({ refresher: false });
    expect(d.c.phase).toBe('RECERTIFICATION');
    expectRefused(() => d.reEnrol('2029-08-14'), 'TOO_EARLY', /enrol on or after 2029-08-15/);
    const decision = d.reEnrol('2029-08-15');
    expect(decision.workflow).toBeNull();
    expect(decision.events.map((e) => [e.type, e.details])).toEqual([
      ['REFRESHER_ENROLLED', { attemptCycle: 2, expiresOn: '2030-02-15' }],
    ]);
    expect(d.c.phase).toBe('RECERTIFICATION');
    expect(d.c.training).toMatchObject({ refresher: true, enrolled: true, enrolledOn: '2029-08-15' });
  });

  test('right after passing, the refresher is TOO_EARLY', () => {
    const d = new Driver('AB').toImplementation();
    expectRefused(
      () => d.reEnrol('2027-03-01'),
      'TOO_EARLY',
      /6 months before the training certificate expires/,
    );
  });

  test('enrolling twice in an open refresher is a CONFLICT', () => {
    const d = new Driver('AB').toRecertification({ refresher: false });
    d.reEnrol('2029-09-01');
    expectRefused(() => d.reEnrol('2029-09-02'), 'CONFLICT', /already enrolled in the refresher/);
  });

  test('a passed refresher renews the training certificate without changing the phase', () => {
    const d = new Driver('AB').toRecertification({ refresher: false });
    d.reEnrol('2029-09-01');
    d.exam(70, '2029-09-10');
    const pass = d.exam(90, '2029-09-20');
    expect(pass.workflow).toBeNull();
    expect(pass.events.map((e) => e.type)).toEqual(['EXAM_PASSED', 'REFRESHER_PASSED']);
    expect(d.c.phase).toBe('RECERTIFICATION');
    expect(d.c.training).toMatchObject({
      passedOn: '2029-09-20',
      expiresOn: '2032-09-20',
      refresher: false,
      enrolled: false,
    });
    // and the next refresher is, again, 6 months before the new expiry
    expectRefused(() => d.exam(90, '2029-09-21'), 'WRONG_PHASE', /enrol in the refresher/);
  });

  test('3 failed refresher attempts need a new enrolment', () => {
    const d = new Driver('AB').toRecertification({ refresher: false });
    d.reEnrol('2029-09-01');
    for (const day of ['2029-09-02', '2029-09-03', '2029-09-04']) expect(d.exam(10, day).workflow).toBeNull();
    expectRefused(() => d.exam(90, '2029-09-05'), 'ATTEMPTS_EXHAUSTED');
    d.reEnrol('2029-09-06');
    expect(d.c.training).toMatchObject({ attemptCycle: 3, refresher: true, enrolled: true });
    d.exam(90, '2029-09-07');
    expect(d.c.training.expiresOn).toBe('2032-09-07');
  });

  test('a LAPSED company cannot take the refresher', () => {
    const d = new Driver('AB').toImplementation();
    d.deadlinePassed('2027-08-16');
    expect(d.c.phase).toBe('LAPSED');
    expectRefused(() => d.reEnrol('2029-09-01'), 'WRONG_PHASE', /LAPSED/);
  });

  test('the attempts of every cycle are numbered 1..3 within it', () => {
    const d = new Driver('AB').toTraining();
    for (const day of ['2027-01-20', '2027-01-21', '2027-01-22']) d.exam(10, day);
    d.reEnrol('2027-01-23');
    d.exam(10, '2027-01-24');
    expect(d.c.training.attempts.map((a) => [a.attemptCycle, a.attemptNumber])).toEqual([
      [1, 1],
      [1, 2],
      [1, 3],
      [2, 1],
    ]);
  });
});
