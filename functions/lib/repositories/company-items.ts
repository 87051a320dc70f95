/**
 * The company item (`COMPANY#<id>` / `PROFILE`) and the legal-name claim: their keys, the index attributes the
 * GSIs read, and the stored shape the repository returns.
 */
import { createHash } from 'node:crypto';
import type { Company } from '../../../domain';

export interface PendingTask {
  token: string;
  executionName: string;
  executionStartedAt: string;
  iteration: number;
  storedAt: string;
}

export interface StoredCompany {
  company: Company;
  version: number;
  pendingTask: PendingTask | null;
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

export function fromItem(item: Record<string, unknown> | undefined): StoredCompany | null {
  if (!item) return null;
  return {
    company: item.record as Company,
    version: item.version as number,
    pendingTask: (item.pendingTask as PendingTask | undefined) ?? null,
    executions: (item.executions as string[] | undefined) ?? [],
  };
}
