/**
 * The local runtime's virtual clock: the lifecycle's time (the Step Functions engine's waits, callback
 * timeouts, retry intervals) passes on it however short; other short timers (SDK timeouts, keep-alives)
 * stay real, so advancing a year does not fire them.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import { advance, installVirtualClock, pendingTimers } from '../../../local/clock';

beforeAll(() => installVirtualClock('2028-02-29T23:59:47.000Z'));

function run(definition: ConstructorParameters<typeof StateMachine>[0]) {
  const execution = new StateMachine(definition).run({});
  const state = { done: false };
  void execution.result.then(() => (state.done = true));
  return state;
}

test('a 13-second Wait (to midnight) ends when the virtual clock reaches it, not 13 real seconds later', async () => {
  const started = Date.now();
  const execution = run({
    StartAt: 'WaitForMidnight',
    States: { WaitForMidnight: { Type: 'Wait', Seconds: 13, Next: 'Done' }, Done: { Type: 'Succeed' } },
  });
  await advance(0);
  expect(pendingTimers()).toBe(1);
  await advance(12_000);
  expect(execution.done).toBe(false);
  await advance(1_000);
  expect(execution.done).toBe(true);
  expect(new Date().toISOString().slice(0, 19)).toBe('2028-03-01T00:00:00'); // plus the real ms that passed
  expect(Date.now() - started).toBeLessThan(13_000 + 1_000); // virtual time, not a real wait
});

test('a year-long jump fires a short engine wait on the way, in order', async () => {
  const execution = run({
    StartAt: 'ShortWait',
    States: { ShortWait: { Type: 'Wait', Seconds: 30, Next: 'Done' }, Done: { Type: 'Succeed' } },
  });
  await advance(365 * 86_400_000);
  expect(execution.done).toBe(true);
});

test('a short timer outside the engine stays real: a jump does not fire it', async () => {
  let fired = false;
  const timer = setTimeout(() => (fired = true), 2_000);
  await advance(86_400_000);
  expect(fired).toBe(false);
  clearTimeout(timer);
});
