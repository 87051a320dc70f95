/**
 * A decision's working copy of the record (`Change`), and the guards every command handler shares.
 */
import type { IsoDate, IsoTimestamp } from '../dates';
import { DomainError } from '../errors';
import { boundHistory, eventCount } from '../history';
import { executionName, type ExecutionPhase, phaseKeyOf } from '../phases';
import type { RegionPolicy } from '../policy';
import { localDateOf, timeZoneOf } from '../time';
import type { ActivePhase, Actor, Company, Decision, HistoryEvent, WorkflowEffect } from '../types';

export interface DecideContext {
  now: IsoTimestamp;
  by: Actor;
}

/** A record under construction: the decision's working copy plus the events it appends. */
export class Change {
  readonly company: Company;
  readonly events: HistoryEvent[] = [];
  /** The local date of `now` in the company's province: every date the decision records is one. */
  readonly today: IsoDate;
  private readonly deadlineBefore: string;

  constructor(
    current: Company,
    readonly ctx: DecideContext,
    readonly policy: RegionPolicy,
  ) {
    this.company = structuredClone(current);
    this.today = localDateOf(ctx.now, timeZoneOf(current.region));
    this.deadlineBefore = deadlineId(current.nextDeadline);
  }

  emit(type: string, details?: Record<string, unknown>): void {
    const event: HistoryEvent = { at: this.ctx.now, type, by: this.ctx.by, ...(details ? { details } : {}) };
    this.events.push(event);
    this.company.history.push(event);
  }

  /** Passes through CERTIFIED (an event in the history); the decision goes on into the next phase at once. */
  certified(): void {
    const from = this.company.phase;
    this.company.phase = 'CERTIFIED';
    this.emit('PHASE_ENTERED', { from, phase: 'CERTIFIED' });
  }

  /** Moves to a new active phase; the phase's execution is the first of its name unless `rerun`. */
  enter(phase: ExecutionPhase, options: { maintenanceYear?: 2 | 3; rerun?: boolean } = {}): void {
    const from = this.company.phase;
    const c = this.company;
    c.phase = phase;
    c.maintenanceYear = phase === 'MAINTENANCE' ? (options.maintenanceYear ?? 2) : null;
    c.phaseEnteredAt = this.ctx.now;
    c.lapsed = null;
    c.failure = null;
    const key = phaseKeyOf(phase, c.maintenanceYear);
    c.execution = {
      phaseKey: key,
      name: executionName(c.companyId, c.cycle, key, options.rerun ? eventCount(c) + 1 : undefined),
    };
    this.emit('PHASE_ENTERED', {
      from,
      phase,
      ...(c.maintenanceYear ? { maintenanceYear: c.maintenanceYear } : {}),
    });
  }

  /** The decision: the record (its history kept within bounds), the events appended, the workflow effect. */
  done(workflow: WorkflowEffect): Decision {
    // A new deadline is announced today: its reminders fall after today (schedule.ts).
    if (deadlineId(this.company.nextDeadline) !== this.deadlineBefore) {
      if (this.company.nextDeadline) this.company.deadlineAnnouncedOn = this.today;
      else delete this.company.deadlineAnnouncedOn;
    }
    boundHistory(this.company);
    return { company: this.company, events: this.events, workflow };
  }
}

function deadlineId(d: Company['nextDeadline']): string {
  return d ? `${d.step}|${d.maintenanceYear ?? ''}|${d.opensOn}|${d.dueOn}` : '';
}

/** True when the company lapsed at `phase` (and may re-enter there). */
export function lapsedAt(c: Company, phase: ActivePhase): boolean {
  return c.phase === 'LAPSED' && c.lapsed?.phase === phase;
}

/** WRONG_PHASE: what the command needs, and where the company is. */
export function wrongPhase(c: Company, wanted: string): DomainError {
  const where =
    c.phase === 'LAPSED' && c.lapsed
      ? `LAPSED (the ${c.lapsed.step} deadline of ${c.lapsed.dueOn} passed; re-enter at that step)`
      : c.phase === 'MAINTENANCE'
        ? `MAINTENANCE (year ${c.maintenanceYear})`
        : c.phase;
  return new DomainError('WRONG_PHASE', `${wanted}; the company is in phase ${where}`);
}
