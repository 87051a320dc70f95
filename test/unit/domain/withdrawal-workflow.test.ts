import { certificateStatus, executionName, isActivePhase, PHASES, phaseKeyOf } from '../../../domain';
import { at, Driver, expectRefused } from './helpers';

describe('withdrawal', () => {
  test('from an active phase: WITHDRAWN, deadline cleared, the running execution notified', () => {
    const d = new Driver('AB').toTraining();
    const decision = d.do({ type: 'withdraw', reason: 'sold the business' }, '2027-02-01');
    expect(decision.workflow).toBe('notify');
    expect(decision.events).toEqual([
      {
        at: at('2027-02-01'),
        type: 'WITHDRAWN',
        by: 'company',
        details: { fromPhase: 'TRAINING', reason: 'sold the business' },
      },
    ]);
    expect(d.c).toMatchObject({
      phase: 'WITHDRAWN',
      nextDeadline: null,
      maintenanceYear: null,
      phaseEnteredAt: at('2027-02-01'),
      withdrawal: { reason: 'sold the business', at: at('2027-02-01'), fromPhase: 'TRAINING' },
    });
  });

  test('without a reason', () => {
    const d = new Driver('AB');
    d.register();
    const decision = d.do({ type: 'withdraw' }, '2027-01-11');
    expect(decision.events[0]?.details).toEqual({ fromPhase: 'REGISTERED' });
    expect(d.c.withdrawal?.reason).toBeNull();
  });

  test('with a valid certificate: the certificate is cancelled', () => {
    const d = new Driver('AB').certify();
    const decision = d.do({ type: 'withdraw', reason: null }, '2027-09-01');
    expect(decision.events.map((e) => e.type)).toEqual(['CERTIFICATE_CANCELLED', 'WITHDRAWN']);
    expect(decision.events[0]?.details).toEqual({
      certificateNumber: 'SECOR-AB-2027-000001',
      reason: 'withdrawal',
    });
    expect(d.c.certificate?.status).toBe('cancelled');
    expect(certificateStatus(d.c.certificate!, at('2027-09-02'), d.region)).toBe('cancelled');
    expect(d.c.withdrawal?.fromPhase).toBe('MAINTENANCE');
  });

  test('from LAPSED or CANCELLED: nothing runs, so nothing is notified; a lapsed certificate stays lapsed', () => {
    const d = new Driver('AB').toRecertification();
    d.deadlinePassed('2030-06-02');
    const decision = d.do({ type: 'withdraw' }, '2030-07-01');
    expect(decision.workflow).toBeNull();
    expect(decision.events.map((e) => e.type)).toEqual(['WITHDRAWN']);
    expect(d.c.certificate?.status).toBe('lapsed');

    const c = new Driver('AB').certify();
    c.deadlinePassed('2028-06-02');
    expect(c.do({ type: 'withdraw' }, '2028-07-01').workflow).toBeNull();
    expect(c.c.withdrawal?.fromPhase).toBe('CANCELLED');
  });

  test('twice: WRONG_PHASE, naming when', () => {
    const d = new Driver('AB').toTraining();
    d.do({ type: 'withdraw' }, '2027-02-01');
    expectRefused(
      () => d.do({ type: 'withdraw' }, '2027-02-02'),
      'WRONG_PHASE',
      /withdrew on 2027-02-01T10:00/,
    );
  });

  test('a withdrawn company can do nothing else', () => {
    const d = new Driver('AB').toCertificationAudit();
    d.do({ type: 'withdraw' }, '2027-04-01');
    expectRefused(() => d.audit('certification', 90, '2027-06-01'), 'WRONG_PHASE', /phase WITHDRAWN/);
    expectRefused(() => d.submit('2027-06-01'), 'WRONG_PHASE');
    expectRefused(() => d.deadlinePassed('2029-01-01'), 'WRONG_PHASE');
    expectRefused(() => d.do({ type: 'continueExecution' }, '2027-06-01', 'system'), 'WRONG_PHASE');
    expectRefused(() => d.do({ type: 'recordFailure', cause: 'x' }, '2027-06-01', 'system'), 'WRONG_PHASE');
  });
});

