/**
 * The company item (`COMPANY#<id>` / `PROFILE`) and the legal-name claim: their keys, the index attributes the
 * GSIs read, and the stored shape the repository returns.
 */
import { createHash } from 'node:crypto';
import type { Company } from '../../../domain';

export interface PendingTask {
  /** The task token: sealed with KMS when `sealed` (records from before sealing hold it as it came). */
  token: string;
  sealed?: boolean;
  executionName: string;
  executionStartedAt: string;
  iteration: number;
  storedAt: string;
}

/**
 * The outbox entry on the company item: what the workflow must still be told about the last committed change.
 * Written in the same conditional write as the change (one item: no transaction needed), cleared by whoever
 * delivers it (the signalling function, fed by the table's stream; or the reconciler).
 */
export interface Signal {
  /** Unique per write: a delivery clears only the signal it delivered. */
  id: string;
  /** `start` the company's execution, or `notify` the step waiting on the company. */
  kind: 'start' | 'notify';
  /** The execution it is for (the record's current execution when written). */
  execution: string;
  /** When it was written (ISO). */
  at: string;
}

/** The value of `gsiSignal` on every item with a pending signal (the sparse byPendingSignal index). */
export const SIGNAL_PENDING = 'PENDING';

export interface StoredCompany {
  company: Company;
  version: number;
  pendingTask: PendingTask | null;
  /** The workflow signal not yet delivered, if any. */
  signal?: Signal | null;
  /** Names of every execution the company has had, oldest first. */
  executions?: string[];
}

/** A name claim older than this whose company item was never written is abandoned (a crashed sign-up). */
export const CLAIM_TAKEOVER_MS = 60_000;

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** The claim on a legal name in a region, hashed: a long name must never make a key DynamoDB refuses. */
export const legalNameKey = (region: string, legalName: string) =>
  `LEGALNAME#${region}#${sha256(normaliseLegalName(legalName))}`;

export const companyKey = (companyId: string) => ({ PK: `COMPANY#${companyId}`, SK: 'PROFILE' });

/** Normalised legal name for the uniqueness check: case, accents, punctuation and spacing do not matter. */
export function normaliseLegalName(legalName: string): string {
  return legalName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export function indexAttributes(c: Company) {
  return {
    companyId: c.companyId,
    legalName: c.legalName,
    region: c.region,
    phase: c.phase,
    maintenanceYear: c.maintenanceYear ?? undefined,
    nextStep: c.nextDeadline?.step,
    nextDueOn: c.nextDeadline?.dueOn,
    gsiPhase: c.phase,
    gsiDue: `${c.nextDeadline?.dueOn ?? '9999-12-31'}#${c.companyId}`,
    // Projected into byPhase for the ops list; removed once cleared (null), untouched on records without it.
    ...(c.emailIssue !== undefined ? { emailIssue: c.emailIssue ?? undefined } : {}),
  };
}

/**
 * The signal to leave pending after a change whose effect is `effect`, given the one still pending (if any). A
 * pending start is kept under a later notify (for the record's current execution): starting plans from the
 * current record, so it covers the notify. Otherwise the newer signal replaces the older (a notify re-plans from the current record; a
 * start names the current execution).
 */
export function nextSignal(
  pending: Signal | null | undefined,
  effect: 'start' | 'notify' | null,
  execution: string,
  at: string,
  id: string,
): Signal | null {
  if (!effect) return pending ?? null;
  // A start still pending is kept under a notify: it starts the record's current execution, which plans from
  // the current record — also when the change moved the company on to another execution (designating the
  // trainee moves REGISTRATION to TRAINING): the one never started is skipped, the current one starts.
  if (effect === 'notify' && pending?.kind === 'start') return { ...pending, id, execution };
  return { id, kind: effect, execution, at };
}

/** The item attributes of a pending signal (the outbox index keys with it). */
export function signalAttributes(signal: Signal, companyId: string) {
  return { signal, gsiSignal: SIGNAL_PENDING, gsiSignalAt: `${signal.at}#${companyId}` };
}

export function fromItem(item: Record<string, unknown> | undefined): StoredCompany | null {
  if (!item) return null;
  return {
    company: item.record as Company,
    version: item.version as number,
    pendingTask: (item.pendingTask as PendingTask | undefined) ?? null,
    signal: (item.signal as Signal | undefined) ?? null,
    executions: (item.executions as string[] | undefined) ?? [],
  };
}
