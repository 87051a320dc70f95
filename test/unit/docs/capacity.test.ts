/**
 * docs/capacity.md's numbers come from the simulation: its generated block is what bench/report-capacity.ts
 * renders from bench/results.json, and the simulation itself (a smaller population, same code) keeps the
 * design's promises: emails spread over the business day, none in a same-second herd.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Series, simulateCapacity, type CapacityResult } from '../../../bench/capacity';
import { capacityNotes, capacityTable, unpadded } from '../../../bench/report-capacity';

const root = path.resolve(__dirname, '..', '..', '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

test('docs/capacity.md shows the last simulation (bench/results.json), as `npm run bench -- --only capacity` writes it', () => {
  const results = JSON.parse(read('bench/results.json')) as { capacity?: CapacityResult };
  expect(results.capacity?.companies).toBe(100_000);
  const doc = read('docs/capacity.md');
  const block = doc.slice(doc.indexOf('<!-- capacity:start'), doc.indexOf('<!-- capacity:end -->'));
  const capacity = results.capacity as CapacityResult;
  expect(unpadded(block)).toContain(unpadded(capacityTable(capacity)));
  expect(unpadded(block)).toContain(unpadded(capacityNotes(capacity)));
});

test('2,000 companies: every scheduled email at a company wake in 09:00–17:00 local; the peak second stays small', () => {
  const r = simulateCapacity({ companies: 2000, seed: 7 });
  expect(r.totals.emails).toBeGreaterThan(2000 * 10);
  expect(r.peaks.emailsPerSecond.value).toBeLessThanOrEqual(5);
  // The design before (every company at 00:00 UTC) would have sent a whole day's reminders in one second.
  expect(r.unspread.emailsPerSecond.value).toBeGreaterThan(10 * r.peaks.emailsPerSecond.value);
  expect(r.companiesFailedByEmail).toBe(0);
  expect(r.sesBacklog.secondsOverRate).toBe(0);
  expect(r.sesBacklog.longestWaitSeconds).toBe(0);
});

test('the SES backlog: a second over the rate makes the rest wait their turn, in seconds', () => {
  const s = new Series(1000);
  s.add(10_000, 30); // 30 emails in one second, at 14/s: the last leaves 2 s later
  s.add(20_000, 14);
  expect(s.backlog(14)).toEqual({ over: 1, longestWait: 2 });
  s.add(11_000, 14); // the next second is full too: 16 left over + 14 → the last of them leaves at second 13
  expect(s.backlog(14)).toEqual({ over: 1, longestWait: 2 });
  const calm = new Series(1000);
  calm.add(1000, 14);
  expect(calm.backlog(14)).toEqual({ over: 0, longestWait: 0 });
});
