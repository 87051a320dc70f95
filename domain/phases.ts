/**
 * Which phases are active (the company works towards, or holds, a certificate and a workflow execution runs),
 * and how a phase names its execution. The one list every rule about active phases reads.
 */
import { ENDED_PHASES, PHASES, type ActivePhase, type Phase, type PhaseKey } from './types';

export const ACTIVE_PHASES: readonly ActivePhase[] = PHASES.filter(
  (p): p is ActivePhase => !(ENDED_PHASES as readonly Phase[]).includes(p),
);

export function isActivePhase(phase: Phase): phase is ActivePhase {
  return (ACTIVE_PHASES as readonly Phase[]).includes(phase);
}

/** The phases an execution carries (CERTIFIED is passed through within the decision that issues a certificate). */
export type ExecutionPhase = Exclude<ActivePhase, 'CERTIFIED'>;

export function phaseKeyOf(phase: ExecutionPhase, maintenanceYear: 2 | 3 | null): PhaseKey {
  switch (phase) {
    case 'REGISTERED':
      return 'REGISTRATION';
    case 'MAINTENANCE':
      return maintenanceYear === 3 ? 'MAINTENANCE3' : 'MAINTENANCE2';
    default:
      return phase;
  }
}

/** `<companyId>-c<cycle>-<phaseKey>`, with `-r<n>` for a re-run of a phase (re-entry, redrive, continuation). */
export function executionName(companyId: string, cycle: number, phaseKey: PhaseKey, rerun?: number): string {
  return `${companyId}-c${cycle}-${phaseKey}${rerun ? `-r${rerun}` : ''}`;
}
