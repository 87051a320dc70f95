import { decide, type Command } from '../../../domain';
import { at, CONTACT, DAYS, Driver, expectRefused } from './helpers';

const registration = (region: string, employeeCount: number): Command => ({
  type: 'register',
  companyId: 'co-1',
  legalName: 'Acme Roofing Ltd.',
  region,
  employeeCount,
  contact: CONTACT,
});

describe('eligibility: the region employee limit', () => {
  test.each([
    ['AB', 10, 'AB'],
    ['BC', 19, 'BC'],
    ['MB', 9, 'MB'],
    ['SK', 8, 'SK'],
    ['ON', 9, 'default'],
    ['QC', 9, 'default'],
    ['YT', 9, 'default'],
  ])('%s: %i employees is eligible (policy %s), one more is NOT_ELIGIBLE', (region, limit, policyId) => {
    const ok = decide(null, registration(region, limit), { now: at(DAYS.registered), by: 'public' });
    expect(ok.company.phase).toBe('REGISTERED');
    expect(ok.company.policyId).toBe(policyId);
    expect(ok.company.employeeCount).toBe(limit);

    const error = expectRefused(
      () => decide(null, registration(region, limit + 1), { now: at(DAYS.registered), by: 'public' }),
      'NOT_ELIGIBLE',
    );
    // the company is told why, and what to do instead
    expect(error.message).toContain(`at most ${limit} employees`);
    expect(error.message).toContain(`with ${limit + 1} employees`);
    expect(error.message).toContain('full COR');
  });

  test.each([0, -3, 2.5, Number.NaN])('an employee count of %p is NOT_ELIGIBLE', (n) => {
    expectRefused(
      () => decide(null, registration('AB', n), { now: at(DAYS.registered), by: 'public' }),
      'NOT_ELIGIBLE',
      /whole number of at least 1/,
    );
  });

  test('one employee (the owner alone) is eligible', () => {
    expect(
      decide(null, registration('SK', 1), { now: at(DAYS.registered), by: 'public' }).company.phase,
    ).toBe('REGISTERED');
  });

  test('a region that is not a Canadian province or territory is NOT_ELIGIBLE', () => {
    expectRefused(
      () => decide(null, registration('WA', 3), { now: at(DAYS.registered), by: 'public' }),
      'NOT_ELIGIBLE',
      /not a Canadian province or territory/,
    );
  });
});

describe('the registered record', () => {
  test('starts in REGISTERED with a 6-month training deadline, a REGISTERED event and a workflow start', () => {
    const d = new Driver('AB');
    const decision = d.register('2027-01-10', 6);
    expect(decision.workflow).toBe('start');
    expect(decision.events).toEqual([
      {
        at: at('2027-01-10'),
        type: 'REGISTERED',
        by: 'public',
        details: { region: 'AB', policy: 'AB', employeeCount: 6 },
      },
    ]);
    expect(d.c).toMatchObject({
      companyId: 'co-1',
      region: 'AB',
      industry: 'construction',
      contact: CONTACT,
      phase: 'REGISTERED',
      cycle: 1,
      maintenanceYear: null,
      registeredAt: at('2027-01-10'),
      trainee: null,
      program: null,
      certificate: null,
      nextDeadline: { step: 'DESIGNATE_TRAINEE', opensOn: '2027-01-10', dueOn: '2027-07-10' },
      lapsed: null,
      execution: { phaseKey: 'REGISTRATION', name: 'co-1-c1-REGISTRATION' },
      remindersSent: [],
    });
    expect(d.c.history).toEqual(decision.events);
  });

  test('industry is optional', () => {
    const c = decide(null, registration('ON', 2), { now: at('2027-01-31'), by: 'public' }).company;
    expect(c.industry).toBeNull();
    // 31 January + 6 months clamps to 31 July; 31 August + 6 months to 28/29 February
    expect(c.nextDeadline?.dueOn).toBe('2027-07-31');
    const aug = decide(null, registration('ON', 2), { now: at('2027-08-31'), by: 'public' }).company;
    expect(aug.nextDeadline?.dueOn).toBe('2028-02-29');
  });

  test('registering over an existing record is a CONFLICT', () => {
    const d = new Driver('AB');
    d.register();
    expectRefused(() => d.register('2027-01-11'), 'CONFLICT', /co-1 is already registered/);
  });

  test('any other command without a record is a CONFLICT', () => {
    expectRefused(
      () => decide(null, { type: 'withdraw' }, { now: at('2027-01-10'), by: 'company' }),
      'CONFLICT',
      /no company record to apply "withdraw"/,
    );
  });
});
