import { policies } from '../../../domain';
import { addMonths, decide } from '../../../domain';
import { at, DAYS, Driver, elementIds, expectRefused, scoresOf } from './helpers';

describe('submitting the safety program', () => {
  test('in IMPLEMENTATION: enters CERTIFICATION_AUDIT with the audit window', () => {
    const d = new Driver('AB').toImplementation();
    const decision = d.submit('2027-03-01', '2027-01-15');
    expect(decision.workflow).toBe('notify');
    expect(decision.events.map((e) => e.type)).toEqual(['PROGRAM_SUBMITTED', 'PHASE_ENTERED']);
    expect(decision.events[0]?.details).toEqual({
      manualTitle: 'Acme H&S manual',
      manualVersion: '1.0',
      implementedSince: '2027-01-15',
      earliestAuditOn: '2027-04-15',
    });
    expect(d.c.phase).toBe('CERTIFICATION_AUDIT');
    expect(d.c.program).toEqual({
      manualTitle: 'Acme H&S manual',
      manualVersion: '1.0',
      elements: elementIds('AB'),
      implementedSince: '2027-01-15',
      submittedOn: '2027-03-01',
      earliestAuditOn: '2027-04-15',
    });
    // opens when the minimum implementation period is over, due 12 months from submission
    expect(d.c.nextDeadline).toEqual({
      step: 'CERTIFICATION_AUDIT',
      opensOn: '2027-04-15',
      dueOn: '2028-03-01',
    });
    expect(d.c.execution.name).toBe('co-1-c1-CERTIFICATION_AUDIT');
  });

  test('a program implemented long enough ago opens the audit window on the submission day', () => {
    const d = new Driver('SK').toImplementation();
    d.submit('2027-03-01', '2025-01-01');
    expect(d.c.nextDeadline).toEqual({
      step: 'CERTIFICATION_AUDIT',
      opensOn: '2027-03-01',
      dueOn: '2028-09-01',
    });
  });

  test.each([
    ['AB', 3, 12],
    ['BC', 3, 12],
    ['MB', 3, 12],
    ['SK', 12, 18],
    ['ON', 6, 12],
  ])('%s: minimum implementation %i months, audit within %i months', (region, minMonths, withinMonths) => {
    const d = new Driver(region).toImplementation();
    d.submit('2027-03-01', '2027-03-01');
    const earliest = addMonths('2027-03-01', minMonths);
    expect(d.c.program?.earliestAuditOn).toBe(earliest);
    expect(d.c.nextDeadline).toEqual({
      step: 'CERTIFICATION_AUDIT',
      opensOn: earliest,
      dueOn: addMonths('2027-03-01', withinMonths),
    });
  });

  test('duplicate element ids are recorded once', () => {
    const d = new Driver('AB').toImplementation();
    d.do(d.submitCommand(DAYS.implementedSince, [...elementIds('AB'), 'inspections']), DAYS.submitted);
    expect(d.c.program?.elements).toEqual(elementIds('AB'));
  });

  test('a manual missing an element is NOT_ELIGIBLE; naming an unknown one is VALIDATION_FAILED, naming it', () => {
    const d = new Driver('AB').toImplementation();
    const missing = elementIds('AB').filter((e) => e !== 'emergency-response');
    expectRefused(
      () => d.do(d.submitCommand(DAYS.implementedSince, missing), DAYS.submitted),
      'NOT_ELIGIBLE',
      /must cover every program element; missing: emergency-response/,
    );
    expectRefused(
      () =>
        d.do(d.submitCommand(DAYS.implementedSince, [...elementIds('AB'), 'fire-drills']), DAYS.submitted),
      'VALIDATION_FAILED',
      /unknown program element\(s\) fire-drills/,
    );
  });

  test('program elements may be named by their published names, in any letter case', () => {
    const d = new Driver('AB').toImplementation();
    const names = policies
      .forRegion('AB')
      .programElements.map((e, i) => (i % 2 ? e.name.toUpperCase() : e.name));
    d.do(d.submitCommand(DAYS.implementedSince, names), DAYS.submitted);
    expect(d.c.program?.elements).toEqual(elementIds('AB'));
  });

  test('a program implemented since a future date is TOO_EARLY', () => {
    const d = new Driver('AB').toImplementation();
    expectRefused(() => d.submit('2027-03-01', '2027-03-02'), 'TOO_EARLY', /in the future/);
    d.submit('2027-03-01', '2027-03-01');
    expect(d.c.phase).toBe('CERTIFICATION_AUDIT');
  });

  test('before the training is passed: WRONG_PHASE', () => {
    const d = new Driver('AB').toTraining();
    expectRefused(
      () => d.submit('2027-02-01'),
      'WRONG_PHASE',
      /phase IMPLEMENTATION\); the company is in phase TRAINING/,
    );
  });

  test('resubmitting in CERTIFICATION_AUDIT updates the program but keeps the submission date and deadline', () => {
    const d = new Driver('AB').toCertificationAudit();
    const due = d.c.nextDeadline?.dueOn;
    const decision = d.do({ ...d.submitCommand('2027-04-01'), manualVersion: '2.0' }, '2027-05-01');
    expect(decision.workflow).toBe('notify');
    expect(decision.events.map((e) => e.type)).toEqual(['PROGRAM_UPDATED']);
    expect(d.c.phase).toBe('CERTIFICATION_AUDIT');
    expect(d.c.program).toMatchObject({
      manualVersion: '2.0',
      submittedOn: DAYS.submitted,
      earliestAuditOn: '2027-07-01',
    });
    expect(d.c.nextDeadline).toEqual({ step: 'CERTIFICATION_AUDIT', opensOn: '2027-07-01', dueOn: due });
    expectRefused(() => d.audit('certification', 90, '2027-06-30'), 'TOO_EARLY', /on or after 2027-07-01/);
  });

  test('once certified, the program cannot be resubmitted', () => {
    const d = new Driver('AB').certify();
    expectRefused(() => d.submit('2027-07-01'), 'WRONG_PHASE', /phase MAINTENANCE \(year 2\)/);
  });
});