describe('workflow failures: recordFailure, redrive', () => {
  test('recordFailure parks the company in FAILED; a repeat is a no-op; redrive re-runs the phase', () => {
    const d = new Driver('AB').certify();
    d.audit('maintenance', 90, '2027-10-01'); // year 3
    const deadline = d.c.nextDeadline;
    const previous = d.c.execution.name;
    const failed = d.do({ type: 'recordFailure', cause: 'Lambda timeout' }, '2027-10-02', 'system');
    expect(failed.workflow).toBeNull();
    expect(failed.events).toEqual([
      {
        at: at('2027-10-02'),
        type: 'WORKFLOW_FAILED',
        by: 'system',
        details: { phase: 'MAINTENANCE', execution: previous, cause: 'Lambda timeout' },
      },
    ]);
    expect(d.c).toMatchObject({
      phase: 'FAILED',
      failure: { phase: 'MAINTENANCE', cause: 'Lambda timeout', at: at('2027-10-02') },
      nextDeadline: deadline,
    });
    // the certificate is still valid while operations fix the workflow
    expect(d.c.certificate?.status).toBe('valid');

    const again = d.do({ type: 'recordFailure', cause: 'again' }, '2027-10-03', 'system');
    expect(again.events).toEqual([]);
    expect(again.company).toEqual(d.c);
    expect(d.c.failure?.cause).toBe('Lambda timeout');

    // nothing but redrive (or withdrawal) moves a FAILED company
    expectRefused(() => d.audit('maintenance', 90, '2028-07-01'), 'WRONG_PHASE', /phase FAILED/);
    expectRefused(() => d.deadlinePassed('2029-07-01'), 'WRONG_PHASE');
    expectRefused(() => d.do({ type: 'continueExecution' }, '2027-10-03', 'system'), 'WRONG_PHASE');

    const redriven = d.do({ type: 'redrive' }, '2027-10-04', 'ops');
    expect(redriven.workflow).toBe('start');
    expect(redriven.events.map((e) => [e.type, e.details])).toEqual([
      ['REDRIVEN', { phase: 'MAINTENANCE', previousExecution: previous }],
      ['PHASE_ENTERED', { from: 'FAILED', phase: 'MAINTENANCE', maintenanceYear: 3 }],
    ]);
    expect(d.c).toMatchObject({
      phase: 'MAINTENANCE',
      maintenanceYear: 3,
      failure: null,
      nextDeadline: deadline,
    });
    expect(d.c.execution.phaseKey).toBe('MAINTENANCE3');
    expect(d.c.execution.name).toMatch(/^co-1-c1-MAINTENANCE3-r\d+$/);
    expect(d.c.execution.name).not.toBe(previous);
  });

  test('redrive of an earlier phase', () => {
    const d = new Driver('ON').toTraining();
    d.do({ type: 'recordFailure', cause: 'x' }, '2027-01-12', 'system');
    d.do({ type: 'redrive' }, '2027-01-13', 'ops');
    expect(d.c).toMatchObject({ phase: 'TRAINING', maintenanceYear: null });
    expect(d.c.execution.name).toMatch(/^co-1-c1-TRAINING-r\d+$/);
    d.exam(90, '2027-01-14');
    expect(d.c.phase).toBe('IMPLEMENTATION');
  });

  test('a failure recorded while CERTIFIED (a record written before certification went on into maintenance) is redriven into maintenance year 2', () => {
    const d = new Driver('AB').certify();
    d.do({ type: 'recordFailure', cause: 'x' }, '2027-06-02', 'system');
    const legacy = structuredClone(d.c);
    legacy.failure = { ...(legacy.failure as NonNullable<typeof legacy.failure>), phase: 'CERTIFIED' };
    legacy.maintenanceYear = null;
    d.company = legacy;
    d.do({ type: 'redrive' }, '2027-06-03', 'ops');
    expect(d.c).toMatchObject({ phase: 'MAINTENANCE', maintenanceYear: 2, failure: null });
    expect(d.c.execution.name).toMatch(/^co-1-c1-MAINTENANCE2-r\d+$/);
    d.audit('maintenance', 90, '2027-07-01');
    expect(d.c).toMatchObject({ phase: 'MAINTENANCE', maintenanceYear: 3 });
  });

  test('the cause is kept to 1000 characters', () => {
    const d = new Driver('AB').toTraining();
    d.do({ type: 'recordFailure', cause: 'e'.repeat(5000) }, '2027-01-12', 'system');
    expect(d.c.failure?.cause).toHaveLength(1000);
  });

  test('redrive without a failure, and recordFailure outside an active phase: WRONG_PHASE', () => {
    const d = new Driver('AB').toTraining();
    expectRefused(
      () => d.do({ type: 'redrive' }, '2027-01-12', 'ops'),
      'WRONG_PHASE',
      /only a company whose workflow FAILED/,
    );
    d.deadlinePassed('2027-07-11');
    expectRefused(
      () => d.do({ type: 'recordFailure', cause: 'x' }, '2027-07-12', 'system'),
      'WRONG_PHASE',
      /only for a company in an active phase/,
    );
  });

  test('a FAILED company may withdraw', () => {
    const d = new Driver('AB').certify();
    d.do({ type: 'recordFailure', cause: 'x' }, '2027-06-03', 'system');
    const decision = d.do({ type: 'withdraw' }, '2027-06-04');
    expect(decision.workflow).toBeNull();
    expect(d.c.phase).toBe('WITHDRAWN');
    expect(d.c.certificate?.status).toBe('cancelled');
  });
});

