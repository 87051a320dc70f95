/** The health & safety program: submitted in IMPLEMENTATION (or on re-entry), updated before the audit. */
import { addMonths } from '../dates';
import { DomainError } from '../errors';
import { describeElements, resolveElement } from '../policy';
import { certificationAuditDeadline } from '../schedule';
import type { Command, Decision } from '../types';
import { type Change, lapsedAt, wrongPhase } from './change';

export function submitProgram(ch: Change, command: Extract<Command, { type: 'submitProgram' }>): Decision {
  const c = ch.company;
  const p = ch.policy;
  const reentry = lapsedAt(c, 'IMPLEMENTATION');
  const resubmission = c.phase === 'CERTIFICATION_AUDIT' && c.program !== null;
  if (c.phase !== 'IMPLEMENTATION' && !reentry && !resubmission) {
    throw wrongPhase(
      c,
      'the safety program is submitted after the training is passed (phase IMPLEMENTATION)',
    );
  }
  const known = new Set(p.programElements.map((e) => e.id));
  const resolved = command.elements.map((e) => resolveElement(p, e));
  const unknown = command.elements.filter((_, i) => resolved[i] === null);
  if (unknown.length > 0) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `unknown program element(s) ${unknown.join(', ')}; the elements for ${c.region} are (by id or published name): ${describeElements(p)}`,
      command.elements
        .map((e, i) => ({ e, i }))
        .filter(({ i }) => resolved[i] === null)
        .map(({ e, i }) => ({
          path: `body:elements/${i}`,
          message: `"${e}" is not an element of the ${p.name} policy`,
        })),
    );
  }
  const elements = [...new Set(resolved as string[])];
  const missing = [...known].filter((e) => !elements.includes(e));
  if (missing.length > 0) {
    throw new DomainError(
      'NOT_ELIGIBLE',
      `the health & safety manual must cover every program element; missing: ${missing.join(', ')}. Add them and resubmit`,
    );
  }
  if (command.implementedSince > ch.today) {
    throw new DomainError('TOO_EARLY', `implementedSince ${command.implementedSince} is in the future`);
  }
  const earliestAuditOn = addMonths(command.implementedSince, p.minImplementationMonths);
  const submittedOn = resubmission && c.program ? c.program.submittedOn : ch.today;
  c.program = {
    manualTitle: command.manualTitle,
    manualVersion: command.manualVersion,
    elements,
    implementedSince: command.implementedSince,
    submittedOn,
    earliestAuditOn,
  };
  ch.emit(resubmission ? 'PROGRAM_UPDATED' : 'PROGRAM_SUBMITTED', {
    manualTitle: command.manualTitle,
    manualVersion: command.manualVersion,
    implementedSince: command.implementedSince,
    earliestAuditOn,
  });
  const deadline = certificationAuditDeadline(p, submittedOn, earliestAuditOn);
  if (resubmission) {
    c.nextDeadline = { ...deadline, dueOn: c.nextDeadline?.dueOn ?? deadline.dueOn };
    return ch.done('notify');
  }
  if (reentry) ch.emit('REENTERED', { step: 'PROGRAM_SUBMISSION' });
  ch.enter('CERTIFICATION_AUDIT', { rerun: reentry });
  c.nextDeadline = deadline;
  return ch.done(reentry ? 'start' : 'notify');
}
