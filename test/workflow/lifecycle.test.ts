import { wakeAtOn } from '../../domain';
import { ALL_ELEMENTS, LifecycleWorld, at, scores } from './harness';

jest.setTimeout(60_000);

const register = (region = 'AB', companyId = 'acme') => ({
  type: 'register' as const,
  companyId,
  legalName: 'Acme Roofing Ltd.',
  region,
  employeeCount: 6,
  contact: { name: 'Pat Owner', email: 'pat@acme.example' },
});

const trainee = {
  type: 'designateTrainee' as const,
  trainee: { name: 'Sam Trainee', email: 'sam@acme.example' },
};
const exam = (score: number) => ({ type: 'recordExamAttempt' as const, score });
const program = (implementedSince: string) => ({
  type: 'submitProgram' as const,
  manualTitle: 'Acme H&S Manual',
  manualVersion: '1.0',
  elements: ALL_ELEMENTS,
  implementedSince,
});
const audit = (
  auditType: 'certification' | 'maintenance' | 'recertification',
  completedOn: string,
  score = 90,
  seq?: number,
) => ({
  type: 'recordAudit' as const,
  auditId: `${auditType}-${completedOn}`,
  auditType,
  overallScore: score,
  elementScores: scores(score),
  auditor: { name: 'A. Auditor' },
  completedOn,
  ...(seq ? { certificateSequence: seq } : {}),
});

/** Everything done promptly: each step within days of its window opening. */
function happyPath(world: LifecycleWorld): LifecycleWorld {
  return world
    .act(at('2027-01-05'), trainee)
    .act(at('2027-01-15'), exam(85), 'assessor:prov')
    .act(at('2027-01-25'), program('2027-01-25'))
    .act(at('2027-04-27'), audit('certification', '2027-04-26', 90, 1), 'assessor:aud')
    .act(at('2027-05-03'), audit('maintenance', '2027-05-02'))
    .act(at('2028-04-30'), audit('maintenance', '2028-04-28'))
    .act(at('2029-04-28'), audit('recertification', '2029-04-27', 90, 2), 'assessor:aud')
    .act(at('2029-05-20'), { type: 'withdraw', reason: 'end of test' });
}

const cycleTransitions = (world: LifecycleWorld, prefix: string) =>
  world.executions.filter((e) => e.name.startsWith(prefix)).reduce((n, e) => n + e.states.length, 0);

