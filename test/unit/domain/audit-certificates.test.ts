import {
  CERTIFICATE_NUMBER_RE,
  certificateStatus,
  evaluateAudit,
  formatCertificateNumber,
  isPassingExam,
  type Certificate,
} from '../../../domain';
import { at, policyOf, scoresOf } from './helpers';

describe('exam pass mark (80%)', () => {
  test.each(['AB', 'BC', 'MB', 'SK', 'ON'])('%s: 79.99 fails, 80 passes', (region) => {
    const policy = policyOf(region);
    expect(isPassingExam(policy, 79.99)).toBe(false);
    expect(isPassingExam(policy, 80)).toBe(true);
    expect(isPassingExam(policy, 100)).toBe(true);
    expect(isPassingExam(policy, 0)).toBe(false);
  });
});

describe('audit evaluation', () => {
  test('overall 79.99 fails and 80 passes', () => {
    const ab = policyOf('AB');
    const fail = evaluateAudit(ab, 79.99, scoresOf('AB', 90));
    expect(fail).toEqual({
      passed: false,
      failedElements: [],
      reasons: ['overall score 79.99% is below the pass mark of 80%'],
    });
    expect(evaluateAudit(ab, 80, scoresOf('AB', 90))).toEqual({
      passed: true,
      failedElements: [],
      reasons: [],
    });
  });

  test('AB: an element at 49.99 fails the audit, at 50 passes', () => {
    const ab = policyOf('AB');
    const fail = evaluateAudit(ab, 90, scoresOf('AB', 90, { inspections: 49.99 }));
    expect(fail.passed).toBe(false);
    expect(fail.failedElements).toEqual(['inspections']);
    expect(fail.reasons).toEqual(['element "inspections" scored 49.99%, below the element minimum of 50%']);
    expect(evaluateAudit(ab, 90, scoresOf('AB', 90, { inspections: 50 })).passed).toBe(true);
  });

  test.each(['BC', 'MB', 'SK'])('%s also requires 50%% in every element', (region) => {
    const policy = policyOf(region);
    expect(evaluateAudit(policy, 90, scoresOf(region, 90, { 'hazard-control': 49.99 })).passed).toBe(false);
    expect(evaluateAudit(policy, 90, scoresOf(region, 90, { 'hazard-control': 50 })).passed).toBe(true);
  });

  test('where an element minimum applies, an unscored element fails', () => {
    const scores = scoresOf('AB', 90);
    delete scores['emergency-response'];
    const result = evaluateAudit(policyOf('AB'), 90, scores);
    expect(result.passed).toBe(false);
    expect(result.failedElements).toEqual(['emergency-response']);
    expect(result.reasons[0]).toMatch(/"emergency-response" was not scored/);
  });

  test('the default policy has no element minimum: a low or missing element does not fail the audit', () => {
    const def = policyOf('ON');
    expect(def.auditElementMinimum).toBeNull();
    expect(evaluateAudit(def, 80, scoresOf('ON', 90, { inspections: 0 }))).toEqual({
      passed: true,
      failedElements: [],
      reasons: [],
    });
    expect(evaluateAudit(def, 80, {}).passed).toBe(true);
    expect(evaluateAudit(def, 79.99, {}).passed).toBe(false);
  });

  test('overall and element failures are all reported', () => {
    const result = evaluateAudit(policyOf('AB'), 60, scoresOf('AB', 90, { inspections: 10, training: 20 }));
    expect(result.failedElements).toEqual(['training', 'inspections']);
    expect(result.reasons).toHaveLength(3);
  });
});

describe('certificate numbers', () => {
  test('SECOR-<region>-<year>-<6-digit sequence>', () => {
    expect(formatCertificateNumber('AB', '2027-06-01', 1)).toBe('SECOR-AB-2027-000001');
    expect(formatCertificateNumber('BC', '2028-02-29', 1234567)).toBe('SECOR-BC-2028-1234567');
    expect(CERTIFICATE_NUMBER_RE.test(formatCertificateNumber('SK', '2030-01-01', 42))).toBe(true);
    expect(CERTIFICATE_NUMBER_RE.test('SECOR-AB-2027-01')).toBe(false);
  });
  test.each([0, -1, 1.5, Number.NaN])('sequence %p is refused', (seq) => {
    expect(() => formatCertificateNumber('AB', '2027-06-01', seq)).toThrow(RangeError);
  });
});

describe('certificateStatus', () => {
  const cert: Certificate = {
    certificateNumber: 'SECOR-AB-2027-000001',
    cycle: 1,
    issuedOn: '2027-06-01',
    expiresOn: '2030-06-01',
    status: 'valid',
  };
  test('valid through the expiry date in its province, expired from local midnight after it', () => {
    expect(certificateStatus(cert, at('2027-06-01'), 'AB')).toBe('valid');
    expect(certificateStatus(cert, at('2030-05-31'), 'AB')).toBe('valid');
    // midnight UTC is 18:00 on the expiry date in Alberta (UTC−6 in June)
    expect(certificateStatus(cert, at('2030-06-02', '00:00:00.000Z'), 'AB')).toBe('valid');
    expect(certificateStatus(cert, at('2030-06-02', '05:59:59.999Z'), 'AB')).toBe('valid');
    expect(certificateStatus(cert, at('2030-06-02', '06:00:00.000Z'), 'AB')).toBe('expired');
    // the same certificate number read by a verifier in another zone: the region decides
    expect(certificateStatus(cert, at('2030-06-02', '04:00:00.000Z'), 'ON')).toBe('expired');
    expect(certificateStatus(cert, at('2030-06-02', '04:00:00.000Z'), 'AB')).toBe('valid');
    expect(certificateStatus(cert, at('2030-06-02', '02:29:59.999Z'), 'NL')).toBe('valid'); // 23:59 NDT
    expect(certificateStatus(cert, at('2030-06-02', '02:30:00.000Z'), 'NL')).toBe('expired');
  });
  test('a cancelled or lapsed certificate stays so, whatever the date', () => {
    expect(certificateStatus({ ...cert, status: 'cancelled' }, at('2028-01-01'), 'AB')).toBe('cancelled');
    expect(certificateStatus({ ...cert, status: 'lapsed' }, at('2031-01-01'), 'AB')).toBe('lapsed');
  });
});
