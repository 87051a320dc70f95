/**
 * Lifecycle task `progress` (states StartPhase, Check<Phase>Progress): sends the emails the record calls for
 * (event notices, due reminders), moves an execution that has grown old (near a Standard workflow's one-year
 * limit, or looped long) to a fresh one, and returns the plan the state machine routes on.
 */
import { planNext, policies, type Plan } from '../../domain';
import { systemClock } from '../lib/clock';
import { logger } from '../lib/logger';
import { flushMetrics } from '../lib/metrics';
import { sendDueNotices } from '../lib/notify';
import { CompanyRepository } from '../lib/repositories/company';
import { NotFoundError } from '../lib/repositories/errors';
import { changeAsExecution } from './execution-change';
import type { TaskEvent } from './types';

const repo = new CompanyRepository();

/**
 * The Lambda entry point. Lambda calls it with (event, context): only the event is passed on, so the context is
 * never taken for the clock (tests call `run` with their own clock).
 */
export const handler = (event: TaskEvent): Promise<Plan> => run(event);

/** The handler's work, at the time `clock` says. */
export async function run(event: TaskEvent, clock = systemClock): Promise<Plan> {
  const now = clock();
  const stored = await repo.load(event.companyId);
  if (!stored) throw new NotFoundError(`company ${event.companyId} not found`);
  // The execution's first state: the company records that it started (its own list of executions).
  if (!event.iteration) {
    await repo.recordExecutionStart(event.companyId, event.execution.name, event.execution.startedAt);
  }
  const notified = await sendDueNotices(repo, stored, now);
  let latest = notified.stored;
  const execution = { ...event.execution, iteration: event.iteration ?? 0 };
  const policy = policies.forRegion(latest.company.region);
  let plan = planNext(latest.company, policy, now, execution);
  if (plan.action === 'continue') {
    // Continue-as-new: the record names the fresh execution; the plan is then `advance` to it.
    latest = await changeAsExecution(
      repo,
      event.companyId,
      event.execution.name,
      { type: 'continueExecution' },
      now,
    );
    plan = planNext(latest.company, policy, now, execution);
  }
  logger.info('progress', {
    companyId: event.companyId,
    execution: event.execution.name,
    emailsSent: notified.sent,
    version: latest.version,
    plan: plan.action,
  });
  flushMetrics();
  return plan;
}
