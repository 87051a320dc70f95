/**
 * Time in the company's province (domain/time.ts): civil dates, the end of a due day, the company's wake.
 *
 * Offsets come from the IANA database the runtime ships (Node's ICU). That database changes: since tzdata 2026a
 * British Columbia and Alberta (and the NWT, which follows Alberta) keep UTC−7 / UTC−6 all year from
 * 2026-11-01, so their 2027 "winter" offsets differ between Node versions. Instants are pinned here only where
 * every database agrees (summer in those provinces, any date before 2026-11-01, and the other provinces); the
 * rest is checked against an oracle that reads the wall clock through Intl directly.
 */
import {
  addDays,
  addYears,
  atLocalMinute,
  BUSINESS_HOURS,
  endOfLocalDay,
  formatLocalTime,
  formatLongDate,
  isPastDue,
  localDateOf,
  maintenanceDeadline,
  maintenanceDueOn,
  REGION_NAMES,
  REGION_TIME_ZONES,
  REGIONS,
  timeZoneOf,
  wakeAtOn,
  wakeMinute,
  type Deadline,
  type IsoDate,
} from '../../../domain';
import { Driver, expectRefused, plusMs, policyOf, TRAINEE } from './helpers';

const HOUR = 3_600_000;

const formats = new Map<string, Intl.DateTimeFormat>();
/** The wall clock of an instant in a zone, read through Intl (not Luxon): "YYYY-MM-DD HH:mm:ss". */
function wallClock(instant: string, zone: string): string {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/** The length of a local day, in hours. */
const dayHours = (date: IsoDate, zone: string) =>
  (Date.parse(endOfLocalDay(date, zone)) - Date.parse(endOfLocalDay(addDays(date, -1), zone))) / HOUR;

const dueOn = (date: IsoDate): Deadline => ({
  step: 'PROGRAM_SUBMISSION',
  opensOn: '2026-01-01',
  dueOn: date,
});

describe('the time zones of the provinces and territories', () => {
  test('every province and territory has a zone the runtime knows, and a name', () => {
    expect(Object.keys(REGION_TIME_ZONES).sort()).toEqual([...REGIONS].sort());
    for (const region of REGIONS) {
      const zone = timeZoneOf(region);
      expect(zone).toMatch(/^America\//);
      expect(new Intl.DateTimeFormat('en-CA', { timeZone: zone }).resolvedOptions().timeZone).toBeTruthy();
      expect(REGION_NAMES[region].length).toBeGreaterThan(3);
    }
    expect(timeZoneOf('BC')).toBe('America/Vancouver');
    expect(timeZoneOf('NL')).toBe('America/St_Johns');
    expect(timeZoneOf('SK')).toBe('America/Regina');
  });

  test('a region that is not one has no zone', () => {
    expect(() => timeZoneOf('ZZ')).toThrow(RangeError);
    expect(() => timeZoneOf('default')).toThrow(/no time zone for region default/);
  });

  test('malformed dates and timestamps are refused, not guessed', () => {
    expect(() => localDateOf('yesterday', 'America/Toronto')).toThrow(RangeError);
    expect(() => endOfLocalDay('2027-02-30', 'America/Toronto')).toThrow(RangeError);
    expect(() => formatLongDate('31/12/2027')).toThrow(RangeError);
  });
});

describe('a day ends at local midnight', () => {
  test('for every zone and every day of 2026–2028, as the wall clock reads it', () => {
    const mismatches: string[] = [];
    for (const zone of new Set(Object.values(REGION_TIME_ZONES))) {
      for (let date: IsoDate = '2026-01-01'; date < '2029-01-01'; date = addDays(date, 1)) {
        const end = endOfLocalDay(date, zone);
        const last = plusMs(end, -1);
        if (
          wallClock(end, zone) !== `${addDays(date, 1)} 00:00:00` ||
          wallClock(last, zone) !== `${date} 23:59:59` ||
          localDateOf(last, zone) !== date ||
          localDateOf(end, zone) !== addDays(date, 1)
        )
          mismatches.push(`${zone} ${date}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  test('a BC company’s deadline ends at 00:00 Pacific the next day: 23:30 PST on the due date is on time', () => {
    // registered 15 July 2025: the trainee is due by 15 January 2026 (Pacific Standard Time, UTC−8)
    const endsAt = endOfLocalDay('2026-01-15', 'America/Vancouver');
    expect(endsAt).toBe('2026-01-16T08:00:00.000Z');
    const onTime = '2026-01-16T07:30:00.000Z';
    expect(formatLocalTime(onTime, 'America/Vancouver')).toBe('23:30 PST');
    expect(localDateOf(onTime, 'America/Vancouver')).toBe('2026-01-15');

    const d = new Driver('BC', 'co-bc');
    d.register('2025-07-15');
    expect(d.c.nextDeadline).toMatchObject({ step: 'DESIGNATE_TRAINEE', dueOn: '2026-01-15' });
    expect(isPastDue(d.c.nextDeadline!, onTime, 'America/Vancouver')).toBe(false);
    expect(isPastDue(d.c.nextDeadline!, endsAt, 'America/Vancouver')).toBe(true);
    // at 00:00 UTC on the 16th it is 16:00 on the 15th in BC: the deadline is far from over
    expect(isPastDue(d.c.nextDeadline!, '2026-01-16T00:00:00.000Z', 'America/Vancouver')).toBe(false);

    expectRefused(
      () => d.doAt({ type: 'designateTrainee', trainee: TRAINEE }, endsAt),
      'WRONG_PHASE',
      /DESIGNATE_TRAINEE deadline was 2026-01-15 \(the end of that day, America\/Vancouver time\)/,
    );
    d.doAt({ type: 'designateTrainee', trainee: TRAINEE }, onTime);
    expect(d.c.phase).toBe('TRAINING');
    expect(d.c.training.enrolledOn).toBe('2026-01-15');
  });

  test('in BC in summer, and whatever offset the tz database gives BC in winter 2027', () => {
    expect(endOfLocalDay('2027-07-15', 'America/Vancouver')).toBe('2027-07-16T07:00:00.000Z'); // PDT
    const winter = endOfLocalDay('2027-01-15', 'America/Vancouver');
    expect(winter).toMatch(/^2027-01-16T0[78]:00:00\.000Z$/);
    expect(formatLocalTime(plusMs(winter, -30 * 60_000), 'America/Vancouver')).toMatch(/^23:30 /);
  });

  test('a due date on the spring-forward day is a 23-hour day; on the fall-back day a 25-hour one', () => {
    // Ontario: 14 March and 7 November 2027
    expect(endOfLocalDay('2027-03-13', 'America/Toronto')).toBe('2027-03-14T05:00:00.000Z'); // EST
    expect(endOfLocalDay('2027-03-14', 'America/Toronto')).toBe('2027-03-15T04:00:00.000Z'); // EDT
    expect(dayHours('2027-03-14', 'America/Toronto')).toBe(23);
    expect(endOfLocalDay('2027-11-07', 'America/Toronto')).toBe('2027-11-08T05:00:00.000Z'); // EST
    expect(dayHours('2027-11-07', 'America/Toronto')).toBe(25);
    expect(dayHours('2027-11-08', 'America/Toronto')).toBe(24);
    // Manitoba, the same days an hour later
    expect(endOfLocalDay('2027-03-14', 'America/Winnipeg')).toBe('2027-03-15T05:00:00.000Z');
    expect(endOfLocalDay('2027-11-07', 'America/Winnipeg')).toBe('2027-11-08T06:00:00.000Z');
    // Alberta's last spring-forward every tz database agrees on (8 March 2026)
    expect(endOfLocalDay('2026-03-08', 'America/Edmonton')).toBe('2026-03-09T06:00:00.000Z');
    expect(dayHours('2026-03-08', 'America/Edmonton')).toBe(23);
    // Saskatchewan keeps CST all year
    expect(dayHours('2027-03-14', 'America/Regina')).toBe(24);
    expect(dayHours('2027-11-07', 'America/Regina')).toBe(24);
  });

  test('in Alberta on 14 March and 7 November 2027 the day is as long as the tz database makes it', () => {
    for (const date of ['2027-03-14', '2027-11-07'] as const) {
      const end = endOfLocalDay(date, 'America/Edmonton');
      expect(wallClock(end, 'America/Edmonton')).toBe(`${addDays(date, 1)} 00:00:00`);
      expect(isPastDue(dueOn(date), plusMs(end, -1), 'America/Edmonton')).toBe(false);
      expect(isPastDue(dueOn(date), end, 'America/Edmonton')).toBe(true);
      // 23 or 25 hours where Alberta still changes its clocks; 24 where it keeps UTC−6
      expect([23, 24, 25]).toContain(dayHours(date, 'America/Edmonton'));
    }
  });

  test('29 February: a year from it is 28 February; a deadline on it ends at midnight into 1 March', () => {
    expect(addYears('2028-02-29', 1)).toBe('2029-02-28');
    expect(addYears('2028-02-29', 4)).toBe('2032-02-29');
    expect(endOfLocalDay('2028-02-29', 'America/Toronto')).toBe('2028-03-01T05:00:00.000Z');
    expect(localDateOf('2028-03-01T04:59:59.999Z', 'America/Toronto')).toBe('2028-02-29');
    // an Alberta company registered 29 August 2027 names its trainee by 29 February 2028
    const d = new Driver('AB');
    d.register('2027-08-29');
    expect(d.c.nextDeadline).toMatchObject({ dueOn: '2028-02-29' });
    expectRefused(() => d.designate('2028-03-01'), 'WRONG_PHASE', /deadline was 2028-02-29/);
    d.designate('2028-02-29');
    expect(d.c.phase).toBe('TRAINING');
    expect(d.c.nextDeadline).toMatchObject({ step: 'TRAINING_EXAM', dueOn: '2028-02-29' });
  });

  test('BC’s maintenance audit is due 31 December and lasts until midnight Pacific into 1 January', () => {
    const bc = policyOf('BC');
    expect(maintenanceDueOn(bc, '2026-06-01', 2)).toBe('2027-12-31');
    expect(maintenanceDueOn(bc, '2026-06-01', 3)).toBe('2028-12-31');
    expect(maintenanceDeadline(bc, '2027-01-15', 2)).toMatchObject({ dueOn: '2028-12-31' });
    // 31 December 2025 in PST (UTC−8): every tz database agrees
    expect(maintenanceDueOn(bc, '2024-06-01', 2)).toBe('2025-12-31');
    expect(endOfLocalDay('2025-12-31', 'America/Vancouver')).toBe('2026-01-01T08:00:00.000Z');
    // 31 December 2027: 08:00Z where BC still has PST, 07:00Z where it keeps UTC−7 (tzdata 2026a on)
    const end = endOfLocalDay('2027-12-31', 'America/Vancouver');
    expect(end).toMatch(/^2028-01-01T0[78]:00:00\.000Z$/);
    expect(wallClock(end, 'America/Vancouver')).toBe('2028-01-01 00:00:00');
    const deadline = maintenanceDeadline(bc, '2026-06-01', 2);
    expect(isPastDue(deadline, plusMs(end, -1), 'America/Vancouver')).toBe(false);
    expect(isPastDue(deadline, end, 'America/Vancouver')).toBe(true);
    expect(formatLongDate(deadline.dueOn)).toBe('Friday, 31 December 2027');
  });

  test('Newfoundland and Labrador’s half-hour offset', () => {
    expect(endOfLocalDay('2027-01-15', 'America/St_Johns')).toBe('2027-01-16T03:30:00.000Z'); // NST, UTC−3:30
    expect(endOfLocalDay('2027-07-15', 'America/St_Johns')).toBe('2027-07-16T02:30:00.000Z'); // NDT, UTC−2:30
    expect(localDateOf('2027-01-16T03:29:59.999Z', 'America/St_Johns')).toBe('2027-01-15');
    expect(localDateOf('2027-01-16T03:30:00.000Z', 'America/St_Johns')).toBe('2027-01-16');
    expect(atLocalMinute('2027-01-15', 9 * 60, 'America/St_Johns')).toBe('2027-01-15T12:30:00.000Z');
    // an NL company wakes at its minute, half an hour ahead of Atlantic time
    const nl = { companyId: 'co-1', region: 'NL' };
    const ns = { companyId: 'co-1', region: 'NS' };
    expect(Date.parse(wakeAtOn(ns, '2027-01-15')) - Date.parse(wakeAtOn(nl, '2027-01-15'))).toBe(HOUR / 2);
  });
});

describe('the company’s wake', () => {
  test('wakeMinute is stable for an id and within business hours (09:00–17:00)', () => {
    expect(BUSINESS_HOURS).toEqual({ fromMinute: 540, toMinute: 1020 });
    expect(wakeMinute('co-1')).toBe(633); // 10:33, the same in every process (FNV-1a of the id)
    expect(wakeMinute('co-1')).toBe(wakeMinute('co-1'));
    for (let i = 0; i < 2_000; i++) {
      const minute = wakeMinute(`company-${i}`);
      expect(Number.isInteger(minute)).toBe(true);
      expect(minute).toBeGreaterThanOrEqual(540);
      expect(minute).toBeLessThan(1020);
    }
  });

  test('wakeMinute spreads companies over the business day', () => {
    const counts = new Map<number, number>();
    const ids = 10_000;
    for (let i = 0; i < ids; i++) {
      const minute = wakeMinute(`co-${i}`);
      counts.set(minute, (counts.get(minute) ?? 0) + 1);
    }
    const mean = ids / 480;
    expect(counts.size).toBeGreaterThanOrEqual(470); // most of the 480 minutes are someone's
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(3 * mean);
    // both halves of the day get their share
    const morning = [...counts].filter(([m]) => m < 780).reduce((n, [, c]) => n + c, 0);
    expect(morning / ids).toBeGreaterThan(0.4);
    expect(morning / ids).toBeLessThan(0.6);
  });

  test('the wake is the company’s minute, local time, every day of the year', () => {
    const company = { companyId: 'co-1', region: 'ON' };
    for (let date: IsoDate = '2027-01-01'; date < '2028-01-01'; date = addDays(date, 1)) {
      const wake = wakeAtOn(company, date);
      expect(wallClock(wake, 'America/Toronto').slice(0, 16)).toBe(`${date} 10:33`);
    }
  });

  test('atLocalMinute on the days the clocks change', () => {
    // Ontario: 09:00 is 14:00Z in EST and 13:00Z in EDT
    expect(atLocalMinute('2027-03-13', 540, 'America/Toronto')).toBe('2027-03-13T14:00:00.000Z');
    expect(atLocalMinute('2027-03-14', 540, 'America/Toronto')).toBe('2027-03-14T13:00:00.000Z');
    expect(atLocalMinute('2027-11-06', 540, 'America/Toronto')).toBe('2027-11-06T13:00:00.000Z');
    expect(atLocalMinute('2027-11-07', 540, 'America/Toronto')).toBe('2027-11-07T14:00:00.000Z');
    // a wall time that does not exist (02:30 on the spring-forward day) moves on to 03:30 EDT
    expect(atLocalMinute('2027-03-14', 150, 'America/Toronto')).toBe('2027-03-14T07:30:00.000Z');
    // the minutes around midnight
    expect(atLocalMinute('2027-03-14', 0, 'America/Toronto')).toBe('2027-03-14T05:00:00.000Z');
    expect(atLocalMinute('2027-11-07', 1439, 'America/Toronto')).toBe('2027-11-08T04:59:00.000Z');
    // a company's wake on the spring-forward day is 23 hours after the day before's
    const on = { companyId: 'co-1', region: 'ON' };
    expect(Date.parse(wakeAtOn(on, '2027-03-14')) - Date.parse(wakeAtOn(on, '2027-03-13'))).toBe(23 * HOUR);
    expect(Date.parse(wakeAtOn(on, '2027-11-07')) - Date.parse(wakeAtOn(on, '2027-11-06'))).toBe(25 * HOUR);
  });

  test('dates and times as people read them', () => {
    expect(formatLongDate('2028-02-29')).toBe('Tuesday, 29 February 2028');
    expect(formatLocalTime('2027-07-16T05:30:00.000Z', 'America/Toronto')).toBe('01:30 EDT');
  });
});
