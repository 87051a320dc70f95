import fc from 'fast-check';
import {
  addDays,
  addMonths,
  addYears,
  dateOf,
  daysBetween,
  daysInMonth,
  endOfYear,
  isIsoDate,
  isIsoTimestamp,
  maxDate,
  minDate,
  startOf,
} from '../../../domain';

describe('isIsoDate', () => {
  test.each(['2027-01-31', '2028-02-29', '2000-02-29', '2027-12-31', '0999-01-01'])('%s is a date', (d) => {
    expect(isIsoDate(d)).toBe(true);
  });
  test.each([
    '2027-02-29', // not a leap year
    '2100-02-29', // centuries are not leap years…
    '2027-04-31',
    '2027-13-01',
    '2027-00-10',
    '2027-01-00',
    '2027-1-01',
    '27-01-01',
    '2027-01-01T00:00:00Z',
    '',
  ])('%s is not a date', (d) => {
    expect(isIsoDate(d)).toBe(false);
  });
});

describe('isIsoTimestamp', () => {
  test.each([
    '2027-01-31T10:00:00.000Z',
    '2027-01-31T10:00Z',
    '2027-01-31T10:00:00+05:30',
    '2028-02-29T23:59:59Z',
  ])('%s is a timestamp', (t) => expect(isIsoTimestamp(t)).toBe(true));
  test.each(['2027-01-31', '2027-02-29T10:00:00Z', '2027-01-31 10:00:00Z', '2027-01-31T10:00:00', 'now'])(
    '%s is not a timestamp',
    (t) => expect(isIsoTimestamp(t)).toBe(false),
  );
});

describe('daysInMonth', () => {
  test.each([
    [2027, 1, 31],
    [2027, 2, 28],
    [2028, 2, 29],
    [2100, 2, 28],
    [2000, 2, 29],
    [2027, 4, 30],
    [2027, 12, 31],
  ])('%i-%i has %i days', (y, m, n) => expect(daysInMonth(y, m)).toBe(n));
});

describe('dateOf and startOf', () => {
  test('dateOf is the UTC calendar date', () => {
    expect(dateOf('2027-03-01T23:59:59.999Z')).toBe('2027-03-01');
    expect(dateOf('2027-03-01T00:00:00.000Z')).toBe('2027-03-01');
    // 20:00 in Edmonton (UTC-7) on 28 Feb is already 1 March in UTC
    expect(dateOf('2027-02-28T20:00:00-07:00')).toBe('2027-03-01');
  });
  test('dateOf refuses a non-timestamp', () => {
    expect(() => dateOf('yesterday')).toThrow(RangeError);
  });
  test('startOf is midnight UTC', () => {
    expect(startOf('2028-02-29')).toBe('2028-02-29T00:00:00.000Z');
  });
  test('date arithmetic refuses a malformed or impossible date', () => {
    expect(() => startOf('2027-02-29')).toThrow(/not a YYYY-MM-DD date: 2027-02-29/);
    expect(() => addDays('2027/01/01', 1)).toThrow(RangeError);
    expect(() => addMonths('2027-13-01', 1)).toThrow(RangeError);
  });
});

describe('addDays', () => {
  test.each([
    ['2027-02-28', 1, '2027-03-01'],
    ['2028-02-28', 1, '2028-02-29'],
    ['2028-02-29', 1, '2028-03-01'],
    ['2027-12-31', 1, '2028-01-01'],
    ['2027-03-01', -1, '2027-02-28'],
    ['2028-03-01', -1, '2028-02-29'],
    ['2027-01-10', 0, '2027-01-10'],
    ['2027-01-10', 365, '2028-01-10'],
  ])('%s + %i days = %s', (d, n, expected) => expect(addDays(d, n)).toBe(expected));
});

describe('addMonths and addYears clamp to the end of the target month', () => {
  test.each([
    ['2027-01-31', 1, '2027-02-28'],
    ['2028-01-31', 1, '2028-02-29'],
    ['2027-01-31', 3, '2027-04-30'],
    ['2027-08-31', 6, '2028-02-29'],
    ['2027-01-15', 6, '2027-07-15'],
    ['2027-11-30', 2, '2028-01-30'],
    ['2027-03-31', -1, '2027-02-28'],
    ['2028-01-10', -6, '2027-07-10'],
    ['2027-01-10', -13, '2025-12-10'],
    ['2027-01-10', 0, '2027-01-10'],
  ])('%s + %i months = %s', (d, n, expected) => expect(addMonths(d, n)).toBe(expected));

  test.each([
    ['2028-02-29', 1, '2029-02-28'],
    ['2028-02-29', 2, '2030-02-28'],
    ['2028-02-29', 3, '2031-02-28'],
    ['2028-02-29', 4, '2032-02-29'],
    ['2027-02-28', 1, '2028-02-28'],
    ['2027-06-01', 3, '2030-06-01'],
    ['2031-02-28', -3, '2028-02-28'],
  ])('%s + %i years = %s', (d, n, expected) => expect(addYears(d, n)).toBe(expected));

  test('the result is always a real date, never later in its month than the original day', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1990-01-01T00:00:00Z'),
          max: new Date('2200-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: -240, max: 240 }),
        (date, months) => {
          const d = date.toISOString().slice(0, 10);
          const r = addMonths(d, months);
          expect(isIsoDate(r)).toBe(true);
          expect(Number(r.slice(8))).toBeLessThanOrEqual(Number(d.slice(8)));
          const monthIndex = (s: string) => Number(s.slice(0, 4)) * 12 + Number(s.slice(5, 7)) - 1;
          expect(monthIndex(r) - monthIndex(d)).toBe(months);
          expect(addYears(d, Math.trunc(months / 12))).toBe(addMonths(d, Math.trunc(months / 12) * 12));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('daysBetween, endOfYear, maxDate, minDate', () => {
  test('daysBetween counts whole days, signed', () => {
    expect(daysBetween('2028-02-28', '2028-03-01')).toBe(2);
    expect(daysBetween('2027-02-28', '2027-03-01')).toBe(1);
    expect(daysBetween('2027-03-01', '2027-02-28')).toBe(-1);
    expect(daysBetween('2027-01-01', '2027-01-01')).toBe(0);
  });
  test('daysBetween inverts addDays', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('2000-01-01T00:00:00Z'),
          max: new Date('2100-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: -2000, max: 2000 }),
        (date, n) => {
          const d = date.toISOString().slice(0, 10);
          expect(daysBetween(d, addDays(d, n))).toBe(n);
          expect(addDays(addDays(d, n), -n)).toBe(d);
        },
      ),
      { numRuns: 200 },
    );
  });
  test('endOfYear is 31 December of the same year', () => {
    expect(endOfYear('2028-02-29')).toBe('2028-12-31');
    expect(endOfYear('2027-12-31')).toBe('2027-12-31');
  });
  test('maxDate and minDate order dates', () => {
    expect(maxDate('2027-01-31', '2027-02-01')).toBe('2027-02-01');
    expect(maxDate('2027-02-01', '2027-01-31')).toBe('2027-02-01');
    expect(minDate('2027-01-31', '2027-02-01')).toBe('2027-01-31');
    expect(minDate('2027-02-01', '2027-01-31')).toBe('2027-01-31');
  });
});
