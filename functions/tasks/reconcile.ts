/**
 * The reconciler (EventBridge Scheduler in AWS; the local runtime runs it on its virtual clock): repairs what
 * the outbox and the workflow's own chaining could leave undone, and counts each repair (metric
 * `ReconcilerRepairs`, alarmed past a threshold — in a healthy system it stays at zero).
 *
 * - `signals` (every few minutes): every outbox signal pending longer than SIGNAL_STALE_MS is delivered
 *   (functions/lib/outbox.ts) — e.g. a sign-up whose StartExecution was throttled, and whose stream retries ran
 *   out. Reads only the sparse byPendingSignal index: its cost is what is pending.
 * - `executions` (daily): every company in an active phase must have its execution running. One that does not
 *   exist is started under its name; one that has closed while the record still names it (stopped by hand, or a
 *   chain broken between two executions) continues in a fresh execution. Companies changed in the last
 *   QUIET_MS are skipped: the workflow may be handing over to the next execution right then.
 */
import { DescribeExecutionCommand, ExecutionDoesNotExist } from '@aws-sdk/client-sfn';
import { ACTIVE_PHASES, decide, isActivePhase } from '../../domain';
import { sfn } from '../lib/aws';
import { systemClock } from '../lib/clock';
import { logger } from '../lib/logger';
import { countRepair, flushMetrics } from '../lib/metrics';
import { deliverSignal } from '../lib/outbox';
import { CompanyRepository } from '../lib/repositories/company';
import { IndexRepository } from '../lib/repositories/index-repository';
import { executionArnOf, startPhaseExecution } from '../lib/workflow';

const repo = new CompanyRepository();
const index = new IndexRepository();

/** A signal pending this long was not delivered by the stream (its delivery takes well under a second). */
export const SIGNAL_STALE_MS = 5 * 60_000;
/** A company changed this recently may be between two executions: not judged by the executions sweep. */
export const QUIET_MS = 15 * 60_000;
/** Companies checked at once by the executions sweep (DescribeExecution calls in flight). */
const CONCURRENCY = 10;

export interface ReconcileEvent {
  sweep: 'signals' | 'executions';
}

export interface ReconcileResult {
  sweep: ReconcileEvent['sweep'];
  checked: number;
  repaired: number;
  /** Repairs that failed (retried at the next run). */
  failed: number;
}

async function sweepSignals(now: string): Promise<ReconcileResult> {
  const before = new Date(Date.parse(now) - SIGNAL_STALE_MS).toISOString();
  const result: ReconcileResult = { sweep: 'signals', checked: 0, repaired: 0, failed: 0 };
  // Oldest first, in pages; each delivered signal leaves the index, so the next page starts where this one ended.
  const attempted = new Set<string>();
  for (;;) {
    const pending = (await repo.pendingSignals(before, 100)).filter((p) => !attempted.has(p.signal.id));
    for (const p of pending) {
      attempted.add(p.signal.id);
      result.checked += 1;
      try {
        if ((await deliverSignal(repo, p.companyId, p.signal.id, now)) === 'delivered') result.repaired += 1;
      } catch (e) {
        result.failed += 1;
        logger.warn('pending signal not delivered', { companyId: p.companyId, error: (e as Error).name });
      }
    }
    if (pending.length === 0 || result.failed > 0) break;
  }
  countRepair('pendingSignal', result.repaired);
  return result;
}

/** Whether the company's current execution needs a repair, and repairs it. */
async function checkExecution(companyId: string, now: string): Promise<boolean> {
  const stored = await repo.load(companyId);
  if (!stored || !isActivePhase(stored.company.phase) || stored.signal) return false; // the outbox owns it
  const last = stored.company.history.at(-1)?.at;
  if (last && Date.parse(now) - Date.parse(last) < QUIET_MS) return false;
  const name = stored.company.execution.name;
  let status: string | undefined;
  try {
    status = (await sfn.send(new DescribeExecutionCommand({ executionArn: executionArnOf(name) }))).status;
  } catch (e) {
    if (!(e instanceof ExecutionDoesNotExist)) throw e;
  }
  if (status === 'RUNNING' || status === 'PENDING_REDRIVE') return false;
  if (status === undefined) {
    await startPhaseExecution(stored.company);
  } else {
    // Closed while the record still names it: continue the phase in a fresh execution.
    const { stored: next } = await repo.mutate(companyId, (s) =>
      s.company.execution.name === name
        ? decide(s.company, { type: 'continueExecution' }, { now, by: 'system' })
        : null,
    );
    if (next.company.execution.name === name) return false;
    await startPhaseExecution(next.company);
  }
  logger.warn('execution repaired', { companyId, execution: name, status: status ?? 'DOES_NOT_EXIST' });
  return true;
}

async function sweepExecutions(now: string): Promise<ReconcileResult> {
  const result: ReconcileResult = { sweep: 'executions', checked: 0, repaired: 0, failed: 0 };
  for (const phase of ACTIVE_PHASES) {
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await index.byPhase(phase, { limit: 100, ...(cursor ? { cursor } : {}) });
      cursor = page.cursor;
      for (let i = 0; i < page.items.length; i += CONCURRENCY) {
        const batch = page.items.slice(i, i + CONCURRENCY);
        const outcomes = await Promise.allSettled(batch.map((c) => checkExecution(c.companyId, now)));
        for (const [j, o] of outcomes.entries()) {
          result.checked += 1;
          if (o.status === 'fulfilled') result.repaired += o.value ? 1 : 0;
          else {
            result.failed += 1;
            logger.warn('execution not checked', {
              companyId: batch[j]?.companyId,
              error: (o.reason as Error | undefined)?.name,
            });
          }
        }
      }
    } while (cursor);
  }
  countRepair('missingExecution', result.repaired);
  return result;
}

/**
 * The Lambda entry point. Lambda calls it with (event, context): only the event is passed on, so the context is
 * never taken for the clock (tests call `run` with their own clock).
 */
export const handler = (event: ReconcileEvent): Promise<ReconcileResult> => run(event);

/** The handler's work, at the time `clock` says. */
export async function run(event: ReconcileEvent, clock = systemClock): Promise<ReconcileResult> {
  const now = clock();
  const result = event.sweep === 'executions' ? await sweepExecutions(now) : await sweepSignals(now);
  logger.info('reconciled', { ...result });
  flushMetrics();
  return result;
}
