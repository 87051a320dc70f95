/**
 * Lifecycle task `progress` (states Start<Phase>, Check<Phase>Progress): sends the emails the record calls for
 * (event notices, due reminders) and returns the plan the state machine routes on.
 */
import { planNext, policies, type Plan } from '../../domain';
import { systemClock } from '../lib/clock';
import { logger } from '../lib/logger';
import { flushMetrics } from '../lib/metrics';
import { sendDueNotices } from '../lib/notify';
import { CompanyRepository, NotFoundError } from '../lib/repository';
import type { TaskEvent } from './types';

const repo = new CompanyRepository();

export async function handler(event: TaskEvent, clock = systemClock): Promise<Plan> {
  const now = clock();
  const stored = await repo.load(event.companyId);
  if (!stored) throw new NotFoundError(`company ${event.companyId} not found`);
  const { stored: latest, sent } = await sendDueNotices(repo, stored, now);
  const execution = { ...event.execution, iteration: event.iteration ?? 0 };
  const plan = planNext(latest.company, policies.forRegion(latest.company.region), now, execution);
  logger.info('progress', {
    companyId: event.companyId,
    execution: event.execution.name,
    emailsSent: sent,
    plan: plan.action,
  });
  flushMetrics();
  return plan;
}
