import {
  addDays,
  certificateStatus,
  maintenanceDeadline,
  maintenanceDueOn,
  recertificationDeadline,
} from '../../../domain';
import { at, Driver, expectRefused, policyOf } from './helpers';

/** Certified on 2027-06-01 (expires 2030-06-01) and in MAINTENANCE year 2. */
function inMaintenance(region = 'AB', issuedOn = '2027-06-01'): Driver {
  const d = new Driver(region).certify(issuedOn);
  return d;
}

describe('certified: maintenance begins in the same decision', () => {
  test('a passed certification audit issues the certificate, enters CERTIFIED and then MAINTENANCE year 2', () => {
    const d = new Driver('AB').toCertificationAudit();
    const decision = d.audit('certification', 90, '2027-06-01');
    expect(decision.events.map((e) => [e.type, e.details?.phase ?? null])).toEqual([
      ['AUDIT_PASSED', null],
      ['CERTIFICATE_ISSUED', null],
      ['PHASE_ENTERED', 'CERTIFIED'],
      ['PHASE_ENTERED', 'MAINTENANCE'],
    ]);
    expect(decision.events.at(-1)?.details).toEqual({
      from: 'CERTIFIED',
      phase: 'MAINTENANCE',
      maintenanceYear: 2,
    });
    expect(d.c).toMatchObject({
      phase: 'MAINTENANCE',
      maintenanceYear: 2,
      nextDeadline: { step: 'MAINTENANCE_AUDIT', maintenanceYear: 2 },
    });
    // The waiting certification-audit execution hands over straight to the maintenance year's.
    expect(decision.workflow).toBe('notify');
    expect(d.c.execution).toEqual({ phaseKey: 'MAINTENANCE2', name: 'co-1-c1-MAINTENANCE2' });
  });
});

