/**
 * End to end, through HTTP, against the real local runtime (the synthesized state machine on
 * aws-local-stepfunctions, dynalite, the SES outbox, the virtual clock): companies through their lifecycle.
 */
import { wakeAtOn } from '../../domain';
import { addDays, advanceTo, newCompany, RuntimeProcess, scores } from './runtime';

jest.setTimeout(180_000);

const rt = new RuntimeProcess();
beforeAll(() => rt.start(), 120_000);
afterAll(() => rt.stop());

type Company = Awaited<ReturnType<typeof newCompany>>;

/** Trainee → passed exam → program → 3 months → passing certification audit. Returns the certificate number. */
async function certify(c: Company): Promise<string> {
  await c.designate();
  expect((await c.exam(85)).status).toBe(201);
  await c.program(await rt.today());
  await rt.advance(95);
  const audit = await c.audit('certification', addDays(await rt.today(), -1), 90);
  expect(audit.status).toBe(201);
  await rt.advance(0);
  return (audit.body.certificate as { certificateNumber: string }).certificateNumber;
}

describe('the lifecycle on the local runtime', () => {
  test('happy path: sign-up to the second certificate, one deterministic execution per phase', async () => {
    const c = await newCompany(rt);
    expect((await c.status()).phase).toBe('REGISTERED');
    const number = await certify(c);
    expect(number).toMatch(/^SECOR-AB-\d{4}-\d{6}$/);
    const verify = await rt.ok<{ status: string; legalName: string }>('GET', `/certificates/${number}`);
    expect(verify.status).toBe('valid');
    expect((await c.status()).phase).toBe('MAINTENANCE');
    expect((await c.audit('maintenance', await rt.today(), 88)).status).toBe(201);
    const early = await c.audit('maintenance', addDays(await rt.today(), 0), 90);
    expect((early.body.error as { code: string }).code).toBe('TOO_EARLY'); // the year-3 window is not open yet
    await rt.advance(366);
    expect((await c.audit('maintenance', await rt.today(), 90)).status).toBe(201);
    await rt.advance(370);
    const recert = await c.audit('recertification', await rt.today(), 92);
    expect(recert.status).toBe(201);
    await rt.advance(0);
    const s = await c.status();
    expect([s.phase, s.cycle]).toEqual(['MAINTENANCE', 2]);
    const names = (await c.executions()).items.map((e) => e.name.replace(`${c.id}-`, ''));
    // Designation, the exam and the program come one right after the other: the record may move past TRAINING
    // or IMPLEMENTATION before that execution starts (the outbox tells the workflow after each commit), and an
    // execution that never ran is not listed. Those that ran are in order.
    const skippable = ['c1-TRAINING', 'c1-IMPLEMENTATION'];
    expect(names.filter((n) => skippable.includes(n))).toEqual(skippable.filter((n) => names.includes(n)));
    expect(names.filter((n) => !skippable.includes(n)).slice(0, 5)).toEqual([
      'c1-REGISTRATION',
      'c1-CERTIFICATION_AUDIT',
      'c1-MAINTENANCE2',
      'c1-MAINTENANCE3',
      expect.stringMatching(/^c1-(MAINTENANCE3-r\d+|RECERTIFICATION)$/),
    ]);
    expect(names.indexOf('c1-REGISTRATION')).toBe(0);
    expect(names.filter((n) => n.includes('CERTIFIED'))).toEqual([]); // certified and in maintenance at once
    expect(new Set(names).size).toBe(names.length);
    const executions = (await c.executions()).items;
    expect(
      executions.filter((e) => e.status === 'RUNNING').map((e) => e.name.replace(`${c.id}-`, '')),
    ).toEqual(['c2-MAINTENANCE2']);
    expect(executions.filter((e) => e.status === 'FAILED')).toEqual([]);
  });

  test('three failed attempts → ATTEMPTS_EXHAUSTED → re-enrolment → pass; the trainee hears of it in at most one email a day', async () => {
    const c = await newCompany(rt);
    await c.designate();
    for (const score of [60, 70, 79.99]) expect((await c.exam(score)).body.passed).toBe(false);
    const fourth = await c.exam(95);
    expect(fourth.status).toBe(422);
    expect((fourth.body.error as { code: string }).code).toBe('ATTEMPTS_EXHAUSTED');
    expect((await rt.call('POST', `/companies/${c.id}/training/enrolments`, {}, c.key)).status).toBe(201);
    const pass = await c.exam(80);
    expect(pass.body).toMatchObject({ attemptNumber: 1, passed: true });
    await rt.advance(0);
    expect((await c.status()).phase).toBe('IMPLEMENTATION');
    // One email a day: the enrolment email may have gone before the attempts were recorded (then everything
    // else waits for the company's wake tomorrow, in one email), or with them, in one email.
    await rt.advance(2);
    const mail = await rt.emails(c.trainee);
    expect(mail.length).toBeGreaterThanOrEqual(1);
    expect(mail.length).toBeLessThanOrEqual(2);
    const all = mail.map((m) => m.body.text ?? '').join('\n');
    for (const line of ['Attempt 1 scored 60%', 'Attempt 2 scored 70%', 'Attempt 3 scored 79.99%'])
      expect(all).toContain(line);
    // Each attempt's email says what was left after it, not what is left when the email goes.
    expect(all).toContain(
      'Attempt 1 scored 60%; the pass mark is 80%.\nYou may take the exam again with your training provider (2 attempts left',
    );
    expect(all).toContain('ALL EXAM ATTEMPTS USED');
    expect(all).toContain('TRAINING PASSED');
    expect(mail.at(-1)?.subject).toMatch(/\(and \d+ more updates\)$/);
  });

  test('AB: an audit with one element below 50 % fails, whatever the overall score', async () => {
    const c = await newCompany(rt);
    await c.designate();
    await c.exam(85);
    await c.program(await rt.today());
    await rt.advance(95);
    const audit = await c.audit('certification', await rt.today(), 92, scores(95, { inspections: 49.99 }));
    expect(audit.status).toBe(201);
    expect(audit.body).toMatchObject({
      passed: false,
      correctiveActionRequired: true,
      failedElements: ['inspections'],
    });
    expect(audit.body.certificate).toBeUndefined();
    expect((await c.status()).phase).toBe('CERTIFICATION_AUDIT');
  });

  test('maintenance below 80 % → corrective action, certificate still valid', async () => {
    const c = await newCompany(rt);
    const number = await certify(c);
    const m = await c.audit('maintenance', await rt.today(), 72);
    expect(m.body).toMatchObject({ passed: false, correctiveActionRequired: true });
    await rt.advance(0);
    expect((await rt.ok<{ status: string }>('GET', `/certificates/${number}`)).status).toBe('valid');
    const s = (await c.status()) as unknown as {
      correctiveActions: { status: string }[];
      maintenanceYear: number;
    };
    expect(s.correctiveActions.map((a) => a.status)).toEqual(['OPEN']);
    expect(s.maintenanceYear).toBe(3);
  });

  test('a missed maintenance audit cancels the certificate; a missed recertification lapses it', async () => {
    const missed = await newCompany(rt);
    const cancelled = await certify(missed);
    const lapsing = await newCompany(rt);
    const lapsed = await certify(lapsing);
    await lapsing.audit('maintenance', await rt.today(), 90);
    await rt.advance(370);
    expect((await rt.ok<{ status: string }>('GET', `/certificates/${cancelled}`)).status).toBe('cancelled');
    expect((await missed.status()).phase).toBe('CANCELLED');
    await lapsing.audit('maintenance', await rt.today(), 90);
    await rt.advance(800);
    expect((await lapsing.status()).phase).toBe('LAPSED');
    expect((await rt.ok<{ status: string }>('GET', `/certificates/${lapsed}`)).status).toMatch(
      /^(lapsed|expired)$/,
    );
    const cancelMails = (await rt.emails(missed.contact)).filter((e) =>
      e.subject.includes('certificate cancelled'),
    );
    expect(cancelMails).toHaveLength(1);
  });

  test('BC: up to 19 employees; maintenance due 31 December of the anniversary year', async () => {
    const tooBig = await rt.call('POST', '/companies', {
      legalName: `BC Too Big ${Date.now()}`,
      region: 'BC',
      employeeCount: 20,
      contact: { name: 'O', email: 'o@example.com' },
    });
    expect(tooBig.status).toBe(422);
    expect((tooBig.body.error as { code: string }).code).toBe('NOT_ELIGIBLE');
    const c = await newCompany(rt, { region: 'BC', employeeCount: 19 });
    await certify(c);
    const s = (await c.status()) as unknown as {
      nextDeadline: { step: string; dueOn: string };
      certificate: { issuedOn: string };
    };
    const anniversaryYear = Number(s.certificate.issuedOn.slice(0, 4)) + 1;
    expect(s.nextDeadline).toMatchObject({ step: 'MAINTENANCE_AUDIT', dueOn: `${anniversaryYear}-12-31` });
  });

  test('reminders reach the right person, each once: 60 and 30 days before the due date, then 14 and 7', async () => {
    const c = await newCompany(rt);
    const due = (await c.status()).nextDeadline?.dueOn as string;
    const wake = (daysBefore: number) =>
      wakeAtOn({ companyId: c.id, region: 'AB' }, addDays(due, -daysBefore));
    await advanceTo(rt, wake(30), 3_600_000); // no trainee yet: the contact is reminded 60 and 30 days before
    const contactReminders = (await rt.emails(c.contact)).filter((e) => e.subject.startsWith('Reminder'));
    const name = (await c.status()).legalName as string;
    expect(contactReminders.map((e) => e.subject)).toEqual([
      `Reminder: naming your SECOR trainee due in 60 days (${name})`,
      `Reminder: naming your SECOR trainee due in 30 days (${name})`,
    ]);
    await c.designate();
    await advanceTo(rt, wake(7), 3_600_000); // the trainee is reminded about the exam, 14 and 7 days before
    const traineeReminders = (await rt.emails(c.trainee)).filter((e) => e.subject.startsWith('Reminder'));
    expect(traineeReminders.map((e) => e.subject)).toEqual([
      `Reminder: the SECOR course and exam due in 14 days (${name})`,
      `Reminder: the SECOR course and exam due in 7 days (${name})`,
    ]);
    const all = [...(await rt.emails(c.contact)), ...(await rt.emails(c.trainee))].map(
      (e) => `${e.destination.to[0]}|${e.subject}`,
    );
    expect(new Set(all).size).toBe(all.length);
  });
});