describe('CertificationLifecycle (synthesized definition on aws-local-stepfunctions)', () => {
  test('happy path: one execution per phase, deterministic names, ≤ 60 transitions for the cycle', async () => {
    const world = happyPath(new LifecycleWorld(at('2027-01-04')));
    world.signUp(register());
    await world.settle();
    expect(world.executions.map((e) => e.name)).toEqual([
      'acme-c1-REGISTRATION',
      'acme-c1-TRAINING',
      'acme-c1-IMPLEMENTATION',
      'acme-c1-CERTIFICATION_AUDIT',
      'acme-c1-MAINTENANCE2',
      'acme-c1-MAINTENANCE3',
      'acme-c1-RECERTIFICATION',
      'acme-c2-MAINTENANCE2',
    ]);
    expect(world.executions.every((e) => e.status === 'SUCCEEDED')).toBe(true);
    expect(world.executions.flatMap((e) => e.failures.filter((f) => !f.includes('States.Timeout')))).toEqual(
      [],
    );
    expect(world.company?.phase).toBe('WITHDRAWN');
    expect(world.company?.pastCertificates[0]?.certificateNumber).toBe('SECOR-AB-2027-000001');
    const transitions = cycleTransitions(world, 'acme-c1-');
    console.log(`happy-path cycle: ${transitions} state transitions`);
    expect(transitions).toBeLessThanOrEqual(60);
    expect(transitions).toBeGreaterThan(40); // counted, not assumed
    // The certification audit waited for the minimum implementation period (a Wait state, not polling).
    expect(world.executions[3]?.states).toContain('WaitForCertificationAuditWindow');
    const kinds = world.emails.map((e) => e.kind);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'welcome',
        'traineeEnrolment',
        'trainingPassed',
        'programReceived',
        'certificateIssued',
        'maintenanceDue',
        'recertificationDue',
        'withdrawn',
      ]),
    );
    // Done promptly, nothing needed a reminder in the first cycle.
    expect(world.emails.filter((e) => e.kind === 'reminder' && e.at < at('2029-04-29'))).toEqual([]);
  });

  test('three failed attempts → re-enrolment → pass', async () => {
    const world = new LifecycleWorld(at('2027-01-04'))
      .act(at('2027-01-05'), trainee)
      .act(at('2027-01-10'), exam(60), 'assessor:prov')
      .act(at('2027-01-11'), exam(70), 'assessor:prov')
      .act(at('2027-01-12'), exam(79.99), 'assessor:prov')
      .act(at('2027-01-13'), exam(95), 'assessor:prov') // refused: ATTEMPTS_EXHAUSTED, not seen by the workflow
      .act(at('2027-01-20'), { type: 'reEnrol' })
      .act(at('2027-02-10'), exam(88), 'assessor:prov')
      .act(at('2027-02-11'), { type: 'withdraw' });
    world.signUp(register());
    await world.settle();
    const c = world.company;
    expect(c?.training.attempts.map((a) => [a.attemptCycle, a.attemptNumber, a.passed])).toEqual([
      [1, 1, false],
      [1, 2, false],
      [1, 3, false],
      [2, 1, true],
    ]);
    expect(world.executions.map((e) => e.name)).toEqual([
      'acme-c1-REGISTRATION',
      'acme-c1-TRAINING',
      'acme-c1-IMPLEMENTATION',
    ]);
    const kinds = world.emails.map((e) => e.kind);
    expect(kinds.filter((k) => k === 'examFailed')).toHaveLength(3);
    expect(kinds).toContain('attemptsExhausted');
    expect(kinds).toContain('reEnrolled');
    expect(kinds).toContain('trainingPassed');
  });

  test('callback timeout → reminder → the step completes; no reminder twice', async () => {
    const world = new LifecycleWorld(at('2027-01-04'))
      .act(at('2027-01-05'), trainee)
      .act(at('2027-01-20'), exam(85), 'assessor:prov')
      .act(at('2027-07-15'), program('2027-01-25'))
      .act(at('2027-07-16'), { type: 'withdraw' });
    world.signUp(register());
    await world.settle();
    const reminders = world.emails.filter((e) => e.kind === 'reminder' && e.step === 'PROGRAM_SUBMISSION');
    // The program opened 2027-01-20 and is due 2027-07-20: reminders 60, 30, 14 and 7 days before, each at the
    // company's own minute of the business day (Edmonton time), until it was submitted on 15 July.
    expect(reminders.map((r) => r.at.slice(0, 10))).toEqual([
      '2027-05-21',
      '2027-06-20',
      '2027-07-06',
      '2027-07-13',
    ]);
    for (const r of reminders)
      expect(r.at).toBe(wakeAtOn({ companyId: 'acme', region: 'AB' }, r.at.slice(0, 10)));
    expect(new Set(reminders.map((r) => r.key)).size).toBe(reminders.length);
    expect(reminders.every((r) => r.recipient === 'contact')).toBe(true);
    const implementation = world.executions.find((e) => e.name === 'acme-c1-IMPLEMENTATION');
    // Each reminder is one callback timeout → Check; long gaps add a re-wait every 20 days (MAX_WAIT_SECONDS).
    expect(
      implementation?.states.filter((s) => s === 'CheckImplementationProgress').length,
    ).toBeGreaterThanOrEqual(4);
    expect(
      implementation?.states.filter((s) => s === 'CheckImplementationProgress').length,
    ).toBeLessThanOrEqual(4 + 9);
    expect(world.executions.at(-1)?.name).toBe('acme-c1-CERTIFICATION_AUDIT');
  });

  test('a missed step deadline lapses the company and tells the company and operations', async () => {
    const world = new LifecycleWorld(at('2027-01-04'));
    world.signUp(register());
    await world.settle();
    expect(world.company?.phase).toBe('LAPSED');
    expect(world.company?.lapsed).toEqual({
      phase: 'REGISTERED',
      step: 'DESIGNATE_TRAINEE',
      dueOn: '2027-07-04',
    });
    const registration = world.executions[0];
    expect(registration?.states).toContain('LapseRegistration');
    expect(registration?.states.at(-1)).toBe('PhaseEnded');
    expect(world.now.slice(0, 10)).toBe('2027-07-05');
    const lapse = world.emails.filter((e) => e.kind === 'lapsed').map((e) => e.recipient);
    expect(lapse.sort()).toEqual(['contact', 'ops']);
    // Reminders: every 14 days and 7 and 1 days before the deadline, each once.
    const slots = world.emails.filter((e) => e.kind === 'reminder').map((e) => e.at.slice(0, 10));
    expect(slots).toContain('2027-06-27');
    expect(slots).toContain('2027-07-03');
    expect(new Set(slots).size).toBe(slots.length);
  });

  test('a missed maintenance audit cancels the certificate', async () => {
    const world = new LifecycleWorld(at('2027-01-04'))
      .act(at('2027-01-05'), trainee)
      .act(at('2027-01-20'), exam(85), 'assessor:prov')
      .act(at('2027-02-01'), program('2027-02-01'))
      .act(at('2027-05-03'), audit('certification', '2027-05-02', 90, 1), 'assessor:aud');
    world.signUp(register());
    await world.settle();
    expect(world.company?.phase).toBe('CANCELLED');
    expect(world.company?.certificate?.status).toBe('cancelled');
    // The certificate year is longer than one execution may live: the phase continued in a fresh execution.
    const m2 = world.executions.filter((e) => e.name.startsWith('acme-c1-MAINTENANCE2'));
    expect(m2.map((e) => e.name)).toEqual([
      'acme-c1-MAINTENANCE2',
      expect.stringMatching(/^acme-c1-MAINTENANCE2-r\d+$/),
    ]);
    // The old execution's progress task moved the phase on (EXECUTION_CONTINUED) and started the fresh one.
    expect(m2[0]?.states.slice(-3)).toEqual([
      'CheckMaintenanceYear2Progress',
      'RouteMaintenanceYear2Step',
      'StartNextExecution',
    ]);
    expect(world.company?.history.filter((h) => h.type === 'EXECUTION_CONTINUED')).toHaveLength(1);
    expect(m2[1]?.states).toContain('CancelCertificateYear2');
    expect(
      world.emails
        .filter((e) => e.kind === 'cancelled')
        .map((e) => e.recipient)
        .sort(),
    ).toEqual(['contact', 'ops']);
  });

  test('a task that throws twice then succeeds is retried; the lifecycle goes on', async () => {
    const world = new LifecycleWorld(at('2027-01-04'))
      .act(at('2027-01-05'), trainee)
      .act(at('2027-01-06'), { type: 'withdraw' });
    world.fail('StartPhase', 2, 'Lambda.ServiceException', 'acme-c1-TRAINING');
    world.signUp(register());
    await world.settle();
    const training = world.executions.find((e) => e.name === 'acme-c1-TRAINING');
    expect(training?.retries).toBe(2);
    expect(training?.status).toBe('SUCCEEDED');
    expect(world.company?.phase).toBe('WITHDRAWN');
  });

  test('a task that always throws is caught: failure recorded on the company, execution fails (alarmed)', async () => {
    const world = new LifecycleWorld(at('2027-01-04')).act(at('2027-01-05'), trainee);
    world.fail('StartPhase', 100, 'TypeError', 'acme-c1-TRAINING');
    world.signUp(register());
    await world.settle();
    const training = world.executions.find((e) => e.name === 'acme-c1-TRAINING');
    expect(training?.status).toBe('FAILED');
    expect(training?.states.slice(-2)).toEqual(['RecordLifecycleFailure', 'LifecycleFailed']);
    expect(world.company?.phase).toBe('FAILED');
    expect(world.company?.failure?.phase).toBe('TRAINING');
    expect(world.company?.failure?.cause).toContain('TypeError');
    expect(world.emails.filter((e) => e.kind === 'workflowFailed').map((e) => e.recipient)).toEqual(['ops']);
  });

  test('a next execution that cannot be started: the failure is recorded for it, so operations can redrive', async () => {
    const world = new LifecycleWorld(at('2027-01-04')).act(at('2027-01-05'), trainee);
    world.fail('StartNextExecution', 100, 'StepFunctions.InvalidExecutionInput');
    world.signUp(register());
    await world.settle();
    const registration = world.executions[0];
    expect(registration?.status).toBe('FAILED');
    expect(registration?.states.slice(-4)).toEqual([
      'StartNextExecution',
      'NoteUnstartedExecution',
      'RecordLifecycleFailure',
      'LifecycleFailed',
    ]);
    expect(world.executions.map((e) => e.name)).toEqual(['acme-c1-REGISTRATION']);
    // The record had moved on to TRAINING, whose execution never started: that is what failed.
    expect(world.company?.phase).toBe('FAILED');
    expect(world.company?.failure?.phase).toBe('TRAINING');
    expect(world.company?.failure?.cause).toContain('InvalidExecutionInput');
  });

  test('starting a phase whose execution already exists is success, never a fork', async () => {
    const world = new LifecycleWorld(at('2027-01-04'))
      .act(at('2027-01-05'), trainee)
      .act(at('2027-01-06'), { type: 'withdraw' });
    world.fail('StartNextExecution', 1, 'StepFunctions.ExecutionAlreadyExistsException');
    world.signUp(register());
    await world.settle();
    const registration = world.executions[0];
    expect(registration?.states.slice(-2)).toEqual(['StartNextExecution', 'NextExecutionAlreadyStarted']);
    expect(registration?.status).toBe('SUCCEEDED');
  });
});