describe('maintenance audits (years 2 and 3)', () => {
  test('year 2: before the window TOO_EARLY, on the due date accepted, moves to year 3', () => {
    const d = inMaintenance();
    expectRefused(
      () => d.audit('maintenance', 90, '2027-05-31', '2027-06-05'),
      'TOO_EARLY',
      /year-2 maintenance audit window opens on 2027-06-01 \(due 2028-06-01\)/,
    );
    const decision = d.audit('maintenance', 90, '2028-06-01', '2028-06-01', { by: 'company' });
    expect(decision.workflow).toBe('notify');
    expect(decision.events.map((e) => e.type)).toEqual(['AUDIT_PASSED', 'PHASE_ENTERED']);
    expect(decision.events[0]?.details).toMatchObject({ type: 'maintenance', maintenanceYear: 2 });
    expect(d.c.audits.at(-1)).toMatchObject({
      type: 'maintenance',
      maintenanceYear: 2,
      passed: true,
      cycle: 1,
    });
    expect(d.c).toMatchObject({ phase: 'MAINTENANCE', maintenanceYear: 3 });
    expect(d.c.nextDeadline).toEqual({
      step: 'MAINTENANCE_AUDIT',
      opensOn: '2028-06-01',
      dueOn: '2029-06-01',
      maintenanceYear: 3,
    });
    expect(d.c.execution).toEqual({ phaseKey: 'MAINTENANCE3', name: 'co-1-c1-MAINTENANCE3' });
  });

  test('year 2: an audit completed after the due date cannot keep the certificate', () => {
    const d = inMaintenance();
    expectRefused(
      () => d.audit('maintenance', 90, '2028-06-02', '2028-06-02'),
      'WRONG_PHASE',
      /MAINTENANCE_AUDIT deadline was 2028-06-01 \(the end of that day, America\/Edmonton time\) and has passed: the certificate is being cancelled/,
    );
    expect(d.c.certificate?.status).toBe('valid');
    d.doAt({ type: 'deadlinePassed' }, d.wake('2028-06-02'), 'system');
    expect(d.c.phase).toBe('CANCELLED');
  });

  test('year 2: an audit completed on the due date and recorded the next morning keeps the certificate', () => {
    const d = inMaintenance();
    d.audit('maintenance', 90, '2028-06-01', '2028-06-02');
    expect(d.c).toMatchObject({ phase: 'MAINTENANCE', maintenanceYear: 3 });
    expect(d.c.certificate?.status).toBe('valid');
  });

  test('year 3 filed early: before its window (the first anniversary) TOO_EARLY, then RECERTIFICATION', () => {
    const d = inMaintenance();
    d.audit('maintenance', 90, '2027-12-01');
    expect(d.c.maintenanceYear).toBe(3);
    expectRefused(
      () => d.audit('maintenance', 90, '2028-05-31'),
      'TOO_EARLY',
      /year-3 maintenance audit window opens on 2028-06-01/,
    );
    d.audit('maintenance', 90, '2028-06-01');
    expect(d.c.phase).toBe('RECERTIFICATION');
    expect(d.c.maintenanceYear).toBeNull();
    expect(d.c.nextDeadline).toEqual({
      step: 'RECERTIFICATION_AUDIT',
      opensOn: '2029-06-01',
      dueOn: '2030-06-01',
    });
    expect(d.c.execution.name).toBe('co-1-c1-RECERTIFICATION');
  });

  test('below the pass mark: corrective action required, certificate stays valid; a later pass closes it', () => {
    const d = inMaintenance();
    const fail = d.audit('maintenance', 79.99, '2028-05-01', '2028-05-01', { auditId: 'm2' });
    expect(fail.events.map((e) => e.type)).toEqual([
      'AUDIT_FAILED',
      'CORRECTIVE_ACTION_REQUIRED',
      'PHASE_ENTERED',
    ]);
    expect(d.c.audits.at(-1)).toMatchObject({
      passed: false,
      correctiveActionRequired: true,
      maintenanceYear: 2,
    });
    expect(d.c.correctiveActions).toEqual([{ auditId: 'm2', openedOn: '2028-05-01', status: 'OPEN' }]);
    expect(d.c.certificate?.status).toBe('valid');
    expect(certificateStatus(d.c.certificate!, at('2028-05-02'), d.region)).toBe('valid');
    expect(d.c).toMatchObject({ phase: 'MAINTENANCE', maintenanceYear: 3 });

    const pass = d.audit('maintenance', 80, '2029-05-01', '2029-05-02', { auditId: 'm3' });
    expect(pass.events.map((e) => e.type)).toEqual([
      'AUDIT_PASSED',
      'CORRECTIVE_ACTION_CLOSED',
      'PHASE_ENTERED',
    ]);
    expect(d.c.correctiveActions).toEqual([
      {
        auditId: 'm2',
        openedOn: '2028-05-01',
        status: 'CLOSED',
        closedOn: '2029-05-01',
        closedByAuditId: 'm3',
      },
    ]);
    expect(d.c.phase).toBe('RECERTIFICATION');
  });

  test('AB: an element below 50% fails a maintenance audit too', () => {
    const d = inMaintenance();
    d.audit('maintenance', 95, '2028-05-01', '2028-05-01', {
      elementScores: {
        ...Object.fromEntries(d.policy.programElements.map((e) => [e.id, 95])),
        inspections: 49.99,
      },
    });
    expect(d.c.audits.at(-1)?.failedElements).toEqual(['inspections']);
    expect(d.c.correctiveActions).toHaveLength(1);
  });

  test('outside the maintenance years: WRONG_PHASE', () => {
    const d = new Driver('AB').toCertificationAudit();
    expectRefused(() => d.audit('maintenance', 90, '2027-06-01'), 'WRONG_PHASE', /years 2 and 3/);
    const r = new Driver('AB').toRecertification();
    expectRefused(() => r.audit('maintenance', 90, '2029-07-01'), 'WRONG_PHASE', /phase RECERTIFICATION/);
  });
});

describe('missed maintenance cancels the certificate', () => {
  test.each([
    ['year 2', 2, '2028-06-01'],
    ['year 3', 3, '2029-06-01'],
  ])('%s: TOO_EARLY the day before and on the due day, CANCELLED the day after', (_, year, due) => {
    const d = inMaintenance();
    if (year === 3) d.audit('maintenance', 90, '2028-05-01');
    const before = d.c.phase;
    expectRefused(() => d.deadlinePassed(addDays(due, -1)), 'TOO_EARLY');
    expectRefused(
      () => d.deadlinePassed(due),
      'TOO_EARLY',
      new RegExp(`MAINTENANCE_AUDIT deadline is ${due}; it has not passed`),
    );
    expect(d.c.phase).toBe(before);
    expect(d.c.certificate?.status).toBe('valid');
    const dayAfter = addDays(due, 1);
    const decision = d.deadlinePassed(dayAfter);
    expect(decision.workflow).toBeNull();
    expect(decision.events).toEqual([
      {
        at: at(dayAfter),
        type: 'CANCELLED',
        by: 'system',
        details: {
          step: 'MAINTENANCE_AUDIT',
          dueOn: due,
          maintenanceYear: year,
          certificateNumber: 'SECOR-AB-2027-000001',
        },
      },
    ]);
    expect(d.c).toMatchObject({
      phase: 'CANCELLED',
      nextDeadline: null,
      maintenanceYear: null,
      lapsed: null,
    });
    expect(d.c.certificate?.status).toBe('cancelled');
    expect(certificateStatus(d.c.certificate!, at(dayAfter), d.region)).toBe('cancelled');
    // a cancelled company files nothing more
    expectRefused(() => d.audit('maintenance', 90, dayAfter), 'WRONG_PHASE', /phase CANCELLED/);
    expectRefused(() => d.deadlinePassed(dayAfter), 'WRONG_PHASE', /only an open step/);
  });

  test('the deadline passes at local midnight: 23:59:59.999 MDT on the due day is still TOO_EARLY', () => {
    const d = inMaintenance();
    // midnight UTC is 18:00 on the due day in Alberta
    expectRefused(
      () => d.do({ type: 'deadlinePassed' }, '2028-06-02', 'system', '00:00:00.000Z'),
      'TOO_EARLY',
    );
    expectRefused(
      () => d.do({ type: 'deadlinePassed' }, '2028-06-02', 'system', '05:59:59.999Z'),
      'TOO_EARLY',
    );
    d.do({ type: 'deadlinePassed' }, '2028-06-02', 'system', '06:00:00.000Z');
    expect(d.c.phase).toBe('CANCELLED');
  });
});

