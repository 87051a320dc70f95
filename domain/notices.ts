/**
 * What to tell whom: the emails a company's record calls for at `now` — one per history event that people must
 * hear about (not yet notified), and the reminders due. Each has a dedupe key, so none is sent twice.
 */
import type { IsoTimestamp } from './dates';
import { eventIndex } from './history';
import { isActivePhase } from './phases';
import type { RegionPolicy } from './policy';
import { daysLeft, remindersDue, STEP_RECIPIENTS } from './schedule';
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
  | 'reminder';

export interface Notice {
  key: string;
  kind: NoticeKind;
  recipients: Recipient[];
  /** The event (for event notices) or the step and dates (for reminders). */
  event?: HistoryEvent;
  reminder?: { step: Step; dueOn: string; daysLeft: number; maintenanceYear?: 2 | 3 };
}

/** A reminder: the step, its due date and the days left. */
export type ReminderNotice = Notice & { kind: 'reminder'; reminder: NonNullable<Notice['reminder']> };

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
    if (notice && notice.recipients.length > 0)
      notices.push({ key: `EVENT|${eventIndex(company, from + i)}`, event, ...notice });
  });
  return notices;
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
      daysLeft: daysLeft(deadline.dueOn, now),
      ...(deadline.maintenanceYear ? { maintenanceYear: deadline.maintenanceYear } : {}),
    },
  };
}

export function noticesDue(company: Company, policy: RegionPolicy, now: IsoTimestamp): Notice[] {
  return [
    ...eventNoticesDue(company),
    ...remindersDue(company, policy, now).map((r): Notice => ({
      key: r.key,
      kind: 'reminder',
      recipients: r.recipients,
      reminder: {
        step: r.step,
        dueOn: r.dueOn,
        daysLeft: r.daysLeft,
        ...(r.maintenanceYear ? { maintenanceYear: r.maintenanceYear } : {}),
      },
    })),
  ];
}
