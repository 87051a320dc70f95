/**
 * Civil-date arithmetic on `YYYY-MM-DD` strings, in UTC. Pure: no clock.
 *
 * Month and year additions clamp to the end of the target month, so 31 Jan + 1 month = 28/29 Feb and
 * 29 Feb + 1 year = 28 Feb. That is how certifying partners state "within 6 months" and anniversaries.
 */
export type IsoDate = string; // YYYY-MM-DD
export type IsoTimestamp = string; // ISO-8601 UTC, e.g. 2027-02-01T09:30:00.000Z

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

export function isIsoDate(value: string): boolean {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

export function isIsoTimestamp(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return false;
  return Number.isFinite(Date.parse(value)) && isIsoDate(value.slice(0, 10));
}

function parts(date: IsoDate): [number, number, number] {
  const m = DATE_RE.exec(date);
  if (!m || !isIsoDate(date)) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function format(y: number, m: number, d: number): IsoDate {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Milliseconds at UTC midnight of a civil date (Date.UTC would move years 0–99 to 1900–1999). */
function utcMidnight(y: number, m: number, d: number): number {
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d);
  return date.getTime();
}

/** The UTC calendar date of a timestamp. */
export function dateOf(timestamp: IsoTimestamp): IsoDate {
  const ms = Date.parse(timestamp);
  if (!Number.isFinite(ms)) throw new RangeError(`not an ISO timestamp: ${timestamp}`);
  return new Date(ms).toISOString().slice(0, 10);
}

/** Midnight UTC at the start of a date, as an ISO timestamp. */
export function startOf(date: IsoDate): IsoTimestamp {
  const [y, m, d] = parts(date);
  return new Date(utcMidnight(y, m, d)).toISOString();
}

export function addDays(date: IsoDate, days: number): IsoDate {
  const [y, m, d] = parts(date);
  return new Date(utcMidnight(y, m, d) + days * DAY_MS).toISOString().slice(0, 10);
}

export function addMonths(date: IsoDate, months: number): IsoDate {
  const [y, m, d] = parts(date);
  const index = y * 12 + (m - 1) + months;
  const ty = Math.floor(index / 12);
  const tm = (index % 12) + 1;
  return format(ty, tm, Math.min(d, daysInMonth(ty, tm)));
}

export function addYears(date: IsoDate, years: number): IsoDate {
  return addMonths(date, years * 12);
}

/** Whole days from `a` to `b` (positive when b is later). */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  return Math.round((Date.parse(startOf(b)) - Date.parse(startOf(a))) / DAY_MS);
}

/** 31 December of the year of `date`. */
export function endOfYear(date: IsoDate): IsoDate {
  return `${date.slice(0, 4)}-12-31`;
}

export function maxDate(a: IsoDate, b: IsoDate): IsoDate {
  return a >= b ? a : b;
}

export function minDate(a: IsoDate, b: IsoDate): IsoDate {
  return a <= b ? a : b;
}