describe('BC: maintenance due 31 December of the anniversary year', () => {
  test('windows, due dates and cancellation', () => {
    const d = inMaintenance('BC', '2027-06-01');
    expect(d.c.nextDeadline).toEqual({
      step: 'MAINTENANCE_AUDIT',
      opensOn: '2027-06-01',
      dueOn: '2028-12-31',
      maintenanceYear: 2,
    });
    expectRefused(
      () => d.audit('maintenance', 90, '2029-01-01'),
      'WRONG_PHASE',
      /deadline was 2028-12-31 \(the end of that day, America\/Vancouver time\)/,
    );
    d.audit('maintenance', 90, '2028-12-31');
    expect(d.c.nextDeadline).toEqual({
      step: 'MAINTENANCE_AUDIT',
      opensOn: '2028-06-01',
      dueOn: '2029-12-31',
      maintenanceYear: 3,
    });
    expectRefused(() => d.deadlinePassed('2029-12-31'), 'TOO_EARLY');
    d.deadlinePassed('2030-01-01');
    expect(d.c.phase).toBe('CANCELLED');
  });

  test('a certificate issued in January still has until 31 December of the next year', () => {
    const bc = policyOf('BC');
    expect(maintenanceDueOn(bc, '2027-01-15', 2)).toBe('2028-12-31');
    expect(maintenanceDueOn(bc, '2027-01-15', 3)).toBe('2029-12-31');
    expect(maintenanceDueOn(bc, '2027-12-31', 2)).toBe('2028-12-31');
    expect(maintenanceDueOn(policyOf('AB'), '2027-01-15', 2)).toBe('2028-01-15');
    expect(maintenanceDueOn(policyOf('ON'), '2027-01-15', 3)).toBe('2029-01-15');
  });
});

describe('a certificate issued on 29 February', () => {
  test('expires 28 February; the anniversaries are 28 February', () => {
    const d = inMaintenance('AB', '2028-02-29');
    expect(d.c.certificate).toMatchObject({ issuedOn: '2028-02-29', expiresOn: '2031-02-28' });
    expect(d.c.nextDeadline).toEqual(maintenanceDeadline(d.policy, '2028-02-29', 2));
    expect(d.c.nextDeadline).toMatchObject({ opensOn: '2028-02-29', dueOn: '2029-02-28' });
    expectRefused(() => d.deadlinePassed('2029-02-28'), 'TOO_EARLY');
    d.audit('maintenance', 90, '2029-02-28');
    expect(d.c.nextDeadline).toMatchObject({
      opensOn: '2029-02-28',
      dueOn: '2030-02-28',
      maintenanceYear: 3,
    });
    d.audit('maintenance', 90, '2030-02-28');
    expect(d.c.nextDeadline).toEqual(recertificationDeadline('2028-02-29', '2031-02-28'));
    expect(d.c.nextDeadline).toMatchObject({ opensOn: '2030-02-28', dueOn: '2031-02-28' });
    expect(certificateStatus(d.c.certificate!, at('2031-02-28'), d.region)).toBe('valid');
    expect(certificateStatus(d.c.certificate!, at('2031-03-01'), d.region)).toBe('expired');
  });

  test('a missed year-2 audit cancels on 1 March of the next year', () => {
    const d = inMaintenance('MB', '2028-02-29');
    d.deadlinePassed('2029-03-01');
    expect(d.c.phase).toBe('CANCELLED');
  });

  test('BC: due 31 December of 2029', () => {
    const d = inMaintenance('BC', '2028-02-29');
    expect(d.c.nextDeadline?.dueOn).toBe('2029-12-31');
  });
});

