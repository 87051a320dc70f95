/**
 * Lifecycle task `await` (states Await<Step>, `.waitForTaskToken`): parks the execution on the company's open
 * human step by storing the task token on the record (conditional on the version it planned from). If the
 * record has moved on meanwhile (the step was completed while no task was waiting), it completes the task
 * itself with the new plan, so no API success is ever lost.
 */
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { planNext, policies } from '../../domain';
import { sfn } from '../lib/aws';
import { systemClock } from '../lib/clock';
import { logger } from '../lib/logger';
import { sealTaskToken } from '../lib/secrets';
import { CompanyRepository } from '../lib/repositories/company';
import { NotFoundError } from '../lib/repositories/errors';
import type { TaskEvent } from './types';

const repo = new CompanyRepository();

export interface AwaitEvent extends TaskEvent {
  taskToken: string;
}

/**
 * The Lambda entry point. Lambda calls it with (event, context): only the event is passed on, so the context is
 * never taken for the clock (tests call `run` with their own clock).
 */
export const handler = (event: AwaitEvent): Promise<void> => run(event);

/** The handler's work, at the time `clock` says. */
export async function run(event: AwaitEvent, clock = systemClock): Promise<void> {
  // The token completes the step: it is stored sealed (KMS), never in plaintext.
  let sealed: string | undefined;
  for (let attempt = 1; attempt <= 5; attempt++) {
    const now = clock();
    const stored = await repo.load(event.companyId);
    if (!stored) throw new NotFoundError(`company ${event.companyId} not found`);
    const execution = { ...event.execution, iteration: event.iteration ?? 0 };
    const plan = planNext(stored.company, policies.forRegion(stored.company.region), now, execution);
    if (plan.action !== 'await') {
      await sfn.send(
        new SendTaskSuccessCommand({ taskToken: event.taskToken, output: JSON.stringify(plan) }),
      );
      logger.info('await completed at once', {
        companyId: event.companyId,
        execution: event.execution.name,
        version: stored.version,
        plan: plan.action,
      });
      return;
    }
    sealed ??= await sealTaskToken(event.taskToken, event.companyId);
    const stored_ = await repo.storeTaskToken(event.companyId, stored.version, {
      token: sealed,
      sealed: true,
      executionName: event.execution.name,
      executionStartedAt: event.execution.startedAt,
      iteration: event.iteration ?? 0,
      storedAt: now,
    });
    if (stored_) {
      logger.info('awaiting step', {
        companyId: event.companyId,
        execution: event.execution.name,
        step: plan.step,
        version: stored.version,
        waitSeconds: plan.waitSeconds,
      });
      return;
    }
  }
  throw new Error(`company ${event.companyId} kept changing while storing the task token`);
}
