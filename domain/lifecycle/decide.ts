/**
 * The company lifecycle as a pure state machine:
 *   decide(current record | null, command, { now, by }) → { new record, events to append, workflow effect }
 * or a DomainError (NOT_ELIGIBLE, WRONG_PHASE, ATTEMPTS_EXHAUSTED, TOO_EARLY, CONFLICT) whose message names the
 * rule and what to do. No I/O and no clock: `now` is an argument. Each command has its handler in this folder
 * (or, for the workflow's bookkeeping, in ../workflow); this module only dispatches.
 */
import { DomainError } from '../errors';
import { policies as defaultRegistry } from '../policies';
import type { PolicyRegistry } from '../policy';
import type { IsoTimestamp } from '../dates';
import { isActivePhase } from '../phases';
import { isPastDue, zoneOf } from '../schedule';
import { localDateOf } from '../time';
import type { Command, Company, Decision, Step } from '../types';
import {
  continueExecution,
  recordEmailFeedback,
  recordFailure,
  recordMailDelay,
  recordNotifications,
  recordReminder,
  redrive,
} from '../workflow/bookkeeping';
import { recordAudit } from './audits';
import { Change, type DecideContext } from './change';
import { deadlinePassed, withdraw } from './exits';
import { submitProgram } from './program';
import { designateTrainee, register } from './registration';
import { recordExamAttempt, reEnrol } from './training';

export type { DecideContext } from './change';

/** Decide a command against a company's current record. `current` is null only for `register`. */
export function decide(
  current: Company | null,
  command: Command,
  ctx: DecideContext,
  registry: PolicyRegistry = defaultRegistry,
): Decision {
  if (command.type === 'register') {
    if (current) throw new DomainError('CONFLICT', `company ${current.companyId} is already registered`);
    return register(command, ctx, registry);
  }
  if (!current) throw new DomainError('CONFLICT', `no company record to apply "${command.type}" to`);
  const change = new Change(current, ctx, registry.forRegion(current.region));
  refuseLateCompletion(current, command, ctx.now);
  switch (command.type) {
    case 'designateTrainee':
      return designateTrainee(change, command.trainee);
    case 'reEnrol':
      return reEnrol(change);
    case 'recordExamAttempt':
      return recordExamAttempt(change, command.score, command.takenAt ?? ctx.now);
    case 'submitProgram':
      return submitProgram(change, command);
    case 'recordAudit':
      return recordAudit(change, command);
    case 'withdraw':
      return withdraw(change, command.reason ?? null);
    case 'deadlinePassed':
      return deadlinePassed(change);
    case 'recordReminder':
      return recordReminder(change, command.key);
    case 'recordNotifications':
      return recordNotifications(change, command);
    case 'recordFailure':
      return recordFailure(change, command.cause);
    case 'recordMailDelay':
      return recordMailDelay(change, command.error, command.emailed);
    case 'recordEmailFeedback':
      return recordEmailFeedback(change, command);
    case 'redrive':
      return redrive(change);
    case 'continueExecution':
      return continueExecution(change);
  }
}

/** The step each command completes (when it is the open one). */
const COMPLETES: Partial<Record<Command['type'], Step[]>> = {
  designateTrainee: ['DESIGNATE_TRAINEE'],
  recordExamAttempt: ['TRAINING_EXAM'],
  submitProgram: ['PROGRAM_SUBMISSION'],
  recordAudit: ['CERTIFICATION_AUDIT', 'MAINTENANCE_AUDIT', 'RECERTIFICATION_AUDIT'],
};

/**
 * A deadline ends at the end of its due day in the company's province. A step done after that is refused, even
 * before the workflow escalates (at the company's wake the next day): an exam taken or an audit completed by
 * then counts, whenever it is recorded.
 */
function refuseLateCompletion(c: Company, command: Command, now: IsoTimestamp): void {
  const deadline = c.nextDeadline;
  if (!deadline || !isActivePhase(c.phase) || !COMPLETES[command.type]?.includes(deadline.step)) return;
  const zone = zoneOf(c);
  const doneOn =
    command.type === 'recordAudit'
      ? command.completedOn
      : localDateOf(command.type === 'recordExamAttempt' ? (command.takenAt ?? now) : now, zone);
  if (doneOn <= deadline.dueOn || !isPastDue(deadline, now, zone)) return;
  const outcome =
    c.phase === 'MAINTENANCE'
      ? 'the certificate is being cancelled'
      : 'the company is being marked LAPSED and can then re-enter at this step';
  throw new DomainError(
    'WRONG_PHASE',
    `the ${deadline.step} deadline was ${deadline.dueOn} (the end of that day, ${zone} time) and has passed: ${outcome}`,
  );
}