describe('continueExecution (a long phase continues in a new execution)', () => {
  test('keeps the phase and names a new execution', () => {
    const d = new Driver('AB').toCertificationAudit();
    const previous = d.c.execution.name;
    const decision = d.do({ type: 'continueExecution' }, '2027-12-01', 'system');
    expect(decision.workflow).toBeNull();
    expect(d.c.phase).toBe('CERTIFICATION_AUDIT');
    expect(d.c.execution.phaseKey).toBe('CERTIFICATION_AUDIT');
    expect(d.c.execution.name).toBe(`co-1-c1-CERTIFICATION_AUDIT-r${d.c.history.length}`);
    expect(decision.events.map((e) => [e.type, e.details])).toEqual([
      ['EXECUTION_CONTINUED', { previousExecution: previous, execution: d.c.execution.name }],
    ]);
    d.do({ type: 'continueExecution' }, '2027-12-02', 'system');
    expect(d.c.execution.name).not.toBe(decision.company.execution.name);
  });

  test('outside an active phase: WRONG_PHASE', () => {
    const d = new Driver('AB').toTraining();
    d.deadlinePassed('2027-07-11');
    expectRefused(() => d.do({ type: 'continueExecution' }, '2027-07-12', 'system'), 'WRONG_PHASE', /LAPSED/);
  });
});

describe('execution names and phase keys', () => {
  test('executionName', () => {
    expect(executionName('co-9', 1, 'REGISTRATION')).toBe('co-9-c1-REGISTRATION');
    expect(executionName('co-9', 2, 'MAINTENANCE3', 14)).toBe('co-9-c2-MAINTENANCE3-r14');
    expect(executionName('co-9', 2, 'MAINTENANCE2', 0)).toBe('co-9-c2-MAINTENANCE2');
  });

  test('phaseKeyOf', () => {
    expect(phaseKeyOf('REGISTERED', null)).toBe('REGISTRATION');
    expect(phaseKeyOf('MAINTENANCE', 2)).toBe('MAINTENANCE2');
    expect(phaseKeyOf('MAINTENANCE', 3)).toBe('MAINTENANCE3');
    expect(phaseKeyOf('MAINTENANCE', null)).toBe('MAINTENANCE2');
    expect(phaseKeyOf('RECERTIFICATION', null)).toBe('RECERTIFICATION');
  });

  test('isActivePhase', () => {
    expect(PHASES.filter(isActivePhase)).toEqual([
      'REGISTERED',
      'TRAINING',
      'IMPLEMENTATION',
      'CERTIFICATION_AUDIT',
      'CERTIFIED',
      'MAINTENANCE',
      'RECERTIFICATION',
    ]);
  });
});
