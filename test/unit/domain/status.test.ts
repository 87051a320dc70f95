import { companyStatus } from '../../../domain';
import { at, CONTACT, Driver, TRAINEE } from './helpers';

describe('companyStatus: the projection of the record at a moment', () => {
  test('a company in training', () => {
    const d = new Driver('SK').toTraining();
    d.exam(40, '2027-01-20');
    const status = companyStatus(d.c, d.policy, at('2027-01-21'));
    expect(status).toEqual({
      companyId: 'co-1',
      legalName: 'Acme Roofing Ltd.',
      region: 'SK',
      policy: 'SK',
      employeeCount: 5,
      industry: 'construction',
      contact: CONTACT,
      phase: 'TRAINING',
      cycle: 1,
      timeZone: 'America/Regina',
      nextAction: {
        code: 'PASS_EXAM',
        title: 'Take the SECOR course and pass its exam',
        who: 'trainee',
        dueOn: '2027-07-10',
        howTo: 'Take the course with a training provider; the provider records the exam result.',
      },
      nextDeadline: { step: 'TRAINING_EXAM', dueOn: '2027-07-10', opensOn: '2027-01-11' },
      overdue: false,
      trainee: TRAINEE,
      training: {
        attempts: [
          { attemptNumber: 1, attemptCycle: 1, score: 40, passed: false, takenAt: at('2027-01-20') },
        ],
        attemptCycle: 1,
        attemptsLeft: 2,
        passedOn: null,
        expiresOn: null,
        status: 'none',
      },
      program: null,
      audits: [],
      correctiveActions: [],
      certificate: null,
      lapsed: null,
      failure: null,
      withdrawal: null,
      execution: 'co-1-c1-TRAINING',
      history: d.c.history,
    });
    expect(status).not.toHaveProperty('maintenanceYear');
    // internal bookkeeping is not shown
    expect(status.training.attempts[0]).not.toHaveProperty('recordedBy');
    expect(status.history.map((e) => e.type)).toEqual([
      'REGISTERED',
      'TRAINEE_DESIGNATED',
      'PHASE_ENTERED',
      'EXAM_FAILED',
    ]);
    expect(status.history[0]).toEqual({
      at: at('2027-01-10'),
      type: 'REGISTERED',
      by: 'public',
      details: { region: 'SK', policy: 'SK', employeeCount: 5 },
    });
  });

  test('overdue once the deadline has passed and not yet processed', () => {
    const d = new Driver('AB').toTraining();
    expect(companyStatus(d.c, d.policy, at('2027-07-10')).overdue).toBe(false);
    expect(companyStatus(d.c, d.policy, at('2027-07-11')).overdue).toBe(true);
  });

  test('in maintenance: the year, the audits and the certificate with its status at that moment', () => {
    const d = new Driver('AB').certify();
    d.audit('maintenance', 70, '2028-05-01', '2028-05-01', { auditId: 'm2' });
    const status = companyStatus(d.c, d.policy, at('2028-05-02'));
    expect(status.phase).toBe('MAINTENANCE');
    expect(status.maintenanceYear).toBe(3);
    expect(status.nextDeadline).toEqual({
      step: 'MAINTENANCE_AUDIT',
      dueOn: '2029-06-01',
      opensOn: '2028-06-01',
      maintenanceYear: 3,
    });
    expect(status.audits.map((a) => [a.type, a.passed, a.correctiveActionRequired])).toEqual([
      ['certification', true, false],
      ['maintenance', false, true],
    ]);
    expect(status.audits[1]).toEqual({
      auditId: 'm2',
      type: 'maintenance',
      maintenanceYear: 2,
      overallScore: 70,
      elementScores: d.c.audits[1]?.elementScores,
      failedElements: [],
      passed: false,
      correctiveActionRequired: true,
      auditor: { name: 'Ava Auditor' },
      completedOn: '2028-05-01',
    });
    expect(status.audits[0]).not.toHaveProperty('maintenanceYear');
    expect(status.correctiveActions).toEqual([{ auditId: 'm2', openedOn: '2028-05-01', status: 'OPEN' }]);
    expect(status.certificate).toEqual({ ...d.c.certificate, status: 'valid' });
    expect(status.training.attemptsLeft).toBe(0);
    expect(status.execution).toBe('co-1-c1-MAINTENANCE3');
  });

  test('a certificate past its expiry shows expired; the stored record is unchanged', () => {
    const d = new Driver('AB').certify();
    const status = companyStatus(d.c, d.policy, at('2030-06-02'));
    expect(status.certificate?.status).toBe('expired');
    expect(d.c.certificate?.status).toBe('valid');
  });

  test('lapsed, failed and withdrawn companies show why', () => {
    const d = new Driver('AB').toImplementation();
    d.deadlinePassed('2027-08-16');
    expect(companyStatus(d.c, d.policy, at('2027-08-16'))).toMatchObject({
      phase: 'LAPSED',
      nextDeadline: null,
      overdue: false,
      lapsed: { phase: 'IMPLEMENTATION', step: 'PROGRAM_SUBMISSION', dueOn: '2027-08-15' },
    });
    const f = new Driver('AB').toTraining();
    f.do({ type: 'recordFailure', cause: 'boom' }, '2027-01-12', 'system');
    expect(companyStatus(f.c, f.policy, at('2027-01-12')).failure).toEqual({
      phase: 'TRAINING',
      cause: 'boom',
      at: at('2027-01-12'),
    });
    f.do({ type: 'withdraw', reason: 'closing' }, '2027-01-13');
    expect(companyStatus(f.c, f.policy, at('2027-01-13')).withdrawal).toEqual({
      reason: 'closing',
      at: at('2027-01-13'),
      fromPhase: 'FAILED',
    });
  });
});
