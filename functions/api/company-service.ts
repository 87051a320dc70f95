/**
 * What every company route does: load, decide, save conditionally. Telling the workflow is not done here: the
 * save writes the outbox signal with the change (one conditional write), and the signalling function delivers
 * it after the commit (functions/tasks/signal.ts). So a committed change answers 2xx whatever Step Functions
 * does, and a retry of the request (Idempotency-Key) replays it instead of acting twice.
 */
import { randomBytes } from 'node:crypto';
import { companyStatus, decide, policies, type Command, type Company, type Decision } from '../../domain';
import { systemClock } from '../lib/clock';
import { CompanyRepository, KeyRepository, type StoredCompany } from '../lib/repositories';
import { logger } from '../lib/logger';
import { notFound } from './errors';
import { actorOf, authorizeRegion, type Principal } from './principal';

export const repo = new CompanyRepository();
export const keys = new KeyRepository();
export const clock = { now: systemClock };

export const newId = (prefix: string) => `${prefix}${randomBytes(10).toString('hex')}`;

/** Applies a command to a company (optimistic concurrency); the workflow is told from the outbox. */
export async function act(
  companyId: string,
  principal: Principal,
  command: Command | ((c: Company) => Command),
): Promise<{ stored: StoredCompany; decision: Decision | null }> {
  const now = clock.now();
  const result = await repo.mutate(
    companyId,
    (s) => {
      authorizeRegion(principal, s.company.region);
      return decide(s.company, typeof command === 'function' ? command(s.company) : command, {
        now,
        by: actorOf(principal),
      });
    },
    5,
    { now: () => now },
  );
  logger.info('company changed', {
    companyId,
    version: result.stored.version,
    phase: result.stored.company.phase,
    execution: result.stored.company.execution.name,
    // What the workflow will be told, from the outbox (null: nothing).
    signal: result.stored.signal?.kind ?? null,
  });
  return result;
}

export async function loadCompany(companyId: string): Promise<StoredCompany> {
  const stored = await repo.load(companyId);
  if (!stored) throw notFound(`company ${companyId}`);
  return stored;
}

export const statusOf = (c: Company) => companyStatus(c, policies.forRegion(c.region), clock.now());
