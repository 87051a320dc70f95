/**
 * A change the workflow makes to a company, as one of its executions: only the execution that carries the
 * company's phase may change it, so a retry after success, or an execution the record has moved past, is a
 * no-op. A command that no longer applies (the company withdrew meanwhile) is a no-op too.
 */
import { decide, isDomainError, type Command, type IsoTimestamp } from '../../domain';
import type { CompanyRepository } from '../lib/repositories/company';
import type { StoredCompany } from '../lib/repositories/company-items';

export async function changeAsExecution(
  repo: CompanyRepository,
  companyId: string,
  executionName: string,
  command: Command,
  now: IsoTimestamp,
  /** Another execution this one may act for: the next one it was starting, when that start failed. */
  actingFor?: string,
): Promise<StoredCompany> {
  const { stored } = await repo.mutate(companyId, (s) => {
    const current = s.company.execution.name;
    if (current !== executionName && current !== actingFor) return null;
    try {
      return decide(s.company, command, { now, by: 'system' });
    } catch (e) {
      if (isDomainError(e)) return null;
      throw e;
    }
  });
  return stored;
}
