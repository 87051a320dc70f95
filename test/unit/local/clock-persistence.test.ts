/**
 * The virtual clock never runs backwards across a crash: it is saved before any time later than the last saved
 * one can be read (a handler's `new Date()`, a timer firing), each step of an advance included, and the file is
 * written atomically.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  advance,
  installVirtualClock,
  PERSIST_LEAD_MS,
  persistClock,
  readClockFile,
  saveClockNow,
  sharedClock,
  writeClockFile,
} from '../../../local/clock';

const DAY = 86_400_000;
let saves: number[] = [];
const lastSaved = () => saves.at(-1) ?? -Infinity;

beforeAll(() => installVirtualClock('2030-01-01T00:00:00.000Z'));
beforeEach(() => {
  saves = [];
  persistClock((now) => saves.push(now));
});
afterAll(() => persistClock(null));

test('each step of an advance is saved before the timers due at it run: a crash mid-advance loses no time', async () => {
  const seen: { now: number; saved: number }[] = [];
  // A lifecycle of reminders: each timer, when it fires, records an event and sets the next (days apart).
  const remind = (n: number) => {
    seen.push({ now: Date.now(), saved: lastSaved() });
    if (n < 40) setTimeout(() => remind(n + 1), 3 * DAY + n * 60_000);
  };
  setTimeout(() => remind(1), DAY);
  const start = Date.now();
  await advance(200 * DAY);
  expect(seen).toHaveLength(40);
  expect(seen[39]!.now - start).toBeGreaterThan(100 * DAY);
  // Whenever an event was recorded, the saved clock was already at or past its time: kill -9 at any point
  // restarts the clock no earlier than anything recorded.
  for (const { now, saved } of seen) expect(saved).toBeGreaterThanOrEqual(now);
  // And at most one write per step (not one per Date read), a bound just ahead of the step.
  expect(saves.length).toBeLessThanOrEqual(2 * 40 + 4);
  for (const { now, saved } of seen) expect(saved - now).toBeLessThanOrEqual(PERSIST_LEAD_MS + 50);
});

test('a clean save never lowers the bound given out: a worker may have recorded any time up to it (kill -9 after)', () => {
  const bound = new Float64Array(sharedClock());
  Date.now(); // a read: the bound saved and published is now + the lead
  const givenOut = bound[1] as number;
  expect(givenOut).toBeGreaterThan(Date.now());
  // A function worker reads up to the bound (local/lambda/worker.ts) and records an event at that time; then the
  // runtime saves the clock "now" (the end of an advance), which is earlier than that.
  saveClockNow();
  expect(lastSaved()).toBeGreaterThanOrEqual(givenOut);
  expect(bound[1]).toBeGreaterThanOrEqual(givenOut);
});

test('as real time passes, reading the clock saves it at most once per lead interval', async () => {
  const until = Date.now() + 3 * PERSIST_LEAD_MS;
  let reads = 0;
  while (Date.now() < until) {
    reads += 1;
    const now = Date.now(); // saved (if need be) before it returns
    expect(lastSaved()).toBeGreaterThanOrEqual(now);
    if (reads % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  expect(reads).toBeGreaterThan(1000);
  expect(saves.length).toBeGreaterThanOrEqual(3);
  expect(saves.length).toBeLessThanOrEqual(5);
});

test('a save that reads the clock while it writes never starts a second, nested save (a clean save included)', async () => {
  let depth = 0;
  let deepest = 0;
  persistClock(() => {
    depth += 1;
    deepest = Math.max(deepest, depth);
    Date.now(); // as an fs call wrapped by a profiler may: the clock is read during the write
    new Date(Date.now() + 5 * PERSIST_LEAD_MS);
    depth -= 1;
  });
  // Past the saved bound's lead, so the read inside the clean save is a time not yet saved.
  await new Promise((resolve) => setTimeout(resolve, PERSIST_LEAD_MS + 100));
  saveClockNow();
  expect(deepest).toBe(1);
});

test('a clean save is at or above the time read, by at most the lead; a failing save neither throws from Date nor counts as saved', () => {
  const iso = saveClockNow();
  expect(lastSaved()).toBeGreaterThanOrEqual(Date.parse(iso));
  expect(lastSaved() - Date.parse(iso)).toBeLessThanOrEqual(PERSIST_LEAD_MS);
  const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  let attempts = 0;
  persistClock(() => {
    attempts += 1;
    throw new Error('disk full');
  });
  expect(() => new Date()).not.toThrow();
  expect(() => Date.now()).not.toThrow();
  expect(attempts).toBeGreaterThanOrEqual(2); // retried at the next read, not taken as saved
  expect(write).toHaveBeenCalledWith(expect.stringContaining('disk full'));
  write.mockRestore();
});

describe('the clock file', () => {
  const dir = () => mkdtempSync(path.join(os.tmpdir(), 'secor-clock-'));

  test('round trip, written by rename (no temp file left)', () => {
    const file = path.join(dir(), 'clock.json');
    expect(readClockFile(file)).toBeUndefined();
    const now = Date.parse('2031-05-06T07:08:09.010Z');
    writeClockFile(file, now);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ now: '2031-05-06T07:08:09.010Z' });
    expect(existsSync(`${file}.tmp`)).toBe(false);
    expect(readClockFile(file)).toBe(now);
    writeClockFile(file, now + DAY);
    expect(readClockFile(file)).toBe(now + DAY);
  });

  test('a corrupt or empty file does not throw: the newest valid value counts, or none', () => {
    const file = path.join(dir(), 'clock.json');
    writeFileSync(file, '');
    expect(readClockFile(file)).toBeUndefined();
    writeFileSync(file, '{"now": "2031-0');
    expect(readClockFile(file)).toBeUndefined();
    writeFileSync(file, '{"now": 12}');
    expect(readClockFile(file)).toBeUndefined();
    // A write interrupted after its fsync, before its rename: the temp file holds the newer value.
    writeFileSync(`${file}.tmp`, JSON.stringify({ now: '2031-05-07T00:00:00.000Z' }));
    expect(readClockFile(file)).toBe(Date.parse('2031-05-07T00:00:00.000Z'));
    writeFileSync(file, JSON.stringify({ now: '2031-05-08T00:00:00.000Z' }));
    expect(readClockFile(file)).toBe(Date.parse('2031-05-08T00:00:00.000Z'));
    // A torn temp file is ignored.
    writeFileSync(`${file}.tmp`, '{"no');
    expect(readClockFile(file)).toBe(Date.parse('2031-05-08T00:00:00.000Z'));
  });
});
