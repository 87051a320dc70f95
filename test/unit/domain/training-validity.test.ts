/**
 * Training validity: the status shows the trainee's SECOR training as valid, expiring (inside the refresher
 * window) or expired, on the company's local date; in partner regions a recertification needs valid training.
 */
import { companyStatus, policies, trainingValidity } from '../../../domain';
import { at, Driver, expectRefused } from './helpers';

// The trainee passes on 2027-02-15 (helpers.ts): valid until 2030-02-15, refresher window from 2029-08-15.
describe('trainingValidity', () => {
  test('null before the exam is passed; valid; expiring inside the refresher window; expired after the expiry date', () => {
    const d = new Driver('AB').toImplementation();
    const ab = policies.forRegion('AB');
    expect(d.c.training.expiresOn).toBe('2030-02-15');
    expect(
      trainingValidity({ ...d.c, training: { ...d.c.training, expiresOn: null } }, ab, '2027-01-01'),
    ).toBeNull();
    expect(trainingValidity(d.c, ab, '2029-08-14')).toBe('valid');
    expect(trainingValidity(d.c, ab, '2029-08-15')).toBe('expiring');
    expect(trainingValidity(d.c, ab, '2030-02-15')).toBe('expiring'); // valid through its last day
    expect(trainingValidity(d.c, ab, '2030-02-16')).toBe('expired');
  });

  test('the status shows it as training.status on the local date (2030-02-16 03:00 UTC is still the 15th in Alberta)', () => {
    const d = new Driver('AB').toImplementation();
    const ab = policies.forRegion('AB');
    expect(companyStatus(d.c, ab, at('2030-02-16', '03:00:00.000Z')).training.status).toBe('expiring');
    expect(companyStatus(d.c, ab, at('2030-02-16', '12:00:00.000Z')).training.status).toBe('expired');
  });
});

describe('a recertification needs valid training where the policy says so', () => {
  test('AB: with the training expired, the recertification audit is NOT_ELIGIBLE and says what to do', () => {
    const d = new Driver('AB').toRecertification({ refresher: false });
    expect(policies.forRegion('AB').recertificationNeedsValidTraining).toBe(true);
    expectRefused(
      () => d.audit('recertification', 90, '2030-05-20', '2030-05-21'),
      'NOT_ELIGIBLE',
      /needs valid SECOR training, and the trainee's expired on 2030-02-15: the trainee takes the refresher/,
    );
    expect(d.c.phase).toBe('RECERTIFICATION');
  });

  test('AB: after the refresher, the same audit recertifies', () => {
    const d = new Driver('AB').toRecertification();
    d.audit('recertification', 90, '2030-05-20', '2030-05-21');
    expect(d.c).toMatchObject({ phase: 'MAINTENANCE', cycle: 2 });
  });

  test('the default policy (e.g. Ontario) sets no such rule: the recertification goes through', () => {
    const d = new Driver('ON').toRecertification({ refresher: false });
    expect(policies.forRegion('ON').recertificationNeedsValidTraining).toBe(false);
    d.audit('recertification', 90, '2030-05-20', '2030-05-21');
    expect(d.c).toMatchObject({ phase: 'MAINTENANCE', cycle: 2 });
  });
});
