/**
 * Deadlines and reminders: what is due next, which reminders are due now, when the workflow should wake. Dates
 * are civil dates in the company's province (./time.ts); notices go out at the company's own business-hours
 * minute.
 */
import {
  addDays,
  addMonths,
  addYears,
  daysBetween,
  endOfYear,
  type IsoDate,
  type IsoTimestamp,
  maxDate,
} from './dates';
import { isActivePhase } from './phases';
import type { RegionPolicy } from './policy';
import { atLocalMinute, endOfLocalDay, localDateOf, timeZoneOf, wakeMinute, wakeSecond } from './time';
import type { Company, Deadline, Recipient, Step } from './types';

export const STEP_RECIPIENTS: Record<Step, Recipient[]> = {
  DESIGNATE_TRAINEE: ['contact'],
  TRAINING_EXAM: ['trainee'],
  PROGRAM_SUBMISSION: ['contact'],
  CERTIFICATION_AUDIT: ['contact'],
  MAINTENANCE_AUDIT: ['contact'],
  RECERTIFICATION_AUDIT: ['contact'],
  TRAINING_REFRESHER: ['trainee'],
};

/** Due date of the maintenance audit of certificate year `year` (2 or 3) for a certificate issued on `issuedOn`. */
export function maintenanceDueOn(policy: RegionPolicy, issuedOn: IsoDate, year: 2 | 3): IsoDate {
  const anniversary = addYears(issuedOn, year - 1);
  return policy.maintenanceAuditDue === 'december31' ? endOfYear(anniversary) : anniversary;
}

/** The window of a maintenance audit: year 2 opens on issue, year 3 on the first anniversary. */
export function maintenanceDeadline(policy: RegionPolicy, issuedOn: IsoDate, year: 2 | 3): Deadline {
  return {
    step: 'MAINTENANCE_AUDIT',
    opensOn: year === 2 ? issuedOn : addYears(issuedOn, 1),
    dueOn: maintenanceDueOn(policy, issuedOn, year),
    maintenanceYear: year,
  };
}

/** Recertification: a full audit from the second anniversary until the certificate expires. */
export function recertificationDeadline(issuedOn: IsoDate, expiresOn: IsoDate): Deadline {
  return { step: 'RECERTIFICATION_AUDIT', opensOn: addYears(issuedOn, 2), dueOn: expiresOn };
}

export function trainingDeadline(
  policy: RegionPolicy,
  step: 'DESIGNATE_TRAINEE' | 'TRAINING_EXAM',
  from: IsoDate,
  opensOn: IsoDate,
): Deadline {
  return { step, opensOn, dueOn: addMonths(from, policy.trainingWithinMonths) };
}

export function programDeadline(policy: RegionPolicy, from: IsoDate): Deadline {
  return { step: 'PROGRAM_SUBMISSION', opensOn: from, dueOn: addMonths(from, policy.programWithinMonths) };
}

export function certificationAuditDeadline(
  policy: RegionPolicy,
  submittedOn: IsoDate,
  earliestAuditOn: IsoDate,
): Deadline {
  return {
    step: 'CERTIFICATION_AUDIT',
    opensOn: maxDate(submittedOn, earliestAuditOn),
    dueOn: addMonths(submittedOn, policy.certificationAuditWithinMonths),
  };
}

/** The refresher of the trainee's training certificate, open from `refresherWindowMonths` before expiry. */
export function refresherDeadline(company: Company, policy: RegionPolicy): Deadline | null {
  const { expiresOn } = company.training;
  if (!expiresOn || company.trainee === null) return null;
  return {
    step: 'TRAINING_REFRESHER',
    opensOn: addMonths(expiresOn, -policy.refresherWindowMonths),
    dueOn: expiresOn,
  };
}

/** The company's time zone (its province's). */
export function zoneOf(company: { region: string }): string {
  return timeZoneOf(company.region);
}

/** The civil date of `now` in the company's province. */
export function localToday(company: { region: string }, now: IsoTimestamp): IsoDate {
  return localDateOf(now, zoneOf(company));
}

/** The instant a deadline passes: the end of its due day in the company's province. */
export function deadlineEndsAt(deadline: Deadline, zone: string): IsoTimestamp {
  return endOfLocalDay(deadline.dueOn, zone);
}

/** From the end of the due day (local) on, the deadline has passed. */
export function isPastDue(deadline: Deadline, now: IsoTimestamp, zone: string): boolean {
  return Date.parse(now) >= Date.parse(deadlineEndsAt(deadline, zone));
}

/** The company's business-hours wake on a local date (its own stable minute within 09:00–17:00, and second). */
export function wakeAtOn(company: { companyId: string; region: string }, date: IsoDate): IsoTimestamp {
  const minute = Date.parse(atLocalMinute(date, wakeMinute(company.companyId), zoneOf(company)));
  return new Date(minute + wakeSecond(company.companyId) * 1000).toISOString();
}

/** The first of the company's business-hours wakes after `now`. */
export function nextBusinessWake(
  company: { companyId: string; region: string },
  now: IsoTimestamp,
): IsoTimestamp {
  const today = localToday(company, now);
  const todays = wakeAtOn(company, today);
  return Date.parse(todays) > Date.parse(now) ? todays : wakeAtOn(company, addDays(today, 1));
}

/**
 * When the workflow escalates a missed deadline: the company's wake on the day after the due date, so the
 * escalation emails go out in business hours and companies sharing a due date do not escalate at one instant.
 * The deadline itself passed at the end of the due day: a step completed after it is refused (see decide).
 */
export function escalationAt(company: Company, deadline: Deadline): IsoTimestamp {
  return wakeAtOn(company, addDays(deadline.dueOn, 1));
}

export type SlotKind = 'opening' | 'reminder';

