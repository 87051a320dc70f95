/**
 * The one thing to do next for a company, who does it, by when, and how — in plain words, from one table (the
 * status's `nextAction`; the portal shows it). Pure: from the record, its policy and the local date.
 */
import type { IsoDate } from './dates';
import { isActivePhase } from './phases';
import type { RegionPolicy } from './policy';
import { trainingValidity } from './training-validity';
import type { Company, Step } from './types';

export type ActionWho = 'contact' | 'trainee' | 'assessor' | 'reviewer' | 'operations' | 'none';

export interface NextAction {
  code: string;
  title: string;
  who: ActionWho;
  /** The last day it can be done (local date), or null when nothing is due. */
  dueOn: IsoDate | null;
  howTo: string;
}

/** What each open step asks, of whom, and how (when its window is open). */
export const STEP_ACTIONS: Record<Step, Omit<NextAction, 'dueOn'>> = {
  DESIGNATE_TRAINEE: {
    code: 'NAME_TRAINEE',
    title: 'Name the employee who will take the SECOR course',
    who: 'contact',
    howTo: 'Enter the employee’s name and email as the trainee; they are emailed what to do.',
  },
  TRAINING_EXAM: {
    code: 'PASS_EXAM',
    title: 'Take the SECOR course and pass its exam',
    who: 'trainee',
    howTo: 'Take the course with a training provider; the provider records the exam result.',
  },
  PROGRAM_SUBMISSION: {
    code: 'SUBMIT_PROGRAM',
    title: 'Send in your health and safety program',
    who: 'contact',
    howTo:
      'Submit the safety manual’s title and version, the date it has been in use since, and its elements.',
  },
  CERTIFICATION_AUDIT: {
    code: 'BOOK_CERTIFICATION_AUDIT',
    title: 'Have the certification audit done',
    who: 'contact',
    howTo: 'Book the audit with your certifying partner; the auditor records the result.',
  },
  MAINTENANCE_AUDIT: {
    code: 'FILE_MAINTENANCE_AUDIT',
    title: 'File your maintenance self-audit',
    who: 'contact',
    howTo: 'Score each element of your program and file the self-audit.',
  },
  RECERTIFICATION_AUDIT: {
    code: 'BOOK_RECERTIFICATION_AUDIT',
    title: 'Have the recertification audit done',
    who: 'contact',
    howTo: 'Book the recertification audit with your certifying partner before the certificate expires.',
  },
  TRAINING_REFRESHER: {
    code: 'TAKE_REFRESHER',
    title: 'Take the SECOR refresher course',
    who: 'trainee',
    howTo: 'Enrol in the refresher and pass its exam before the training certificate expires.',
  },
};

export function nextAction(c: Company, policy: RegionPolicy, today: IsoDate): NextAction {
  const none = (title: string, howTo: string): NextAction => ({
    code: 'NONE',
    title,
    who: 'none',
    dueOn: null,
    howTo,
  });
  switch (c.phase) {
    case 'LAPSED': {
      const step = c.lapsed?.step;
      const action = step ? STEP_ACTIONS[step] : null;
      return {
        code: 'RE_ENTER',
        title: `Pick SECOR up again: ${action ? action.title.toLowerCase() : 'the missed step'}`,
        who: step === 'TRAINING_EXAM' ? 'trainee' : 'contact',
        dueOn: null,
        howTo:
          step === 'TRAINING_EXAM'
            ? 'Enrol in the SECOR course again, then pass the exam.'
            : `The deadline of ${c.lapsed?.dueOn ?? 'the step'} was missed; doing the step now re-enters there. ${action?.howTo ?? ''}`.trim(),
      };
    }
    case 'FAILED':
      return {
        code: 'REDRIVE',
        title: 'Operations are fixing a problem with this company’s workflow',
        who: 'operations',
        dueOn: null,
        howTo: 'Nothing to do for the company: operations redrive the workflow once the cause is fixed.',
      };
    case 'CANCELLED':
      return none('The certificate was cancelled', 'To certify again, contact your certifying partner.');
    case 'WITHDRAWN':
      return none('The company has withdrawn from SECOR', 'Nothing is due.');
    default:
      break;
  }
  const d = c.nextDeadline;
  if (!isActivePhase(c.phase) || !d) return none('Nothing is due right now', 'Nothing is due.');
  // Training: attempts used up → enrol again; recertification with expired training → the refresher first.
  if (d.step === 'TRAINING_EXAM' && !c.training.enrolled) {
    return {
      code: 'RE_ENROL',
      title: 'Enrol in the SECOR course again',
      who: 'trainee',
      dueOn: d.dueOn,
      howTo: 'The exam attempts of this enrolment are used up: enrol again and repeat the course first.',
    };
  }
  if (
    d.step === 'RECERTIFICATION_AUDIT' &&
    policy.recertificationNeedsValidTraining &&
    trainingValidity(c, policy, today) === 'expired'
  ) {
    return {
      ...STEP_ACTIONS.TRAINING_REFRESHER,
      dueOn: d.dueOn,
      howTo: `${STEP_ACTIONS.TRAINING_REFRESHER.howTo} A recertification needs valid training.`,
    };
  }
  const action = STEP_ACTIONS[d.step];
  if (d.opensOn > today) {
    return {
      code: `WAIT_${action.code}`,
      title: `${action.title} (from ${d.opensOn})`,
      who: 'none',
      dueOn: d.dueOn,
      howTo: `It can be done from ${d.opensOn}; until then nothing is due. ${action.howTo}`,
    };
  }
  return { ...action, dueOn: d.dueOn };
}
