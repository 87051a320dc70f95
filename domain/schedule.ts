/**
 * Deadlines and reminders: what is due next, which reminders are due now, when the workflow should wake.
 */
import {
  addDays,
  addMonths,
  addYears,
  dateOf,
  daysBetween,
  endOfYear,
  type IsoDate,
  type IsoTimestamp,
  maxDate,
  startOf,
} from './dates';
import { isActivePhase } from './phases';
import type { RegionPolicy } from './policy';
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

/** The day after the due date: from then on the deadline has passed. */
export function isPastDue(deadline: Deadline, now: IsoTimestamp): boolean {
  return dateOf(now) > deadline.dueOn;
}

/** Reminder dates of a deadline: every `reminderIntervalDays` from its opening, and N days before it is due. */
export function reminderSlots(deadline: Deadline, policy: RegionPolicy): IsoDate[] {
  const slots = new Set<IsoDate>();
  for (let k = 1; ; k++) {
    const slot = addDays(deadline.opensOn, k * policy.reminderIntervalDays);
    if (slot >= deadline.dueOn) break;
    slots.add(slot);
  }
  for (const days of policy.reminderDaysBeforeDeadline) {
    const slot = addDays(deadline.dueOn, -days);
    if (slot > deadline.opensOn) slots.add(slot);
  }
  return [...slots].sort();
}

export interface ReminderDue {
  /** Dedupe key: a reminder with this key is sent once, ever. */
  key: string;
  step: Step;
  dueOn: IsoDate;
  slot: IsoDate;
  daysLeft: number;
  recipients: Recipient[];
  maintenanceYear?: 2 | 3;
}

export function reminderKey(deadline: Deadline, slot: IsoDate): string {
  return `${deadline.step}${deadline.maintenanceYear ?? ''}|${deadline.dueOn}|${slot}`;
}

/** The deadlines a company has open now: its phase's step, and the trainee's refresher. */
export function openDeadlines(company: Company, policy: RegionPolicy): Deadline[] {
  const open: Deadline[] = [];
  if (company.nextDeadline && isActivePhase(company.phase)) open.push(company.nextDeadline);
  const refresher = isActivePhase(company.phase) ? refresherDeadline(company, policy) : null;
  if (refresher && company.training.passedOn) open.push(refresher);
  return open;
}

/** Whole days from the date of `now` to `dueOn` (0 on the due date, negative once it has passed). */
export function daysLeft(dueOn: IsoDate, now: IsoTimestamp): number {
  return daysBetween(dateOf(now), dueOn);
}

/**
 * Reminders due at `now` and not yet sent: for each open deadline, the latest reminder date that has come
 * (earlier missed dates are not sent late: one reminder, never a burst).
 */
export function remindersDue(company: Company, policy: RegionPolicy, now: IsoTimestamp): ReminderDue[] {
  const today = dateOf(now);
  const due: ReminderDue[] = [];
  for (const deadline of openDeadlines(company, policy)) {
    if (today > deadline.dueOn || today < deadline.opensOn) continue;
    const slot = reminderSlots(deadline, policy)
      .filter((s) => s <= today)
      .pop();
    if (!slot) continue;
    const key = reminderKey(deadline, slot);
    if (company.remindersSent.includes(key)) continue;
    due.push({
      key,
      step: deadline.step,
      dueOn: deadline.dueOn,
      slot,
      daysLeft: daysLeft(deadline.dueOn, now),
      recipients: STEP_RECIPIENTS[deadline.step],
      ...(deadline.maintenanceYear ? { maintenanceYear: deadline.maintenanceYear } : {}),
    });
  }
  return due;
}

/**
 * When something next happens for this company without anyone acting: a window opens, a reminder falls due,
 * or the phase's deadline passes. Null when nothing is scheduled (terminal phases).
 */
export function nextWakeAt(company: Company, policy: RegionPolicy, now: IsoTimestamp): IsoTimestamp | null {
  const today = dateOf(now);
  const candidates: IsoDate[] = [];
  for (const deadline of openDeadlines(company, policy)) {
    if (deadline.opensOn > today) candidates.push(deadline.opensOn);
    for (const slot of reminderSlots(deadline, policy)) if (slot > today) candidates.push(slot);
    // The step deadline passing is an event (escalation); the refresher's is not (reminders only).
    if (deadline.step !== 'TRAINING_REFRESHER' && addDays(deadline.dueOn, 1) > today)
      candidates.push(addDays(deadline.dueOn, 1));
  }
  if (candidates.length === 0) return null;
  return startOf(candidates.sort()[0] as IsoDate);
}

/** True when the phase's deadline has passed and the workflow has not yet escalated. */
export function isOverdue(company: Company, now: IsoTimestamp): boolean {
  return (
    company.nextDeadline !== null && isActivePhase(company.phase) && isPastDue(company.nextDeadline, now)
  );
}
