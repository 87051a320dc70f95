/**
 * Lifecycle task `transition`: the changes the workflow itself makes to a company — escalate a missed deadline
 * (Lapse…/Cancel… states) and record a failed task (RecordLifecycleFailure). Each is idempotent under retries.
 */
import { planNext, policies, type Command, type Plan } from '../../domain';
import { systemClock } from '../lib/clock';
import { logger } from '../lib/logger';
import { flushMetrics } from '../lib/metrics';
import { sendDueNotices } from '../lib/notify';
import { CompanyRepository } from '../lib/repositories/company';
import { changeAsExecution } from './execution-change';
import type { TaskEvent } from './types';

const repo = new CompanyRepository();

export interface TransitionEvent extends TaskEvent {
  action: 'escalate' | 'recordFailure';
  /**
   * For recordFailure: the caught error ({Error, Cause}); `unstarted` names the next execution when starting it
   * failed (the record already points at it, so the failure is recorded for it).
   */
  error?: { Error?: string; Cause?: string; unstarted?: string };
}

const COMMANDS: Record<TransitionEvent['action'], (e: TransitionEvent) => Command> = {
  escalate: () => ({ type: 'deadlinePassed' }),
  recordFailure: (e) => ({
    type: 'recordFailure',
    cause: `${e.error?.Error ?? 'Error'}: ${e.error?.Cause ?? 'unknown cause'}`,
  }),
};

/**
 * The Lambda entry point. Lambda calls it with (event, context): only the event is passed on, so the context is
 * never taken for the clock (tests call `run` with their own clock).
 */
export const handler = (event: TransitionEvent): Promise<Plan> => run(event);

/** The handler's work, at the time `clock` says. */
export async function run(event: TransitionEvent, clock = systemClock): Promise<Plan> {
  const now = clock();
  const command = COMMANDS[event.action](event);
  const actingFor = event.action === 'recordFailure' ? event.error?.unstarted : undefined;
  const stored = await changeAsExecution(
    repo,
    event.companyId,
    event.execution.name,
    command,
    now,
    actingFor,
  );
  let latest = stored;
  // The failure notice to operations: the execution ends after this task, so a refused email is not left to a
  // later wake — the error goes to this state's Retry (the failure itself is recorded and alarmed already).
  if (event.action === 'recordFailure')
    latest = (await sendDueNotices(repo, stored, now, { onRefusal: 'throw' })).stored;
  const plan = planNext(latest.company, policies.forRegion(latest.company.region), now, {
    ...event.execution,
    iteration: event.iteration ?? 0,
  });
  logger.info('transition', {
    companyId: event.companyId,
    execution: event.execution.name,
    action: event.action,
    phase: latest.company.phase,
    version: latest.version,
    plan: plan.action,
  });
  flushMetrics();
  return plan;
}
