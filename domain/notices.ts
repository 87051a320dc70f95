/**
 * What to tell whom: the emails a company's record calls for at `now` — one per history event that people must
 * hear about (not yet notified), and the reminders due. Each has a dedupe key, so none is sent twice.
 */
import { addDays, type IsoTimestamp } from './dates';
import { eventIndex } from './history';
import { isActivePhase } from './phases';
import type { RegionPolicy } from './policy';
import { daysLeft, localToday, remindersDue, STEP_RECIPIENTS, wakeAtOn, zoneOf } from './schedule';
import type { Company, HistoryEvent, Recipient, Step } from './types';

export type NoticeKind =
  | 'welcome'
  | 'traineeEnrolment'
  | 'examFailed'
  | 'attemptsExhausted'
  | 'reEnrolled'
  | 'trainingPassed'
  | 'refresherEnrolled'
  | 'refresherPassed'
  | 'programReceived'
  | 'auditPassed'
  | 'auditFailed'
  | 'correctiveActionRequired'
  | 'certificateIssued'
  | 'maintenanceDue'
  | 'recertificationDue'
  | 'lapsed'
  | 'cancelled'
  | 'withdrawn'
  | 'workflowFailed'
  | 'opening'
  | 'reminder';

export interface Notice {
  key: string;
  kind: NoticeKind;
  recipients: Recipient[];
  /** The event (for event notices) or the step and dates (for reminders). */
  event?: HistoryEvent;
  reminder?: { step: Step; dueOn: string; daysLeft: number; maintenanceYear?: 2 | 3 };
}

/** A reminder (or opening notice): the step, its due date and the days left. */
export type ReminderNotice = Notice & {
  kind: 'reminder' | 'opening';
  reminder: NonNullable<Notice['reminder']>;
};

function eventNotice(event: HistoryEvent, company: Company): Omit<Notice, 'key' | 'event'> | null {
  const d = event.details ?? {};
  const trainee: Recipient[] = company.trainee ? ['trainee'] : [];
  switch (event.type) {
    case 'REGISTERED':
      return { kind: 'welcome', recipients: ['contact'] };
    case 'TRAINEE_DESIGNATED':
      return { kind: 'traineeEnrolment', recipients: [...trainee, 'contact'] };
    case 'EXAM_FAILED':
      return { kind: 'examFailed', recipients: trainee };
    case 'ATTEMPTS_EXHAUSTED':
      return { kind: 'attemptsExhausted', recipients: [...trainee, 'contact'] };
    case 'RE_ENROLLED':
      return { kind: 'reEnrolled', recipients: trainee };
    case 'TRAINING_PASSED':
      return { kind: 'trainingPassed', recipients: [...trainee, 'contact'] };
    case 'REFRESHER_ENROLLED':
      return { kind: 'refresherEnrolled', recipients: trainee };
    case 'REFRESHER_PASSED':
      return { kind: 'refresherPassed', recipients: trainee };
    case 'PROGRAM_SUBMITTED':
      return { kind: 'programReceived', recipients: ['contact'] };
    case 'AUDIT_PASSED':
      return d.type === 'maintenance' ? null : { kind: 'auditPassed', recipients: ['contact'] };
    case 'AUDIT_FAILED':
      return d.type === 'maintenance' ? null : { kind: 'auditFailed', recipients: ['contact'] };
    case 'CORRECTIVE_ACTION_REQUIRED':
      return { kind: 'correctiveActionRequired', recipients: ['contact'] };
    case 'CERTIFICATE_ISSUED':
      return { kind: 'certificateIssued', recipients: ['contact'] };
    case 'PHASE_ENTERED':
      if (d.phase === 'MAINTENANCE') return { kind: 'maintenanceDue', recipients: ['contact'] };
      if (d.phase === 'RECERTIFICATION') return { kind: 'recertificationDue', recipients: ['contact'] };
      return null;
    case 'LAPSED':
      return { kind: 'lapsed', recipients: [...(d.phase === 'TRAINING' ? trainee : []), 'contact', 'ops'] };
    case 'CANCELLED':
      return { kind: 'cancelled', recipients: ['contact', 'ops'] };
    case 'WITHDRAWN':
      return { kind: 'withdrawn', recipients: ['contact'] };
    case 'WORKFLOW_FAILED':
      return { kind: 'workflowFailed', recipients: ['ops'] };
    default:
      return null;
  }
}

