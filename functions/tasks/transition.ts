/**
 * Lifecycle task `transition`: the changes the workflow itself makes to a company — escalate a missed deadline
 * (Lapse…/Cancel… states), issue the certificate (IssueCertificate), continue a long phase in a fresh execution
 * (Continue…Execution), and record a failed task (RecordLifecycleFailure). Each is idempotent under retries.
 */
import { decide, isDomainError, planNext, policies, type Command, type Plan } from '../../domain';
import { systemClock } from '../lib/clock';
import { logger } from '../lib/logger';
import { flushMetrics } from '../lib/metrics';
import { sendDueNotices } from '../lib/notify';
import { CompanyRepository } from '../lib/repository';
import type { TaskEvent } from './types';

const repo = new CompanyRepository();

export interface TransitionEvent extends TaskEvent {
  action: 'escalate' | 'issueCertificate' | 'continue' | 'recordFailure';
  /** For recordFailure: the caught error ({Error, Cause}). */
  error?: { Error?: string; Cause?: string };
}

const COMMANDS: Record<TransitionEvent['action'], (e: TransitionEvent) => Command> = {
  escalate: () => ({ type: 'deadlinePassed' }),
  issueCertificate: () => ({ type: 'beginMaintenance' }),
  continue: () => ({ type: 'continueExecution' }),
  recordFailure: (e) => ({
    type: 'recordFailure',
    cause: `${e.error?.Error ?? 'Error'}: ${e.error?.Cause ?? 'unknown cause'}`,
  }),
};

export async function handler(event: TransitionEvent, clock = systemClock): Promise<Plan> {
  const now = clock();
  const command = COMMANDS[event.action](event);
  const { stored } = await repo.mutate(event.companyId, (s) => {
    // Only the execution that carries the company's phase may change it (a retry after success is a no-op).
    if (s.company.execution.name !== event.execution.name) return null;
    try {
      return decide(s.company, command, { now, by: 'system' });
    } catch (e) {
      if (isDomainError(e)) return null; // already done, or no longer applies (e.g. the company withdrew)
      throw e;
    }
  });
  if (event.action === 'issueCertificate' && stored.company.certificate) {
    await repo.putCertificate(stored.company.companyId, stored.company.certificate);
  }
  let latest = stored;
  if (event.action === 'recordFailure') latest = (await sendDueNotices(repo, stored, now)).stored;
  const plan = planNext(latest.company, policies.forRegion(latest.company.region), now, {
    ...event.execution,
    iteration: event.iteration ?? 0,
  });
  logger.info('transition', {
    companyId: event.companyId,
    execution: event.execution.name,
    action: event.action,
    phase: latest.company.phase,
    plan: plan.action,
  });
  flushMetrics();
  return plan;
}
