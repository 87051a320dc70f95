/** How a company leaves its path: it withdraws, or a step's deadline passes (lapse, or cancellation in maintenance). */
import { DomainError } from '../errors';
import { isActivePhase } from '../phases';
import { isPastDue, zoneOf } from '../schedule';
import type { Decision } from '../types';
import { type Change, wrongPhase } from './change';

export function withdraw(ch: Change, reason: string | null): Decision {
  const c = ch.company;
  if (c.phase === 'WITHDRAWN')
    throw new DomainError('WRONG_PHASE', `the company withdrew on ${c.withdrawal?.at ?? 'an earlier date'}`);
  const fromPhase = c.phase;
  c.withdrawal = { reason, at: ch.ctx.now, fromPhase };
  if (c.certificate && c.certificate.status === 'valid') {
    c.certificate.status = 'cancelled';
    ch.emit('CERTIFICATE_CANCELLED', {
      certificateNumber: c.certificate.certificateNumber,
      reason: 'withdrawal',
    });
  }
  c.phase = 'WITHDRAWN';
  c.maintenanceYear = null;
  c.nextDeadline = null;
  c.phaseEnteredAt = ch.ctx.now;
  ch.emit('WITHDRAWN', { fromPhase, ...(reason ? { reason } : {}) });
  return ch.done(isActivePhase(fromPhase) ? 'notify' : null);
}

export function deadlinePassed(ch: Change): Decision {
  const c = ch.company;
  const deadline = c.nextDeadline;
  if (!isActivePhase(c.phase) || !deadline)
    throw wrongPhase(c, 'only an open step has a deadline that can pass');
  if (!isPastDue(deadline, ch.ctx.now, zoneOf(c))) {
    throw new DomainError(
      'TOO_EARLY',
      `the ${deadline.step} deadline is ${deadline.dueOn}; it has not passed`,
    );
  }
  const fromPhase = c.phase;
  c.nextDeadline = null;
  c.maintenanceYear = null;
  c.phaseEnteredAt = ch.ctx.now;
  if (fromPhase === 'MAINTENANCE') {
    c.phase = 'CANCELLED';
    if (c.certificate) c.certificate.status = 'cancelled';
    ch.emit('CANCELLED', {
      step: deadline.step,
      dueOn: deadline.dueOn,
      maintenanceYear: deadline.maintenanceYear ?? 2,
      certificateNumber: c.certificate?.certificateNumber,
    });
    return ch.done(null);
  }
  c.phase = 'LAPSED';
  c.lapsed = { phase: fromPhase, step: deadline.step, dueOn: deadline.dueOn };
  if (fromPhase === 'RECERTIFICATION' && c.certificate) c.certificate.status = 'lapsed';
  ch.emit('LAPSED', { phase: fromPhase, step: deadline.step, dueOn: deadline.dueOn });
  return ch.done(null);
}
