import { decide, type Company, type Command } from '../../../domain';

const at = (d: string) => `${d}T10:00:00.000Z`;

test('a company goes from sign-up to its second certificate', () => {
  let c: Company | null = null;
  const run = (cmd: Command, day: string, by: Parameters<typeof decide>[2]['by'] = 'company') => {
    const d = decide(c, cmd, { now: at(day), by });
    c = d.company;
    return d;
  };
  run(
    {
      type: 'register',
      companyId: 'c1',
      legalName: 'Acme',
      region: 'AB',
      employeeCount: 6,
      contact: { name: 'A', email: 'a@x.ca' },
    },
    '2027-01-10',
    'public',
  );
  run({ type: 'designateTrainee', trainee: { name: 'T', email: 't@x.ca' } }, '2027-01-11');
  run({ type: 'recordExamAttempt', score: 72 }, '2027-02-01', 'assessor:a1');
  run({ type: 'recordExamAttempt', score: 80 }, '2027-02-15', 'assessor:a1');
  expect(c!.phase).toBe('IMPLEMENTATION');
  run(
    {
      type: 'submitProgram',
      manualTitle: 'M',
      manualVersion: '1',
      elements: [
        'management-leadership',
        'hazard-assessment',
        'hazard-control',
        'training',
        'inspections',
        'emergency-response',
        'incident-investigation',
        'program-administration',
      ],
      implementedSince: '2027-03-01',
    },
    '2027-03-01',
  );
  const scores = Object.fromEntries(
    [
      'management-leadership',
      'hazard-assessment',
      'hazard-control',
      'training',
      'inspections',
      'emergency-response',
      'incident-investigation',
      'program-administration',
    ].map((e) => [e, 85]),
  );
  run(
    {
      type: 'recordAudit',
      auditId: 'a1',
      auditType: 'certification',
      overallScore: 85,
      elementScores: scores,
      auditor: { name: 'Aud' },
      completedOn: '2027-06-01',
      certificateSequence: 1,
    },
    '2027-06-02',
    'assessor:a1',
  );
  expect(c!.phase).toBe('MAINTENANCE'); // certified, in maintenance year 2 at once
  expect(c!.certificate?.certificateNumber).toBe('SECOR-AB-2027-000001');
  run(
    {
      type: 'recordAudit',
      auditId: 'm2',
      auditType: 'maintenance',
      overallScore: 75,
      elementScores: scores,
      auditor: { name: 'Int' },
      completedOn: '2028-05-01',
    },
    '2028-05-02',
  );
  expect(c!.phase).toBe('MAINTENANCE');
  expect(c!.maintenanceYear).toBe(3);
  run(
    {
      type: 'recordAudit',
      auditId: 'm3',
      auditType: 'maintenance',
      overallScore: 90,
      elementScores: scores,
      auditor: { name: 'Int' },
      completedOn: '2029-05-01',
    },
    '2029-05-02',
  );
  expect(c!.phase).toBe('RECERTIFICATION');
  // The trainee's training (passed in February 2027) expires before the certificate: in Alberta the
  // recertification needs valid training, so the trainee takes the refresher first.
  run({ type: 'reEnrol' }, '2029-12-01');
  run({ type: 'recordExamAttempt', score: 90 }, '2029-12-05', 'assessor:a1');
  expect(c!.training.expiresOn).toBe('2032-12-05');
  run(
    {
      type: 'recordAudit',
      auditId: 'r1',
      auditType: 'recertification',
      overallScore: 90,
      elementScores: scores,
      auditor: { name: 'Aud' },
      completedOn: '2030-05-01',
      certificateSequence: 2,
    },
    '2030-05-02',
    'assessor:a1',
  );
  expect(c!.phase).toBe('MAINTENANCE'); // certified, in maintenance year 2 at once
  expect(c!.cycle).toBe(2);
  expect(c!.execution.name).toBe('c1-c2-MAINTENANCE2');
});
