/**
 * recordEmailFeedback: SES reported a bounce or a complaint for an email to the company. The record is flagged
 * (`emailIssue`, shown in the status), an EMAIL_BOUNCED / EMAIL_COMPLAINED event names the recipient's role and a
 * short reason — never an address — and nothing else about the lifecycle changes.
 */
import {
  companyStatus,
  MAX_EMAIL_FEEDBACK_DETAIL,
  noticesDue,
  planNext,
  type Command,
  type EmailFeedback,
  type Recipient,
} from '../../../domain';
import { at, CONTACT, Driver, expectRefused } from './helpers';

const feedback = (
  kind: EmailFeedback,
  recipient: Recipient,
  detail = 'Permanent bounce (General) status 5.1.1',
  messageId?: string,
): Command => ({
  type: 'recordEmailFeedback',
  feedback: kind,
  recipient,
  detail,
  ...(messageId ? { messageId } : {}),
});

describe('recordEmailFeedback', () => {
  test('a bounce flags the company and appends EMAIL_BOUNCED (recipient role and reason only)', () => {
    const d = new Driver('AB').toTraining();
    const before = structuredClone(d.c);

    const decision = d.do(feedback('bounce', 'trainee', undefined, 'msg-1'), '2027-01-12', 'system');

    expect(decision.workflow).toBeNull();
    expect(decision.events).toEqual([
      {
        at: at('2027-01-12'),
        type: 'EMAIL_BOUNCED',
        by: 'system',
        details: {
          recipient: 'trainee',
          reason: 'Permanent bounce (General) status 5.1.1',
          messageId: 'msg-1',
        },
      },
    ]);
    expect(d.c.emailIssue).toEqual({ kind: 'bounce', recipient: 'trainee', at: at('2027-01-12') });
    expect(d.c.history.at(-1)).toEqual(decision.events[0]);
    // Nothing else about the lifecycle changes.
    const { emailIssue, history, ...rest } = d.c;
    const { emailIssue: none, history: beforeHistory, ...restBefore } = before;
    expect(none).toBeUndefined();
    expect(emailIssue).toBeDefined();
    expect(rest).toEqual(restBefore);
    expect(history).toEqual([...beforeHistory, decision.events[0]]);
  });

  test('a complaint appends EMAIL_COMPLAINED; the latest feedback is the one flagged', () => {
    const d = new Driver('AB').toTraining();
    d.do(feedback('bounce', 'trainee'), '2027-01-12', 'system');

    const decision = d.do(feedback('complaint', 'contact', 'complaint (abuse)'), '2027-01-14', 'system');

    expect(decision.events).toEqual([
      {
        at: at('2027-01-14'),
        type: 'EMAIL_COMPLAINED',
        by: 'system',
        details: { recipient: 'contact', reason: 'complaint (abuse)' },
      },
    ]);
    expect(d.c.emailIssue).toEqual({ kind: 'complaint', recipient: 'contact', at: at('2027-01-14') });
  });

  test('the status shows the flag; without feedback it has no emailIssue at all', () => {
    const d = new Driver('AB').toTraining();
    expect(companyStatus(d.c, d.policy, at('2027-01-12'))).not.toHaveProperty('emailIssue');

    d.do(feedback('bounce', 'contact'), '2027-01-12', 'system');

    expect(companyStatus(d.c, d.policy, at('2027-01-13')).emailIssue).toEqual({
      kind: 'bounce',
      recipient: 'contact',
      at: at('2027-01-12'),
    });
  });

  test('an address in the reason is masked; the reason is whitespace-normalised and bounded', () => {
    const d = new Driver('AB').toTraining();
    d.do(
      feedback('bounce', 'contact', `smtp;  550 5.1.1 <${CONTACT.email}>\n user unknown ${'x'.repeat(500)}`),
      '2027-01-12',
      'system',
    );
    const reason = d.c.history.at(-1)?.details?.reason as string;
    expect(reason.startsWith('smtp; 550 5.1.1 <<address>> user unknown x')).toBe(true);
    expect(reason).toHaveLength(MAX_EMAIL_FEEDBACK_DETAIL);
    expect(JSON.stringify(d.c.history)).not.toContain(CONTACT.email);
  });

  test('an empty reason falls back to the kind of feedback', () => {
    const d = new Driver('AB').toTraining();
    d.do(feedback('complaint', 'trainee', '   '), '2027-01-12', 'system');
    expect(d.c.history.at(-1)?.details).toEqual({ recipient: 'trainee', reason: 'complaint' });
  });

  test('the same message reported twice is refused (CONFLICT); another message or recipient is recorded', () => {
    const d = new Driver('AB').toTraining();
    d.do(feedback('bounce', 'trainee', 'Permanent bounce', 'msg-1'), '2027-01-12', 'system');

    expectRefused(
      () => d.do(feedback('bounce', 'trainee', 'Permanent bounce', 'msg-1'), '2027-01-12', 'system'),
      'CONFLICT',
      /already recorded/,
    );
    d.do(feedback('complaint', 'trainee', 'complaint (abuse)', 'msg-1'), '2027-01-13', 'system');
    d.do(feedback('bounce', 'contact', 'Permanent bounce', 'msg-1'), '2027-01-13', 'system');
    d.do(feedback('bounce', 'trainee', 'Permanent bounce', 'msg-2'), '2027-01-13', 'system');
    // Without a message id nothing can be deduplicated: each report is recorded.
    d.do(feedback('bounce', 'trainee', 'Permanent bounce'), '2027-01-14', 'system');
    d.do(feedback('bounce', 'trainee', 'Permanent bounce'), '2027-01-14', 'system');
    expect(d.c.history.filter((e) => e.type.startsWith('EMAIL_')).map((e) => e.type)).toEqual([
      'EMAIL_BOUNCED',
      'EMAIL_COMPLAINED',
      'EMAIL_BOUNCED',
      'EMAIL_BOUNCED',
      'EMAIL_BOUNCED',
      'EMAIL_BOUNCED',
    ]);
  });

  test.each(['WITHDRAWN', 'LAPSED', 'FAILED'] as const)(
    'accepted in every phase, also %s (feedback arrives after the fact)',
    (phase) => {
      const d = new Driver('AB').toTraining();
      if (phase === 'WITHDRAWN') d.do({ type: 'withdraw' }, '2027-01-12');
      if (phase === 'LAPSED') d.deadlinePassed('2027-07-11');
      if (phase === 'FAILED') d.do({ type: 'recordFailure', cause: 'boom' }, '2027-01-12', 'system');
      expect(d.c.phase).toBe(phase);

      d.do(feedback('bounce', 'ops'), '2027-07-12', 'system');

      expect(d.c.phase).toBe(phase);
      expect(d.c.emailIssue).toEqual({ kind: 'bounce', recipient: 'ops', at: at('2027-07-12') });
    },
  );

  test('needs a registered company', () => {
    expectRefused(
      () => new Driver('AB').do(feedback('bounce', 'contact'), '2027-01-12', 'system'),
      'CONFLICT',
    );
  });

  test('sends no email and does not change the plan', () => {
    const d = new Driver('AB').toTraining();
    d.do(
      { type: 'recordNotifications', through: d.c.history.length, reminderKeys: [] },
      '2027-01-11',
      'system',
    );
    const execution = { name: d.c.execution.name, startedAt: at('2027-01-11'), iteration: 0 };
    const planBefore = planNext(d.c, d.policy, at('2027-01-12', '11:00:00.000Z'), execution);

    d.do(feedback('bounce', 'trainee'), '2027-01-12', 'system');

    expect(noticesDue(d.c, d.policy, at('2027-01-12', '11:00:00.000Z'))).toEqual([]);
    expect(planNext(d.c, d.policy, at('2027-01-12', '11:00:00.000Z'), execution)).toEqual(planBefore);
  });
});