describe('recertification (every 3 years, before expiry)', () => {
  test('before the window opens (second anniversary): TOO_EARLY', () => {
    const d = new Driver('AB').toRecertification();
    expectRefused(
      () => d.audit('recertification', 90, '2029-05-31'),
      'TOO_EARLY',
      /recertification opens on 2029-06-01 \(due 2030-06-01\)/,
    );
  });

  test('a pass issues the next cycle certificate and starts its maintenance years', () => {
    const d = new Driver('AB').toRecertification();
    const first = d.c.certificate;
    const decision = d.audit('recertification', 88, '2030-05-20', '2030-05-21', { certificateSequence: 99 });
    expect(decision.workflow).toBe('notify');
    expect(decision.events.map((e) => e.type)).toEqual([
      'AUDIT_PASSED',
      'CERTIFICATE_ISSUED',
      'PHASE_ENTERED',
      'PHASE_ENTERED',
    ]);
    expect(d.c).toMatchObject({ phase: 'MAINTENANCE', maintenanceYear: 2, cycle: 2 });
    expect(d.c.certificate).toEqual({
      certificateNumber: 'SECOR-AB-2030-000099',
      cycle: 2,
      issuedOn: '2030-05-20',
      expiresOn: '2033-05-20',
      status: 'valid',
    });
    expect(d.c.pastCertificates).toEqual([first]);
    expect(d.c.audits.at(-1)).toMatchObject({ type: 'recertification', cycle: 1, passed: true });
    expect(d.c.nextDeadline).toEqual({
      step: 'MAINTENANCE_AUDIT',
      opensOn: '2030-05-20',
      dueOn: '2031-05-20',
      maintenanceYear: 2,
    });
    expect(d.c.execution.name).toBe('co-1-c2-MAINTENANCE2');
  });

  test('a failed recertification audit requires corrective action; the certificate stays valid until expiry', () => {
    const d = new Driver('AB').toRecertification();
    const fail = d.audit('recertification', 70, '2029-07-01');
    expect(fail.workflow).toBe('notify');
    expect(d.c.phase).toBe('RECERTIFICATION');
    expect(d.c.correctiveActions.filter((a) => a.status === 'OPEN')).toHaveLength(1);
    expect(d.c.certificate?.status).toBe('valid');
    d.audit('recertification', 90, '2029-08-01');
    expect(d.c.correctiveActions.every((a) => a.status === 'CLOSED')).toBe(true);
    expect(d.c.cycle).toBe(2);
  });

  test('outside RECERTIFICATION: WRONG_PHASE', () => {
    const d = new Driver('AB').certify();
    expectRefused(() => d.audit('recertification', 90, '2027-07-01'), 'WRONG_PHASE', /third year/);
  });

  test('missed: TOO_EARLY on the expiry day, LAPSED and the certificate lapsed the day after', () => {
    const d = new Driver('AB').toRecertification();
    expectRefused(() => d.deadlinePassed('2030-05-31'), 'TOO_EARLY');
    expectRefused(
      () => d.deadlinePassed('2030-06-01'),
      'TOO_EARLY',
      /RECERTIFICATION_AUDIT deadline is 2030-06-01/,
    );
    const decision = d.deadlinePassed('2030-06-02');
    expect(decision.workflow).toBeNull();
    expect(decision.events.map((e) => [e.type, e.details])).toEqual([
      ['LAPSED', { phase: 'RECERTIFICATION', step: 'RECERTIFICATION_AUDIT', dueOn: '2030-06-01' }],
    ]);
    expect(d.c).toMatchObject({
      phase: 'LAPSED',
      nextDeadline: null,
      lapsed: { phase: 'RECERTIFICATION', step: 'RECERTIFICATION_AUDIT', dueOn: '2030-06-01' },
    });
    expect(d.c.certificate?.status).toBe('lapsed');
    expect(certificateStatus(d.c.certificate!, at('2030-06-02'), d.region)).toBe('lapsed');
  });

  test('SECOR-numbered certificates of three cycles', () => {
    const d = new Driver('SK').toRecertification();
    d.audit('recertification', 90, '2030-05-01');
    d.audit('maintenance', 90, '2031-04-01');
    d.audit('maintenance', 90, '2032-04-01');
    d.audit('recertification', 90, '2032-06-01');
    expect(d.c.cycle).toBe(3);
    expect(d.c.pastCertificates.map((c) => c.cycle)).toEqual([1, 2]);
    expect(d.c.certificate).toMatchObject({ cycle: 3, issuedOn: '2032-06-01', expiresOn: '2035-06-01' });
    expect(d.c.execution.name).toBe('co-1-c3-MAINTENANCE2');
  });
});
