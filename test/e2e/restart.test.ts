/** kill -9 at any moment, start again: every company resumes its phase; nothing is lost or sent twice. */
import { wakeAtOn } from '../../domain';
import { addDays, advanceTo, newCompany, RuntimeProcess } from './runtime';

jest.setTimeout(240_000);

const rt = new RuntimeProcess();
afterAll(() => rt.stop());

test('a restart after kill -9 resumes the current phase, keeps the clock, and sends no reminder twice', async () => {
  await rt.start();
  const c = await newCompany(rt);
  await c.designate();
  const due = (await c.status()).nextDeadline?.dueOn as string;
  const wake = (daysBefore: number) => wakeAtOn({ companyId: c.id, region: 'AB' }, addDays(due, -daysBefore));
  await advanceTo(rt, wake(60), 3_600_000); // the trainee gets the exam reminder 60 days before the due date
  const before = (await rt.emails(c.trainee))
    .filter((e) => e.subject.startsWith('Reminder'))
    .map((e) => e.subject);
  expect(before).toHaveLength(1);
  const clockBefore = await rt.today();
  const executionsBefore = await c.executions();

  await rt.kill();
  await rt.start();

  expect(await rt.today()).toBe(clockBefore); // the virtual clock survives the restart
  const s = await c.status();
  expect(s.phase).toBe('TRAINING'); // nothing recorded was lost
  await rt.advance(0);
  const after = await c.executions();
  expect(after.items.map((e) => e.name)).toEqual(executionsBefore.items.map((e) => e.name));
  expect(after.items.find((e) => e.name.endsWith('-c1-TRAINING'))?.status).toBe('RUNNING');
  // The outbox restarted empty: the 60-day reminder must not be sent again, the 30-day one must come.
  expect((await rt.emails(c.trainee)).filter((e) => e.subject.startsWith('Reminder'))).toEqual([]);
  await advanceTo(rt, wake(30), 3_600_000);
  const resent = (await rt.emails(c.trainee))
    .filter((e) => e.subject.startsWith('Reminder'))
    .map((e) => e.subject);
  expect(resent).toHaveLength(1);
  expect(resent[0]).not.toBe(before[0]);
  // And the lifecycle goes on.
  expect((await c.exam(90)).status).toBe(201);
  await rt.advance(0);
  expect((await c.status()).phase).toBe('IMPLEMENTATION');
  expect(
    (await c.executions()).items.some((e) => e.name.endsWith('-c1-IMPLEMENTATION') && e.status === 'RUNNING'),
  ).toBe(true);
});

test('kill -9 during a long clock advance: after the restart the clock is not behind any recorded event', async () => {
  const run = new RuntimeProcess();
  try {
    await run.start();
    const c = await newCompany(run);
    const signedUp = Date.parse(await run.ok<{ now: string }>('GET', '/_local/clock').then((r) => r.now));
    const latest = async () =>
      Math.max(...((await c.status()).history as { at: string }[]).map((e) => Date.parse(e.at)));
    // A long advance, not awaited: the runtime is killed while it runs.
    const advancing = run.call('POST', '/_local/clock', { advanceDays: 700 }).catch(() => undefined);
    // Wait until handlers have recorded events days after the sign-up, at virtual times the advance reached.
    const deadline = Date.now() + 60_000;
    while ((await latest()) < signedUp + 10 * 86_400_000) {
      if (Date.now() > deadline) throw new Error('no event recorded during the advance');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const recorded = await latest();
    await run.kill();
    await advancing;

    await run.start();
    const now = Date.parse((await run.ok<{ now: string }>('GET', '/_local/clock')).now);
    const after = await latest();
    expect(after).toBeGreaterThanOrEqual(recorded);
    // Time never runs backwards across a restart: no recorded event lies in the future.
    expect(new Date(now).toISOString()).toBe(new Date(Math.max(now, after)).toISOString());
  } finally {
    await run.stop();
  }
});
