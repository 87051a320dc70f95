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
import type { Command, Company, Decision } from '../types';
import {
  continueExecution,
  recordEmailFeedback,
  recordFailure,
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
    case 'recordEmailFeedback':
      return recordEmailFeedback(change, command);
    case 'redrive':
      return redrive(change);
    case 'continueExecution':
      return continueExecution(change);
  }
}