/**
 * Event notices not yet sent: events from `notifiedThrough` on, each keyed by its absolute index (which events
 * dropped from the history do not change; see history.ts).
 */
export function eventNoticesDue(company: Company): Notice[] {
  const from = company.notifiedThrough ?? 0;
  const notices: Notice[] = [];
  company.history.slice(from).forEach((event, i) => {
    const notice = eventNotice(event, company);
    if (!notice) return;
    // A recipient notified further than the company watermark (others were held for a later day) is skipped.
    const recipients = notice.recipients.filter((r) => from + i >= notifiedPosition(company, r));
    if (recipients.length > 0)
      notices.push({ key: `EVENT|${eventIndex(company, from + i)}`, event, ...notice, recipients });
  });
  return notices;
}

/** The history position a recipient has been sent its event notices through. */
export function notifiedPosition(company: Company, recipient: Recipient): number {
  return Math.max(company.notifiedThrough ?? 0, company.notifiedThroughBy?.[recipient] ?? 0);
}

/**
 * The reminder of the company's current step, to send again now (operations' "resend the reminder"): the
 * recipients and days left of the scheduled reminders of that step. Null when no step is open.
 */
export function currentReminder(company: Company, now: IsoTimestamp): ReminderNotice | null {
  const deadline = company.nextDeadline;
  if (!deadline || !isActivePhase(company.phase)) return null;
  return {
    key: `RESEND|${now}`,
    kind: 'reminder',
    recipients: [...STEP_RECIPIENTS[deadline.step]],
    reminder: {
      step: deadline.step,
      dueOn: deadline.dueOn,
      daysLeft: daysLeft(deadline.dueOn, now, zoneOf(company)),
      ...(deadline.maintenanceYear ? { maintenanceYear: deadline.maintenanceYear } : {}),
    },
  };
}

export interface NoticePlan {
  /** The notices to send now, each to the recipients not held. */
  due: Notice[];
  /** People who were emailed today already and have notices waiting: one email a day a person. */
  held: Recipient[];
  /** When the held notices can go (the company's wake tomorrow), or null when none is held. */
  heldUntil: IsoTimestamp | null;
}

/**
 * What to send now: event notices not yet sent and the reminders due, except to a person already emailed by the
 * lifecycle today (local date) — theirs wait for the company's wake tomorrow, when everything due for them goes
 * in one email. Operations are a team mailbox, never held.
 */
export function planNotices(company: Company, policy: RegionPolicy, now: IsoTimestamp): NoticePlan {
  const today = localToday(company, now);
  const isHeld = (r: Recipient) => r !== 'ops' && company.lastEmailedOn?.[r] === today;
  const all: Notice[] = [
    ...eventNoticesDue(company),
    ...remindersDue(company, policy, now).map((r): Notice => ({
      key: r.key,
      kind: r.kind === 'opening' ? 'opening' : 'reminder',
      recipients: r.recipients,
      reminder: {
        step: r.step,
        dueOn: r.dueOn,
        daysLeft: r.daysLeft,
        ...(r.maintenanceYear ? { maintenanceYear: r.maintenanceYear } : {}),
      },
    })),
  ];
  const due: Notice[] = [];
  const held = new Set<Recipient>();
  for (const notice of all) {
    const sendable = notice.recipients.filter((r) => !isHeld(r));
    for (const r of notice.recipients) if (isHeld(r)) held.add(r);
    if (sendable.length > 0) due.push({ ...notice, recipients: sendable });
  }
  return {
    due,
    held: [...held],
    heldUntil: held.size > 0 ? wakeAtOn(company, addDays(today, 1)) : null,
  };
}

export function noticesDue(company: Company, policy: RegionPolicy, now: IsoTimestamp): Notice[] {
  return planNotices(company, policy, now).due;
}
