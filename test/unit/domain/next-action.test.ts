/** `nextAction`: the one thing to do next, who does it, by when — through the lifecycle, from one table. */
import { nextAction, policies, STEP_ACTIONS } from '../../../domain';
import { Driver } from './helpers';

const ab = policies.forRegion('AB');
const action = (d: Driver, today: string) => nextAction(d.c, ab, today);

describe('nextAction through the lifecycle', () => {
  test('each open step: its title, who, and due date', () => {
    const d = new Driver('AB');
    d.register();
    expect(action(d, '2027-01-10')).toEqual({
      ...STEP_ACTIONS.DESIGNATE_TRAINEE,
      dueOn: d.c.nextDeadline?.dueOn,
    });
    expect(action(d, '2027-01-10')).toMatchObject({
      title: 'Name the employee who will take the SECOR course',
      who: 'contact',
    });
    const training = new Driver('AB').toTraining();
    expect(action(training, '2027-01-12')).toMatchObject({ code: 'PASS_EXAM', who: 'trainee' });
    const implementation = new Driver('AB').toImplementation();
    expect(action(implementation, '2027-02-16')).toMatchObject({ code: 'SUBMIT_PROGRAM', who: 'contact' });
  });

  test('a window not open yet: nothing due until it opens, and when', () => {
    // A program in use only since its submission: the audit may be done 3 months later (AB).
    const d = new Driver('AB').toImplementation();
    d.submit('2027-03-01', '2027-03-01');
    const opensOn = d.c.nextDeadline?.opensOn as string;
    expect(opensOn).toBe('2027-06-01');
    const before = action(d, '2027-03-02');
    expect(before.code).toBe('WAIT_BOOK_CERTIFICATION_AUDIT');
    expect(before.who).toBe('none');
    expect(before.howTo).toContain(opensOn);
    expect(action(d, opensOn)).toMatchObject({ code: 'BOOK_CERTIFICATION_AUDIT', who: 'contact' });
  });

  test('attempts used up: the trainee enrols again', () => {
    const d = new Driver('AB').toTraining();
    for (const score of [10, 20, 30]) d.exam(score, '2027-01-20');
    expect(action(d, '2027-01-21')).toMatchObject({ code: 'RE_ENROL', who: 'trainee' });
  });

  test('recertification with the training expired (AB): the refresher comes first', () => {
    const d = new Driver('AB').toRecertification({ refresher: false });
    expect(action(d, '2030-03-01')).toMatchObject({ code: 'TAKE_REFRESHER', who: 'trainee' });
    const refreshed = new Driver('AB').toRecertification();
    expect(action(refreshed, '2030-03-01')).toMatchObject({
      code: 'BOOK_RECERTIFICATION_AUDIT',
      who: 'contact',
    });
  });

  test('a withdrawn company: nothing is due', () => {
    const d = new Driver('AB');
    d.register();
    d.do({ type: 'withdraw' }, '2027-01-12');
    expect(action(d, '2027-01-13')).toMatchObject({ code: 'NONE', who: 'none', dueOn: null });
  });
});