describe('the certification audit', () => {
  test('a pass issues the certificate on the completion date, enters CERTIFIED and maintenance year 2', () => {
    const d = new Driver('AB').toCertificationAudit();
    const decision = d.audit('certification', 80, '2027-06-01', '2027-06-03', { certificateSequence: 17 });
    expect(decision.workflow).toBe('notify');
    expect(decision.events.map((e) => e.type)).toEqual([
      'AUDIT_PASSED',
      'CERTIFICATE_ISSUED',
      'PHASE_ENTERED',
      'PHASE_ENTERED',
    ]);
    expect(decision.events.every((e) => e.at === at('2027-06-03') && e.by === 'assessor:auditor-1')).toBe(
      true,
    );
    expect(d.c.phase).toBe('MAINTENANCE'); // certified, in maintenance year 2 at once
    expect(d.c.certificate).toEqual({
      certificateNumber: 'SECOR-AB-2027-000017',
      cycle: 1,
      issuedOn: '2027-06-01',
      expiresOn: '2030-06-01',
      status: 'valid',
    });
    expect(d.c.audits).toEqual([
      expect.objectContaining({
        type: 'certification',
        cycle: 1,
        passed: true,
        correctiveActionRequired: false,
        completedOn: '2027-06-01',
        recordedAt: at('2027-06-03'),
        recordedBy: 'assessor:auditor-1',
        failedElements: [],
      }),
    ]);
    expect(d.c.audits[0]).not.toHaveProperty('maintenanceYear');
    expect(d.c.nextDeadline).toEqual({
      step: 'MAINTENANCE_AUDIT',
      opensOn: '2027-06-01',
      dueOn: '2028-06-01',
      maintenanceYear: 2,
    });
    expect(d.c.execution).toEqual({ phaseKey: 'MAINTENANCE2', name: 'co-1-c1-MAINTENANCE2' });
  });

  test('overall 79.99 fails: corrective action, a new audit before the deadline; the next pass closes it', () => {
    const d = new Driver('AB').toCertificationAudit();
    const fail = d.audit('certification', 79.99, '2027-06-01', '2027-06-01', { auditId: 'a-fail' });
    expect(fail.workflow).toBe('notify');
    expect(fail.events.map((e) => e.type)).toEqual(['AUDIT_FAILED', 'CORRECTIVE_ACTION_REQUIRED']);
    expect(fail.events[0]?.details).toMatchObject({
      reasons: ['overall score 79.99% is below the pass mark of 80%'],
    });
    expect(d.c.phase).toBe('CERTIFICATION_AUDIT');
    expect(d.c.certificate).toBeNull();
    expect(d.c.correctiveActions).toEqual([{ auditId: 'a-fail', openedOn: '2027-06-01', status: 'OPEN' }]);
    expect(d.c.audits[0]).toMatchObject({ passed: false, correctiveActionRequired: true });

    const pass = d.audit('certification', 80, '2027-07-01', '2027-07-02', { auditId: 'a-pass' });
    expect(pass.events.map((e) => e.type)).toEqual([
      'AUDIT_PASSED',
      'CORRECTIVE_ACTION_CLOSED',
      'CERTIFICATE_ISSUED',
      'PHASE_ENTERED',
      'PHASE_ENTERED',
    ]);
    expect(d.c.correctiveActions).toEqual([
      {
        auditId: 'a-fail',
        openedOn: '2027-06-01',
        status: 'CLOSED',
        closedOn: '2027-07-01',
        closedByAuditId: 'a-pass',
      },
    ]);
    expect(d.c.certificate?.issuedOn).toBe('2027-07-01');
  });

  test('AB: an element at 49.99 fails the audit, at 50 it passes', () => {
    const d = new Driver('AB').toCertificationAudit();
    d.audit('certification', 90, '2027-06-01', '2027-06-01', {
      elementScores: scoresOf('AB', 90, { training: 49.99 }),
    });
    expect(d.c.phase).toBe('CERTIFICATION_AUDIT');
    expect(d.c.audits[0]?.failedElements).toEqual(['training']);
    d.audit('certification', 90, '2027-06-02', '2027-06-02', {
      elementScores: scoresOf('AB', 90, { training: 50 }),
    });
    expect(d.c.phase).toBe('MAINTENANCE'); // certified, in maintenance year 2 at once
  });

  test('the default policy has no element minimum', () => {
    const d = new Driver('ON').toCertificationAudit();
    d.audit('certification', 80, '2027-06-01', '2027-06-01', { elementScores: scoresOf('ON', 0) });
    expect(d.c.phase).toBe('MAINTENANCE'); // certified, in maintenance year 2 at once
    expect(d.c.certificate?.certificateNumber).toMatch(/^SECOR-ON-2027-/);
  });

  test('before the minimum implementation period is over: TOO_EARLY (day before), accepted (the day)', () => {
    const d = new Driver('SK').toImplementation();
    d.submit('2027-03-01', '2026-07-01'); // SK: 12 months → earliest 2027-07-01
    expectRefused(
      () => d.audit('certification', 90, '2027-06-30', '2027-07-05'),
      'TOO_EARLY',
      /at least 12 months \(implemented since 2026-07-01\)/,
    );
    d.audit('certification', 90, '2027-07-01', '2027-07-05');
    expect(d.c.certificate?.issuedOn).toBe('2027-07-01');
  });

  test('an audit completed before the program was submitted is TOO_EARLY', () => {
    const d = new Driver('AB').toCertificationAudit(); // program implemented since 2026-01-01, submitted 2027-03-01
    expectRefused(() => d.audit('certification', 90, '2027-02-28', '2027-03-02'), 'TOO_EARLY', /2027-03-01/);
    expectRefused(() => d.audit('certification', 90, '2026-06-01', '2027-03-02'), 'TOO_EARLY');
    d.audit('certification', 90, '2027-03-01', '2027-03-02');
    expect(d.c.certificate?.issuedOn).toBe('2027-03-01');
  });

  test('an audit completed in the future is TOO_EARLY', () => {
    const d = new Driver('AB').toCertificationAudit();
    expectRefused(
      () => d.audit('certification', 90, '2027-06-02', '2027-06-01'),
      'TOO_EARLY',
      /in the future/,
    );
  });

  test.each([-0.01, 100.5, Number.NaN])('an overall score of %p is NOT_ELIGIBLE', (score) => {
    const d = new Driver('AB').toCertificationAudit();
    expectRefused(
      () =>
        d.audit('certification', score, '2027-06-01', '2027-06-01', { elementScores: scoresOf('AB', 90) }),
      'NOT_ELIGIBLE',
      /overallScore is a percentage/,
    );
  });

  test.each([-1, 101, Number.NaN])('an element score of %p is NOT_ELIGIBLE', (score) => {
    const d = new Driver('AB').toCertificationAudit();
    expectRefused(
      () =>
        d.audit('certification', 90, '2027-06-01', '2027-06-01', {
          elementScores: scoresOf('AB', 90, { inspections: score }),
        }),
      'NOT_ELIGIBLE',
      /inspections/,
    );
  });

  test('an audit scores every element once: unknown, missing and repeated elements are VALIDATION_FAILED, each named', () => {
    const d = new Driver('AB').toCertificationAudit();
    const unknown = expectRefused(
      () =>
        d.audit('certification', 90, '2027-06-01', '2027-06-01', {
          elementScores: scoresOf('AB', 90, { 'fire-drills': 90 }),
        }),
      'VALIDATION_FAILED',
      /scores every element of the Alberta policy/,
    );
    expect(unknown.details).toEqual([
      { path: 'body:elementScores/fire-drills', message: 'not an element of the Alberta policy' },
    ]);
    // Nothing scored: every element is named as missing; no audit is recorded (it is not a failed audit).
    const empty = expectRefused(
      () => d.audit('certification', 90, '2027-06-01', '2027-06-01', { elementScores: {} }),
      'VALIDATION_FAILED',
    );
    expect(empty.details?.map((x) => x.path)).toEqual(
      elementIds('AB').map((id) => `body:elementScores/${id}`),
    );
    expect(d.c.audits).toEqual([]);
    const { inspections: _dropped, ...seven } = scoresOf('AB', 90);
    const repeated = expectRefused(
      () =>
        d.audit('certification', 90, '2027-06-01', '2027-06-01', {
          elementScores: { ...seven, inspections: 90, INSPECTIONS: 80 },
        }),
      'VALIDATION_FAILED',
    );
    expect(repeated.details).toEqual([
      { path: 'body:elementScores/INSPECTIONS', message: 'element inspections is scored twice' },
    ]);
  });

  test('audit scores may name elements by their published names, in any letter case; they are recorded by id', () => {
    const d = new Driver('AB').toCertificationAudit();
    const byName = Object.fromEntries(
      policies.forRegion('AB').programElements.map((e) => [e.name.toLowerCase(), 90]),
    );
    d.audit('certification', 90, '2027-06-01', '2027-06-01', { elementScores: byName });
    expect(Object.keys(d.c.audits.at(-1)?.elementScores ?? {})).toEqual(elementIds('AB'));
  });

  test('before the program is submitted, or once certified: WRONG_PHASE', () => {
    const d = new Driver('AB').toImplementation();
    expectRefused(() => d.audit('certification', 90, '2027-03-01'), 'WRONG_PHASE', /phase IMPLEMENTATION/);
    d.submit();
    d.audit('certification', 90, DAYS.audited, DAYS.recorded);
    expectRefused(
      () => d.audit('certification', 90, '2027-07-01'),
      'WRONG_PHASE',
      /phase MAINTENANCE \(year 2\)/,
    );
  });

  test('a passing audit without a certificate sequence is a programming error, not a rule', () => {
    const d = new Driver('AB').toCertificationAudit();
    const command = d.auditCommand('certification', 90, '2027-06-01');
    delete command.certificateSequence;
    expect(() => decide(d.c, command, { now: at('2027-06-01'), by: 'assessor:a' })).toThrow(
      /certificateSequence/,
    );
    // a failing one needs none
    const failing = { ...command, overallScore: 50 };
    expect(decide(d.c, failing, { now: at('2027-06-01'), by: 'assessor:a' }).company.phase).toBe(
      'CERTIFICATION_AUDIT',
    );
  });
});
