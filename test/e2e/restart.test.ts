/** kill -9 at any moment, start again: every company resumes its phase; nothing is lost or sent twice. */
import { newCompany, RuntimeProcess } from './runtime';

jest.setTimeout(240_000);

const rt = new RuntimeProcess();
afterAll(() => rt.stop());

test('a restart after kill -9 resumes the current phase, keeps the clock, and sends no reminder twice', async () => {
  await rt.start();
  const c = await newCompany(rt);
  await c.designate();
  await rt.advance(20); // the trainee gets the 14-day exam reminder
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
  // The outbox restarted empty: the day-14 reminder must not be sent again, the day-28 one must come.
  expect((await rt.emails(c.trainee)).filter((e) => e.subject.startsWith('Reminder'))).toEqual([]);
  await rt.advance(10);
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
