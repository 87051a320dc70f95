/** The trainee's training: exam attempts, re-enrolment after exhausted attempts, and the refresher course. */
import { addMonths, addYears, type IsoTimestamp } from '../dates';
import { localDateOf, timeZoneOf } from '../time';
import { isPassingExam } from '../audit';
import { DomainError } from '../errors';
import { isActivePhase } from '../phases';
import type { RegionPolicy } from '../policy';
import { programDeadline, trainingDeadline } from '../schedule';
import type { Company, Decision, ExamAttempt } from '../types';
import { type Change, lapsedAt, wrongPhase } from './change';

/** The attempts of the current attempt cycle. */
export function currentAttempts(c: Company): ExamAttempt[] {
  return c.training.attempts.filter((a) => a.attemptCycle === c.training.attemptCycle);
}

export function attemptsLeft(c: Company, policy: RegionPolicy): number {
  if (!c.training.enrolled) return 0;
  return Math.max(0, policy.examAttemptsPerCycle - currentAttempts(c).length);
}

export function reEnrol(ch: Change): Decision {
  const c = ch.company;
  const p = ch.policy;
  if (lapsedAt(c, 'TRAINING')) {
    openAttemptCycle(ch);
    ch.emit('REENTERED', { step: 'TRAINING_EXAM' });
    ch.enter('TRAINING', { rerun: true });
    c.nextDeadline = trainingDeadline(p, 'TRAINING_EXAM', ch.today, ch.today);
    return ch.done('start');
  }
  if (c.phase === 'TRAINING') {
    const left = attemptsLeft(c, p);
    if (left > 0) {
      throw new DomainError(
        'NOT_ELIGIBLE',
        `re-enrolment opens a new attempt cycle only after ${p.examAttemptsPerCycle} failed attempts; ` +
          `${left} attempt(s) are left in the current cycle: record the next exam attempt instead`,
      );
    }
    openAttemptCycle(ch);
    ch.emit('RE_ENROLLED', { attemptCycle: c.training.attemptCycle });
    return ch.done('notify');
  }
  if (c.training.passedOn && c.training.expiresOn && isActivePhase(c.phase)) {
    const opensOn = addMonths(c.training.expiresOn, -p.refresherWindowMonths);
    if (ch.today < opensOn) {
      throw new DomainError(
        'TOO_EARLY',
        `the refresher course opens ${p.refresherWindowMonths} months before the training certificate expires ` +
          `(${c.training.expiresOn}): enrol on or after ${opensOn}`,
      );
    }
    if (c.training.enrolled && attemptsLeft(c, p) > 0) {
      throw new DomainError(
        'CONFLICT',
        'the trainee is already enrolled in the refresher: record the exam attempt',
      );
    }
    openAttemptCycle(ch);
    c.training.refresher = true;
    ch.emit('REFRESHER_ENROLLED', { attemptCycle: c.training.attemptCycle, expiresOn: c.training.expiresOn });
    return ch.done(null);
  }
  if (c.phase === 'REGISTERED' || lapsedAt(c, 'REGISTERED')) {
    throw wrongPhase(c, 'designate the trainee first (PUT /companies/{companyId}/trainee): that enrols them');
  }
  throw wrongPhase(c, 'enrolment is possible in TRAINING after 3 failed attempts, or for the refresher');
}

function openAttemptCycle(ch: Change): void {
  const t = ch.company.training;
  if (t.attempts.some((a) => a.attemptCycle === t.attemptCycle)) t.attemptCycle += 1;
  t.enrolled = true;
  t.enrolledOn = ch.today;
}

export function recordExamAttempt(ch: Change, score: number, takenAt: IsoTimestamp): Decision {
  const c = ch.company;
  const p = ch.policy;
  const t = c.training;
  if (!(typeof score === 'number' && score >= 0 && score <= 100)) {
    throw new DomainError('NOT_ELIGIBLE', `an exam score is a percentage from 0 to 100, got ${score}`);
  }
  if (lapsedAt(c, 'TRAINING')) {
    throw wrongPhase(
      c,
      're-enrol (POST /companies/{companyId}/training/enrolments) to re-enter the training',
    );
  }
  const inTraining = c.phase === 'TRAINING';
  const inRefresher = isActivePhase(c.phase) && t.refresher && t.passedOn !== null;
  if (!inTraining && !inRefresher) {
    if (c.phase === 'REGISTERED') throw wrongPhase(c, 'designate the trainee before recording exam attempts');
    if (t.passedOn) {
      throw wrongPhase(
        c,
        `the training was passed on ${t.passedOn}; enrol in the refresher before recording another attempt`,
      );
    }
    throw wrongPhase(c, 'exam attempts are recorded in phase TRAINING');
  }
  if (!t.enrolled || currentAttempts(c).length >= p.examAttemptsPerCycle) {
    throw new DomainError(
      'ATTEMPTS_EXHAUSTED',
      `${p.examAttemptsPerCycle} failed attempts ended this attempt cycle: the trainee must re-enrol and repeat the ` +
        `course (POST /companies/{companyId}/training/enrolments) before trying again`,
    );
  }
  const takenOn = localDateOf(takenAt, timeZoneOf(c.region));
  if (takenOn > ch.today) throw new DomainError('TOO_EARLY', `takenAt ${takenAt} is in the future`);
  if (t.enrolledOn && takenOn < t.enrolledOn) {
    throw new DomainError(
      'NOT_ELIGIBLE',
      `an attempt cannot predate the current enrolment (${t.enrolledOn})`,
    );
  }
  const passed = isPassingExam(p, score);
  const attemptNumber = currentAttempts(c).length + 1;
  t.attempts.push({
    attemptNumber,
    attemptCycle: t.attemptCycle,
    score,
    passed,
    takenAt,
    recordedBy: ch.ctx.by,
  });
  ch.emit(passed ? 'EXAM_PASSED' : 'EXAM_FAILED', {
    attemptNumber,
    attemptCycle: t.attemptCycle,
    score,
    passMark: p.examPassMark,
  });
  if (!passed) {
    if (attemptNumber >= p.examAttemptsPerCycle) {
      t.enrolled = false;
      ch.emit('ATTEMPTS_EXHAUSTED', { attemptCycle: t.attemptCycle });
    }
    return ch.done(inTraining ? 'notify' : null);
  }
  t.enrolled = false;
  t.passedOn = takenOn;
  t.expiresOn = addYears(takenOn, p.trainingCertificateValidityYears);
  const wasRefresher = !inTraining;
  t.refresher = false;
  ch.emit(wasRefresher ? 'REFRESHER_PASSED' : 'TRAINING_PASSED', {
    passedOn: t.passedOn,
    expiresOn: t.expiresOn,
  });
  c.remindersSent = c.remindersSent.filter((k) => !k.startsWith('TRAINING_REFRESHER|'));
  if (wasRefresher) return ch.done(null);
  ch.enter('IMPLEMENTATION');
  c.nextDeadline = programDeadline(p, takenOn);
  return ch.done('notify');
}
