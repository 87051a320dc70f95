/**
 * What a phase execution does next, decided from the company record at `now`. The state machine routes on
 * `plan.action`; the API computes the same plan when it completes a human step, so the workflow goes on without
 * an extra task. Pure: no I/O, no clock.
 */
import type { IsoTimestamp } from '../dates';
import { planNotices } from '../notices';
import { isActivePhase } from '../phases';
import type { RegionPolicy } from '../policy';
import { escalationAt, localToday, nextWakeAt } from '../schedule';
import type { Company, PhaseKey, Step } from '../types';

/**
 * A Standard execution lives at most one year: a phase that waits longer continues in a fresh execution. The
 * tail after this point (a few Lambda tasks with bounded retries) is proven < 1 day by test/workflow/bounds.
 */
export const MAX_EXECUTION_DAYS = 364;
/**
 * No single callback wait is longer than this (a wake with nothing due just waits again): a safety net, since
 * every change that matters reaches the workflow through the outbox. Long, because every re-wait costs three
 * transitions (a maintenance year has ~300 days between its opening and its first reminder). Step Functions
 * allows 99,999,999 s; the local clock arms longer-than-2^31 ms timers in pieces.
 */
export const MAX_WAIT_SECONDS = 180 * 86_400;
/** Bound on the loop iterations of one execution, so its history stays far below 25,000 events. */
export const MAX_ITERATIONS = 200;

export interface PhaseInput {
  companyId: string;
  cycle: number;
  phaseKey: PhaseKey;
}

export interface NextExecution {
  name: string;
  input: PhaseInput;
}

export type Plan =
  /** Wait for the human step (callback task) at most `waitSeconds`, then plan again. */
  | { action: 'await'; step: Step; waitSeconds: number; wakeAt: IsoTimestamp; iteration: number }
  /** The step's window is not open yet: Wait until `wakeAt`, then plan again. */
  | { action: 'sleep'; wakeAt: IsoTimestamp; iteration: number }
  /** Emails are due now (event notices, reminders): send them, then plan again. */
  | { action: 'notify'; iteration: number }
  /** The step's deadline passed: lapse or cancel, notify, end. */
  | { action: 'escalate' }
  /** The record moved to another execution (next phase, re-entry, continuation): start it and end. */
  | { action: 'advance'; next: NextExecution }
  /**
   * This execution is old (or has looped long): continue the phase in a fresh execution (the progress task
   * does it, then plans `advance`). Carries the iteration like every plan that loops through a progress task.
   */
  | { action: 'continue'; iteration: number }
  /** Nothing left to do for this execution (withdrawn, lapsed, cancelled, failed). */
  | { action: 'end'; phase: string };

export interface ExecutionContext {
  /** This execution's name. */
  name: string;
  /** When this execution started (ISO). */
  startedAt: IsoTimestamp;
  /** The loop iteration count so far (carried in the state data). */
  iteration?: number;
}

export function phaseInput(company: Company): PhaseInput {
  return { companyId: company.companyId, cycle: company.cycle, phaseKey: company.execution.phaseKey };
}

export function planNext(
  company: Company,
  policy: RegionPolicy,
  now: IsoTimestamp,
  execution: ExecutionContext,
): Plan {
  const iteration = (execution.iteration ?? 0) + 1;
  if (company.execution.name !== execution.name) {
    if (isActivePhase(company.phase)) {
      return { action: 'advance', next: { name: company.execution.name, input: phaseInput(company) } };
    }
    return { action: 'end', phase: company.phase };
  }
  const nowMs = Date.parse(now);
  const notices = planNotices(company, policy, now);
  // Emails wait while the mail service refuses them (a throttle, an outage): retried at `retryAt`.
  const mailWaitsUntil =
    company.mailDelay && Date.parse(company.mailDelay.retryAt) > nowMs ? company.mailDelay.retryAt : null;
  const notify = notices.due.length > 0 && !mailWaitsUntil;
  // The next time emails can go: held ones (one a day a person) tomorrow, refused ones at their retry.
  const mailWake = [notices.due.length > 0 ? mailWaitsUntil : null, notices.heldUntil]
    .filter((t): t is string => t !== null)
    .map((t) => Date.parse(t));
  if (!isActivePhase(company.phase)) {
    if (notify) return { action: 'notify', iteration };
    if (mailWake.length > 0) return { action: 'sleep', wakeAt: iso(Math.min(...mailWake)), iteration };
    return { action: 'end', phase: company.phase };
  }
  const deadline = company.nextDeadline;
  if (!deadline) return { action: 'end', phase: company.phase };
  const escalateAt = Date.parse(escalationAt(company, deadline));
  if (nowMs >= escalateAt) return { action: 'escalate' };
  if (notify) return { action: 'notify', iteration };
  const cap = Date.parse(execution.startedAt) + MAX_EXECUTION_DAYS * 86_400_000;
  if (nowMs >= cap || iteration > MAX_ITERATIONS) return { action: 'continue', iteration };
  const next = nextWakeAt(company, policy, now);
  const wake = Math.min(next ? Date.parse(next) : escalateAt, ...mailWake, cap);
  const wakeAt = iso(wake);
  if (deadline.opensOn > localToday(company, now)) return { action: 'sleep', wakeAt, iteration };
  const waitSeconds = Math.max(1, Math.min(MAX_WAIT_SECONDS, Math.ceil((wake - nowMs) / 1000)));
  return { action: 'await', step: deadline.step, waitSeconds, wakeAt, iteration };
}

const iso = (ms: number) => new Date(ms).toISOString();
