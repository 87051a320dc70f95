/**
 * The workflow's bookkeeping on the record: reminders and notices sent, a failed execution, SES feedback on an
 * email, a redrive of a failed phase, and the continuation of a phase in a fresh execution.
 */
import { DomainError } from '../errors';
import { eventCount, positionNow } from '../history';
import { executionName, type ExecutionPhase, isActivePhase } from '../phases';
import { notifiedPosition } from '../notices';
import { BUSINESS_HOURS, wakeMinute } from '../time';
import type { Command, Decision, Recipient } from '../types';
import { type Change, wrongPhase } from '../lifecycle/change';

const RECIPIENTS: Recipient[] = ['contact', 'trainee', 'ops'];

/** Reminder keys kept at most (only the latest slot of an open deadline can still be due; see remindersDue). */
export const MAX_REMINDER_KEYS = 64;

export function recordReminder(ch: Change, key: string): Decision {
  addReminder(ch, key);
  return ch.done(null);
}

function addReminder(ch: Change, key: string): void {
  const c = ch.company;
  if (c.remindersSent.includes(key)) throw new DomainError('CONFLICT', `reminder ${key} was already sent`);
  // Keep only keys of deadlines still open, and the latest of those: the list stays small for the life of the
  // company.
  const open = [
    c.nextDeadline,
    c.training.expiresOn ? { step: 'TRAINING_REFRESHER', dueOn: c.training.expiresOn } : null,
  ]
    .filter((d) => d !== null)
    .map((d) => `|${d.dueOn}|`);
  const kept = c.remindersSent.filter((k) => open.some((o) => k.includes(o)));
  c.remindersSent = [...kept.slice(Math.max(0, kept.length - (MAX_REMINDER_KEYS - 1))), key];
  const [step, dueOn, slot] = key.split('|');
  ch.emit('REMINDER_SENT', { step, dueOn, slot });
}

/**
 * Emails were sent: event notices before `through` (a history position of the record they were computed from,
 * which had dropped `historyDropped` events), and the reminders with these keys.
 */
export function recordNotifications(
  ch: Change,
  command: Extract<Command, { type: 'recordNotifications' }>,
): Decision {
  const c = ch.company;
  const through = Math.min(
    positionNow(c, command.through, command.historyDropped ?? c.historyDropped ?? 0),
    c.history.length,
  );
  const held = new Set(command.held ?? []);
  // Each recipient not held is notified through `through`; a held one stays where it was (its notices wait).
  const positions: Partial<Record<Recipient, number>> = {};
  for (const r of RECIPIENTS) {
    const at = notifiedPosition(c, r);
    positions[r] = held.has(r) ? at : Math.max(at, through);
  }
  c.notifiedThrough = Math.max(c.notifiedThrough ?? 0, Math.min(...RECIPIENTS.map((r) => positions[r] ?? 0)));
  const ahead = Object.fromEntries(
    RECIPIENTS.filter((r) => (positions[r] ?? 0) > (c.notifiedThrough ?? 0)).map((r) => [r, positions[r]]),
  );
  if (Object.keys(ahead).length > 0) c.notifiedThroughBy = ahead;
  else delete c.notifiedThroughBy;
  for (const r of command.emailed ?? []) {
    if (r !== 'ops') c.lastEmailedOn = { ...c.lastEmailedOn, [r]: ch.today };
  }
  for (const key of command.reminderKeys) {
    if (!c.remindersSent.includes(key)) addReminder(ch, key);
  }
  if ((command.emailed ?? []).length > 0 && c.mailDelay) {
    ch.emit('EMAIL_DELAY_ENDED', { since: c.mailDelay.since, attempts: c.mailDelay.attempts });
    c.mailDelay = null;
  }
  return ch.done(null);
}

/** Retries of refused emails: the first after about a minute, doubling, at most an hour apart. */
export const MAIL_RETRY = { firstSeconds: 60, maxSeconds: 3600 } as const;

/**
 * The mail service refused the company's due emails for now (throttling, an outage): they wait and are tried
 * again with backoff (spread per company, so a recovering service is not hit by every company at once). The
 * first refusal is an event in the history; retries are not.
 */
