/**
 * atLocalMinute's fast path (the offset of local noon, for 06:00–22:00) agrees with Luxon's own wall-clock
 * arithmetic for every Canadian zone on every day of 2027 and 2028 (both DST changes, a leap day), and the
 * slow path covers the hours around the 02:00 changes.
 */
import { DateTime } from 'luxon';
import { atLocalMinute, REGION_TIME_ZONES } from '../../../domain';

const reference = (date: string, minute: number, zone: string) =>
  DateTime.fromISO(date, { zone })
    .startOf('day')
    .set({ hour: Math.floor(minute / 60), minute: minute % 60 })
    .toUTC()
    .toISO();

test.each([...new Set(Object.values(REGION_TIME_ZONES))])(
  '%s: every day of 2027–2028 at 06:00, 09:00, 12:57, 16:59, 21:59 and 02:30',
  (zone) => {
    const mismatches: string[] = [];
    for (
      let day = DateTime.fromISO('2027-01-01', { zone: 'utc' });
      day.year < 2029;
      day = day.plus({ days: 1 })
    ) {
      const date = day.toISODate() as string;
      for (const minute of [360, 540, 777, 1019, 1319, 150]) {
        if (atLocalMinute(date, minute, zone) !== reference(date, minute, zone))
          mismatches.push(`${date} ${minute}`);
      }
    }
    expect(mismatches).toEqual([]);
  },
);

test('on the spring-forward day in Toronto, 09:00 is UTC−4 and the day before UTC−5', () => {
  expect(atLocalMinute('2027-03-14', 540, 'America/Toronto')).toBe('2027-03-14T13:00:00.000Z');
  expect(atLocalMinute('2027-03-13', 540, 'America/Toronto')).toBe('2027-03-13T14:00:00.000Z');
});
