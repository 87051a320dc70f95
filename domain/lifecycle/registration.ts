/** Registration (eligibility, the new record) and the trainee's designation (REGISTERED → TRAINING). */
import { localDateOf, timeZoneOf } from '../time';
import { DomainError } from '../errors';
import { executionName } from '../phases';
import type { PolicyRegistry } from '../policy';
import { trainingDeadline } from '../schedule';
import type { Command, Company, Decision, HistoryEvent } from '../types';
import { type Change, type DecideContext, lapsedAt, wrongPhase } from './change';
import { currentAttempts } from './training';

/** Trainee changes allowed in a lifecycle (bounds the record's history; operations can reset it). */
export const MAX_TRAINEE_DESIGNATIONS = 20;

export function register(
  command: Extract<Command, { type: 'register' }>,
  ctx: DecideContext,
  registry: PolicyRegistry,
): Decision {
  const policy = registry.forRegion(command.region);
  if (!Number.isInteger(command.employeeCount) || command.employeeCount < 1) {
    throw new DomainError('NOT_ELIGIBLE', 'employeeCount must be a whole number of at least 1');
  }
  if (command.employeeCount > policy.maxEmployees) {
    throw new DomainError(
      'NOT_ELIGIBLE',
      `SECOR in ${command.region} (${policy.name}) is for employers with at most ${policy.maxEmployees} employees ` +
        `at any time in the past 12 months, counting owners, family, part-time and temporary staff and volunteers; ` +
        `with ${command.employeeCount} employees, pursue a full COR with your certifying partner instead.`,
    );
  }
  const today = localDateOf(ctx.now, timeZoneOf(command.region));
  const company: Company = {
    companyId: command.companyId,
    legalName: command.legalName,
    region: command.region,
    policyId: policy.id,
    employeeCount: command.employeeCount,
    industry: command.industry ?? null,
    contact: command.contact,
    phase: 'REGISTERED',
    cycle: 1,
    maintenanceYear: null,
    registeredAt: ctx.now,
    phaseEnteredAt: ctx.now,
    trainee: null,
    training: {
      attemptCycle: 1,
      enrolled: false,
      attempts: [],
      enrolledOn: null,
      refresher: false,
      passedOn: null,
      expiresOn: null,
    },
    program: null,
    audits: [],
    certificate: null,
    pastCertificates: [],
    correctiveActions: [],
    nextDeadline: trainingDeadline(policy, 'DESIGNATE_TRAINEE', today, today),
    deadlineAnnouncedOn: today,
    lapsed: null,
    failure: null,
    withdrawal: null,
    execution: { phaseKey: 'REGISTRATION', name: executionName(command.companyId, 1, 'REGISTRATION') },
    remindersSent: [],
    history: [],
  };
  const event: HistoryEvent = {
    at: ctx.now,
    type: 'REGISTERED',
    by: ctx.by,
    details: { region: command.region, policy: policy.id, employeeCount: command.employeeCount },
  };
  company.history.push(event);
  return { company, events: [event], workflow: 'start' };
}

export function designateTrainee(ch: Change, trainee: { name: string; email: string }): Decision {
  const c = ch.company;
  if (c.phase === 'REGISTERED' || lapsedAt(c, 'REGISTERED')) {
    const reentry = c.phase === 'LAPSED';
    const base = reentry ? ch.today : localDateOf(c.registeredAt, timeZoneOf(c.region));
    c.trainee = { name: trainee.name, email: trainee.email };
    c.training.enrolled = true;
    c.training.enrolledOn = ch.today;
    designated(c);
    ch.emit('TRAINEE_DESIGNATED', { name: trainee.name });
    if (reentry) ch.emit('REENTERED', { step: 'DESIGNATE_TRAINEE' });
    ch.enter('TRAINING', { rerun: reentry });
    c.nextDeadline = trainingDeadline(ch.policy, 'TRAINING_EXAM', base, ch.today);
    return ch.done(reentry ? 'start' : 'notify');
  }
  if (c.phase === 'TRAINING') {
    if (c.trainee?.name === trainee.name && c.trainee.email === trainee.email) return ch.done(null); // no change
    const designations = designationsOf(c);
    if (designations >= MAX_TRAINEE_DESIGNATIONS) {
      throw new DomainError(
        'NOT_ELIGIBLE',
        `the trainee has been changed ${designations} times; contact operations to change it again`,
      );
    }
    // A different person takes the course: their attempts start afresh in a new attempt cycle.
    const changed = c.trainee?.name !== trainee.name;
    c.trainee = { name: trainee.name, email: trainee.email };
    if (changed && currentAttempts(c).length > 0) {
      c.training.attemptCycle += 1;
      c.training.enrolled = true;
      c.training.enrolledOn = ch.today;
    }
    designated(c);
    ch.emit('TRAINEE_DESIGNATED', { name: trainee.name, replaced: changed });
    return ch.done(null);
  }
  throw wrongPhase(
    c,
    'the trainee can be designated before the training is passed (phases REGISTERED and TRAINING)',
  );
}

/** Designations so far: the record's counter, or (a record from before it) the history's count. */
function designationsOf(c: Company): number {
  return c.traineeDesignations ?? c.history.filter((e) => e.type === 'TRAINEE_DESIGNATED').length;
}

/** Counts one more designation (before its event is appended). */
function designated(c: Company): void {
  c.traineeDesignations = designationsOf(c) + 1;
}
