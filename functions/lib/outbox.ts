/**
 * Delivering the outbox: tells the workflow what a committed change owes it (the company item's `signal`), then
 * clears the signal. Called by the signalling function (the table's stream, in AWS; the local runtime feeds it
 * the same records) and by the reconciler for signals left pending. Safe to repeat and to race: starting an
 * execution is idempotent under its deterministic name, a notify re-plans from the current record, and only the
 * signal delivered is cleared (a newer one stays for its own delivery).
 */
import { isActivePhase } from '../../domain';
import { completeWaitingStep, startPhaseExecution } from './workflow';
import type { CompanyRepository } from './repositories/company';

export type Delivery =
  /** Told the workflow, and cleared the signal. */
  | 'delivered'
  /** Nothing to do: the signal was delivered already, or a newer change replaced it. */
  | 'superseded';

/** Delivers the company's pending signal `signalId`, if it is still the pending one. Throws to be retried. */
export async function deliverSignal(
  repo: CompanyRepository,
  companyId: string,
  signalId: string,
  now: string,
): Promise<Delivery> {
  const stored = await repo.load(companyId);
  const signal = stored?.signal;
  if (!stored || !signal || signal.id !== signalId) return 'superseded';
  // A signal for an execution the record has moved on from is owed to the current one: the change it carries
  // is in the record, which the current execution plans from.
  // (A company whose certification ended meanwhile gets no new execution; a waiting one is still notified.)
  const moved = signal.execution !== stored.company.execution.name;
  if ((signal.kind === 'start' || moved) && isActivePhase(stored.company.phase)) {
    await startPhaseExecution(stored.company);
  }
  if (signal.kind === 'notify') await completeWaitingStep(repo, stored, now);
  await repo.clearSignal(companyId, signalId);
  return 'delivered';
}