export function recordMailDelay(ch: Change, error: string, emailed: Recipient[] = []): Decision {
  const c = ch.company;
  for (const r of emailed) if (r !== 'ops') c.lastEmailedOn = { ...c.lastEmailedOn, [r]: ch.today };
  const attempts = (c.mailDelay?.attempts ?? 0) + 1;
  const base = Math.min(MAIL_RETRY.maxSeconds, MAIL_RETRY.firstSeconds * 2 ** Math.min(attempts - 1, 20));
  // Deterministic jitter in [½, 1) of the backoff, from the company's id and the attempt.
  const spread = ((wakeMinute(`${c.companyId}#${attempts}`) - BUSINESS_HOURS.fromMinute) % 100) / 200;
  const delayMs = Math.round(base * (0.5 + spread) * 1000);
  const error_ = error.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 100) || 'Error';
  if (!c.mailDelay) ch.emit('EMAIL_DELAYED', { error: error_ });
  c.mailDelay = {
    since: c.mailDelay?.since ?? ch.ctx.now,
    attempts,
    retryAt: new Date(Date.parse(ch.ctx.now) + delayMs).toISOString(),
    error: error_,
  };
  return ch.done(null);
}

export function recordFailure(ch: Change, cause: string): Decision {
  const c = ch.company;
  if (c.phase === 'FAILED') return ch.done(null);
  if (!isActivePhase(c.phase))
    throw wrongPhase(c, 'a workflow failure is recorded only for a company in an active phase');
  c.failure = { phase: c.phase, cause: cause.slice(0, 1000), at: ch.ctx.now };
  c.phase = 'FAILED';
  ch.emit('WORKFLOW_FAILED', { phase: c.failure.phase, execution: c.execution.name, cause: c.failure.cause });
  return ch.done(null);
}

/** Longest reason kept on an EMAIL_BOUNCED / EMAIL_COMPLAINED event. */
export const MAX_EMAIL_FEEDBACK_DETAIL = 200;

/**
 * SES reported a bounce or a complaint for an email to one of the company's recipients: flag the record (staff
 * see that reminders may not be arriving) and append the event. Allowed in every phase — feedback arrives after
 * the fact. The event names the recipient's role and a short reason, never an address.
 */
export function recordEmailFeedback(
  ch: Change,
  command: Extract<Command, { type: 'recordEmailFeedback' }>,
): Decision {
  const c = ch.company;
  const type = command.feedback === 'bounce' ? 'EMAIL_BOUNCED' : 'EMAIL_COMPLAINED';
  const messageId = command.messageId || undefined;
  if (
    messageId &&
    c.history.some(
      (e) =>
        e.type === type && e.details?.messageId === messageId && e.details.recipient === command.recipient,
    )
  ) {
    throw new DomainError('CONFLICT', `the ${command.feedback} of message ${messageId} is already recorded`);
  }
  const reason =
    command.detail
      .replace(/[^\s<>@]+@[^\s<>@]+/g, '<address>')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, MAX_EMAIL_FEEDBACK_DETAIL) || command.feedback;
  c.emailIssue = { kind: command.feedback, recipient: command.recipient, at: ch.ctx.now };
  ch.emit(type, { recipient: command.recipient, reason, ...(messageId ? { messageId } : {}) });
  return ch.done(null);
}

export function redrive(ch: Change): Decision {
  const c = ch.company;
  if (c.phase !== 'FAILED' || !c.failure)
    throw wrongPhase(c, 'only a company whose workflow FAILED can be redriven');
  // A failure recorded while CERTIFIED (a record from before certification went on into maintenance in the
  // same decision) resumes in the certificate's first maintenance year; any other is an execution phase.
  const phase: ExecutionPhase =
    c.failure.phase === 'CERTIFIED' ? 'MAINTENANCE' : (c.failure.phase as ExecutionPhase);
  const year = phase === 'MAINTENANCE' ? (c.maintenanceYear ?? 2) : c.maintenanceYear;
  ch.emit('REDRIVEN', { phase, previousExecution: c.execution.name });
  ch.enter(phase, { rerun: true, ...(year ? { maintenanceYear: year } : {}) });
  return ch.done('start');
}

export function continueExecution(ch: Change): Decision {
  const c = ch.company;
  if (!isActivePhase(c.phase)) throw wrongPhase(c, 'only an active phase continues in a new execution');
  const previous = c.execution.name;
  const key = c.execution.phaseKey;
  c.execution = { phaseKey: key, name: executionName(c.companyId, c.cycle, key, eventCount(c) + 1) };
  ch.emit('EXECUTION_CONTINUED', { previousExecution: previous, execution: c.execution.name });
  return ch.done(null);
}