export interface ReminderSlot {
  /** The local date of the notice (sent at the company's wake minute that day). */
  on: IsoDate;
  kind: SlotKind;
}

/**
 * The notices of a deadline (policy data): an opening notice on the day the window opens, when that is later
 * than the day the company was told of the deadline (else the email that told it is the opening notice), then
 * one `reminderDaysBeforeDeadline` days before the due date, each while the step can be done and after the
 * company was told. Sorted by date.
 */
export function reminderSlots(
  deadline: Deadline,
  policy: RegionPolicy,
  announcedOn: IsoDate,
): ReminderSlot[] {
  const slots: ReminderSlot[] = [];
  if (deadline.opensOn > announcedOn && deadline.opensOn <= deadline.dueOn)
    slots.push({ on: deadline.opensOn, kind: 'opening' });
  const after = maxDate(deadline.opensOn, announcedOn);
  const seen = new Set(slots.map((s) => s.on));
  for (const days of policy.reminderDaysBeforeDeadline) {
    const on = addDays(deadline.dueOn, -days);
    if (on > after && !seen.has(on)) {
      seen.add(on);
      slots.push({ on, kind: 'reminder' });
    }
  }
  return slots.sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : 0));
}

export interface ReminderDue {
  /** Dedupe key: a reminder with this key is sent once, ever. */
  key: string;
  step: Step;
  dueOn: IsoDate;
  slot: IsoDate;
  kind: SlotKind;
  daysLeft: number;
  recipients: Recipient[];
  maintenanceYear?: 2 | 3;
}

export function reminderKey(deadline: Deadline, slot: IsoDate): string {
  return `${deadline.step}${deadline.maintenanceYear ?? ''}|${deadline.dueOn}|${slot}`;
}

interface OpenDeadline {
  deadline: Deadline;
  announcedOn: IsoDate;
}

/** The deadlines a company has open now: its phase's step, and the trainee's refresher. */
export function openDeadlines(company: Company, policy: RegionPolicy): Deadline[] {
  return open(company, policy).map((o) => o.deadline);
}

function open(company: Company, policy: RegionPolicy): OpenDeadline[] {
  const list: OpenDeadline[] = [];
  if (!isActivePhase(company.phase)) return list;
  const d = company.nextDeadline;
  if (d)
    list.push({
      deadline: d,
      announcedOn: company.deadlineAnnouncedOn ?? localDateOf(company.phaseEnteredAt, zoneOf(company)),
    });
  const refresher = refresherDeadline(company, policy);
  if (refresher && company.training.passedOn)
    list.push({ deadline: refresher, announcedOn: company.training.passedOn });
  return list;
}

/** Whole days from the local date of `now` to `dueOn` (0 on the due date, negative once it has passed). */
export function daysLeft(dueOn: IsoDate, now: IsoTimestamp, zone: string): number {
  return daysBetween(localDateOf(now, zone), dueOn);
}

/**
 * Reminders due at `now` and not yet sent: for each open deadline, the latest notice whose wake (its date at the
 * company's minute) has come. Earlier missed ones are not sent late: after an outage or a clock jump, one
 * reminder, never a burst.
 */
export function remindersDue(company: Company, policy: RegionPolicy, now: IsoTimestamp): ReminderDue[] {
  const zone = zoneOf(company);
  const nowMs = Date.parse(now);
  const due: ReminderDue[] = [];
  for (const { deadline, announcedOn } of open(company, policy)) {
    if (isPastDue(deadline, now, zone)) continue;
    const slot = reminderSlots(deadline, policy, announcedOn)
      .filter((s) => Date.parse(wakeAtOn(company, s.on)) <= nowMs)
      .pop();
    if (!slot) continue;
    const key = reminderKey(deadline, slot.on);
    if (company.remindersSent.includes(key)) continue;
    due.push({
      key,
      step: deadline.step,
      dueOn: deadline.dueOn,
      slot: slot.on,
      kind: slot.kind,
      daysLeft: daysLeft(deadline.dueOn, now, zone),
      recipients: STEP_RECIPIENTS[deadline.step],
      ...(deadline.maintenanceYear ? { maintenanceYear: deadline.maintenanceYear } : {}),
    });
  }
  return due;
}

/**
 * When something next happens for this company without anyone acting: a window opens, a notice falls due, or
 * the phase's deadline is escalated. Null when nothing is scheduled (terminal phases).
 */
export function nextWakeAt(company: Company, policy: RegionPolicy, now: IsoTimestamp): IsoTimestamp | null {
  const nowMs = Date.parse(now);
  const candidates: number[] = [];
  for (const { deadline, announcedOn } of open(company, policy)) {
    // A window that opens on a later day wakes the workflow then (a window open today needs no wake).
    if (deadline.opensOn > localToday(company, now))
      candidates.push(Date.parse(wakeAtOn(company, deadline.opensOn)));
    for (const slot of reminderSlots(deadline, policy, announcedOn)) {
      const at = Date.parse(wakeAtOn(company, slot.on));
      if (at > nowMs) candidates.push(at);
    }
    // The step deadline passing is an event (escalation); the refresher's is not (reminders only).
    if (deadline.step !== 'TRAINING_REFRESHER') {
      const at = Date.parse(escalationAt(company, deadline));
      if (at > nowMs) candidates.push(at);
    }
  }
  if (candidates.length === 0) return null;
  return new Date(Math.min(...candidates)).toISOString();
}

/** True when the phase's deadline has passed and the workflow has not yet escalated. */
export function isOverdue(company: Company, now: IsoTimestamp): boolean {
  return (
    company.nextDeadline !== null &&
    isActivePhase(company.phase) &&
    isPastDue(company.nextDeadline, now, zoneOf(company))
  );
}
