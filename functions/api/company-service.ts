/** What every company route does: load, decide, save conditionally, tell the workflow. */
import { randomBytes } from 'node:crypto';
import { companyStatus, decide, policies, type Command, type Company, type Decision } from '../../domain';
import { systemClock } from '../lib/clock';
import { CompanyRepository, KeyRepository, type StoredCompany } from '../lib/repositories';
import { logger } from '../lib/logger';
import { completeWaitingStep, startPhaseExecution } from '../lib/workflow';
import { notFound } from './errors';
import { actorOf, type Principal } from './principal';

export const repo = new CompanyRepository();
export const keys = new KeyRepository();
export const clock = { now: systemClock };

export const newId = (prefix: string) => `${prefix}${randomBytes(10).toString('hex')}`;

/** Applies a command to a company (optimistic concurrency), then tells the workflow what happened. */
export async function act(
  companyId: string,
  principal: Principal,
  command: Command | ((c: Company) => Command),
): Promise<{ stored: StoredCompany; decision: Decision | null }> {
  const now = clock.now();
  const result = await repo.mutate(companyId, (s) =>
    decide(s.company, typeof command === 'function' ? command(s.company) : command, {
      now,
      by: actorOf(principal),
    }),
  );
  const effect = result.decision?.workflow;
  let resumed: boolean | undefined;
  if (effect === 'notify') resumed = await completeWaitingStep(repo, result.stored, now);
  if (effect === 'start') await startPhaseExecution(result.stored.company);
  logger.info('company changed', {
    companyId,
    version: result.stored.version,
    phase: result.stored.company.phase,
    execution: result.stored.company.execution.name,
    effect,
    // Whether a waiting workflow step was completed (false: none waited; the workflow picks it up itself).
    resumed,
  });
  return result;
}

export async function loadCompany(companyId: string): Promise<StoredCompany> {
  const stored = await repo.load(companyId);
  if (!stored) throw notFound(`company ${companyId}`);
  return stored;
}

export const statusOf = (c: Company) => companyStatus(c, policies.forRegion(c.region), clock.now());
