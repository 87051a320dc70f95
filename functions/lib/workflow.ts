/**
 * The workflow client of the API: start a company's phase execution under its deterministic name, and complete
 * the human step the workflow waits on (SendTaskSuccess with the token stored on the record). A stale token
 * (the wait timed out and a reminder loop re-issued it) is retried with the current one; if none is waiting,
 * the workflow picks the change up when it next plans (await-step compares the record).
 */
import {
  ExecutionAlreadyExists,
  InvalidToken,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { phaseInput, planNext, policies, type Company } from '../../domain';
import { sfn } from './aws';
import { config } from './env';
import { logger } from './logger';
import { openTaskToken } from './secrets';
import type { CompanyRepository } from './repositories/company';
import type { StoredCompany } from './repositories/company-items';

/** The ARN of the lifecycle state machine's execution `name`. */
export function executionArnOf(name: string): string {
  return config.stateMachineArn.replace(':stateMachine:', ':execution:') + `:${name}`;
}

export async function startPhaseExecution(company: Company): Promise<void> {
  try {
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: config.stateMachineArn,
        name: company.execution.name,
        input: JSON.stringify(phaseInput(company)),
      }),
    );
  } catch (e) {
    if (!(e instanceof ExecutionAlreadyExists)) throw e;
  }
}

const STALE = [TaskTimedOut, InvalidToken, TaskDoesNotExist];

export async function completeWaitingStep(
  repo: CompanyRepository,
  stored: StoredCompany,
  now: string,
): Promise<boolean> {
  let current = stored;
  const tried = new Set<string>();
  for (let attempt = 0; attempt < 3; attempt++) {
    const task = current.pendingTask;
    if (!task || tried.has(task.token)) return false;
    tried.add(task.token);
    const plan = planNext(current.company, policies.forRegion(current.company.region), now, {
      name: task.executionName,
      startedAt: task.executionStartedAt,
      iteration: task.iteration + 1,
    });
    try {
      const taskToken = task.sealed ? await openTaskToken(task.token, current.company.companyId) : task.token;
      await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(plan) }));
      return true;
    } catch (e) {
      if (!STALE.some((t) => e instanceof t)) throw e;
      logger.info('stale task token; retrying with the current one', {
        companyId: current.company.companyId,
      });
      const reloaded = await repo.load(current.company.companyId);
      if (!reloaded) return false;
      current = reloaded;
    }
  }
  return false;
}
