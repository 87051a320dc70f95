/**
 * Time in the company's province. Every date a company sees is a civil date in its province's time zone, and a
 * deadline "due on D" ends at the end of day D there. The time-zone arithmetic (offsets, daylight saving) is
 * Luxon's, which reads the IANA database built into Node (Intl); nothing here reads a clock.
 *
 * Lifecycle emails go out in business hours: each company wakes at its own stable minute between 09:00 and
 * 17:00 local time (`wakeMinute`), so companies sharing a due date never all wake at one instant.
 */
import { DateTime } from 'luxon';
import type { IsoDate, IsoTimestamp } from './dates';
import type { Region } from './policy';

/** The IANA time zone of each province and territory. */
export const REGION_TIME_ZONES: Record<Region, string> = {
  AB: 'America/Edmonton',
  BC: 'America/Vancouver',
  MB: 'America/Winnipeg',
  NB: 'America/Halifax',
  NL: 'America/St_Johns',
  NS: 'America/Halifax',
  NT: 'America/Yellowknife',
  NU: 'America/Iqaluit',
  ON: 'America/Toronto',
  PE: 'America/Halifax',
  QC: 'America/Toronto',
  SK: 'America/Regina',
  YT: 'America/Whitehorse',
};

/** The province or territory, as people name it. */
export const REGION_NAMES: Record<Region, string> = {
  AB: 'Alberta',
  BC: 'British Columbia',
  MB: 'Manitoba',
  NB: 'New Brunswick',
  NL: 'Newfoundland and Labrador',
  NS: 'Nova Scotia',
  NT: 'Northwest Territories',
  NU: 'Nunavut',
  ON: 'Ontario',
  PE: 'Prince Edward Island',
  QC: 'Quebec',
  SK: 'Saskatchewan',
  YT: 'Yukon',
};

/** The business-hours window of lifecycle emails, in minutes after local midnight: [09:00, 17:00). */
export const BUSINESS_HOURS = { fromMinute: 9 * 60, toMinute: 17 * 60 } as const;

export function timeZoneOf(region: string): string {
  const zone = (REGION_TIME_ZONES as Record<string, string>)[region];
  if (!zone) throw new RangeError(`no time zone for region ${region}`);
  return zone;
}

function instant(timestamp: IsoTimestamp, zone: string): DateTime {
  const t = DateTime.fromISO(timestamp, { zone: 'utc' });
  if (!t.isValid) throw new RangeError(`not an ISO timestamp: ${timestamp}`);
  return t.setZone(zone);
}

function civil(date: IsoDate, zone: string): DateTime {
  const d = DateTime.fromISO(date, { zone });
  if (!d.isValid) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  return d.startOf('day');
}

/** The civil date of an instant in a time zone. */
export function localDateOf(timestamp: IsoTimestamp, zone: string): IsoDate {
  return instant(timestamp, zone).toISODate() as IsoDate;
}

/** The instant a civil date ends in a zone (the start of the next day there): a deadline is met before it. */
export function endOfLocalDay(date: IsoDate, zone: string): IsoTimestamp {
  return civil(date, zone).plus({ days: 1 }).toUTC().toISO() as IsoTimestamp;
}

/**
 * The instant of `minute` minutes after local midnight of a civil date (a skipped wall time moves on).
 * Between 06:00 and 22:00 no Canadian zone changes its offset (they change at 02:00 local), so there the offset
 * of local noon is used, read from Luxon once per zone and date (a wake is computed for every company and slot;
 * the cache keeps that cheap); other times go through Luxon itself.
 */
export function atLocalMinute(date: IsoDate, minute: number, zone: string): IsoTimestamp {
  if (minute >= 6 * 60 && minute < 22 * 60 && Number.isInteger(minute)) {
    const [y, m, d] = date.split('-').map(Number) as [number, number, number];
    const wall = new Date(0);
    wall.setUTCFullYear(y, m - 1, d);
    wall.setUTCHours(Math.floor(minute / 60), minute % 60, 0, 0);
    return new Date(wall.getTime() - noonOffsetMinutes(date, zone) * 60_000).toISOString() as IsoTimestamp;
  }
  return civil(date, zone)
    .set({ hour: Math.floor(minute / 60), minute: minute % 60 })
    .toUTC()
    .toISO() as IsoTimestamp;
}

const noonOffsets = new Map<string, number>();
function noonOffsetMinutes(date: IsoDate, zone: string): number {
  const key = `${zone}|${date}`;
  let offset = noonOffsets.get(key);
  if (offset === undefined) {
    offset = civil(date, zone).set({ hour: 12 }).offset;
    if (noonOffsets.size > 100_000) noonOffsets.clear();
    noonOffsets.set(key, offset);
  }
  return offset;
}

/** FNV-1a of a string: the same value in every process and language. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The company's own minute of the business day, stable for its life: a hash of its id spread evenly over
 * 09:00–17:00 (480 minutes).
 */
export function wakeMinute(companyId: string): number {
  const span = BUSINESS_HOURS.toMinute - BUSINESS_HOURS.fromMinute;
  return BUSINESS_HOURS.fromMinute + (fnv1a(companyId) % span);
}

/**
 * The company's second within its wake minute (0–59, from a second hash), so the ~200 companies that share a
 * minute do not send their emails in the same second.
 */
export function wakeSecond(companyId: string): number {
  return fnv1a(`${companyId}#second`) % 60;
}

/** A civil date as people read it: "Friday, 31 December 2027". */
export function formatLongDate(date: IsoDate): string {
  const d = DateTime.fromISO(date, { zone: 'utc', locale: 'en-CA' });
  if (!d.isValid) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  return d.toFormat('cccc, d LLLL yyyy');
}

/** A local time as people read it, with the zone's abbreviation: "23:30 PST". */
export function formatLocalTime(timestamp: IsoTimestamp, zone: string): string {
  return instant(timestamp, zone).setLocale('en-US').toFormat('HH:mm ZZZZ');
}
