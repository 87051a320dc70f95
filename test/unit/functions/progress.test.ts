import { World, ddb, ses, sesThrottled } from './world';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { run as handler } from '../../../functions/tasks/progress';
import { NotFoundError } from '../../../functions/lib/repositories/errors';
import { NOTICE_LEASE_MS } from '../../../functions/lib/notify';
import { escalationAt, formatLongDate, wakeAtOn, type Company } from '../../../domain';
import {
  at,
  clockAt,
  COMPANY_ID,
  CONTACT,
  domainPlan,
  executionOf,
  LEGAL_NAME,
  Story,
  TRAINEE,
} from './companies';
import { ENV } from './setup-env';
import { captureLogsOfEachTest } from './logs';

const PROFILE = 'COMPANY#co-1|PROFILE';
const CLAIM_TTL_SECONDS = 400 * 86_400;
/** An email's sign-in link, stored (as its hash) just before the email is sent. */
const SIGN_IN = expect.stringMatching(/^Put SIGNIN#[0-9a-f]{64}\|TOKEN$/) as unknown as string;
/** The company's business-hours minute on a local date (co-1 in Alberta). */
const wakeOn = (day: string) => wakeAtOn({ companyId: COMPANY_ID, region: 'AB' }, day);

let world: World;
captureLogsOfEachTest(() => [CONTACT.email, TRAINEE.email, ENV.OPS_EMAIL]);
beforeEach(() => {
  world = new World().install();
});

describe('progress: sends the emails the record calls for, records them, returns the plan', () => {
  test('a new registration: the welcome email is claimed, sent, recorded under the version condition', async () => {
    const registered = Story.registered().company;
    world.putCompany(registered);
    const now = at('2027-01-10', '10:00:02.000Z');
    const execution = executionOf(registered);

    const plan = await handler({ companyId: COMPANY_ID, execution }, clockAt(now));

    // claim → send → mark sent → record, in that order (an email is sent twice only if the function dies
    // between SES accepting it and the mark, and the record is not written either)
    expect(world.journal).toEqual([
      `Get ${PROFILE}`,
      'Put COMPANY#co-1|EXECUTION#co-1-c1-REGISTRATION', // the execution's start, on the company
      'Put COMPANY#co-1|NOTICE#EVENT|0|contact',
      SIGN_IN,
      `SendEmail ${CONTACT.email}`,
      'Update COMPANY#co-1|NOTICE#EVENT|0|contact',
      `Get ${PROFILE}`,
      `Update ${PROFILE}`,
    ]);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: ENV.TABLE_NAME,
      Item: {
        PK: 'COMPANY#co-1',
        SK: 'NOTICE#EVENT|0|contact',
        expiresAt: Math.floor(Date.parse(now) / 1000) + CLAIM_TTL_SECONDS,
        claimedAt: Date.parse(now),
        owner: expect.any(String),
      },
      ConditionExpression:
        'attribute_not_exists(PK) OR (attribute_not_exists(sentAt) AND claimedAt < :staleBefore)',
      ExpressionAttributeValues: { ':staleBefore': Date.parse(now) - NOTICE_LEASE_MS },
    });
    expect(world.emails).toHaveLength(1);
    expect(world.emails[0]).toMatchObject({
      to: CONTACT.email,
      from: `"SECOR Certification" <${ENV.SENDER_ADDRESS}>`,
      subject: `Welcome to SECOR, ${LEGAL_NAME}`,
      tags: { companyId: COMPANY_ID, kind: 'welcome', recipient: 'contact' },
    });
    // The trainee's due date, as a local date in the company's province.
    expect(world.emails[0]?.text).toContain(
      `${formatLongDate('2027-07-10')} (by the end of that day, Alberta time)`,
    );
    expect(world.emails[0]?.text).toContain(`${ENV.PUBLIC_API_URL}/#sign-in=`);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: ENV.TABLE_NAME,
      Key: { PK: 'COMPANY#co-1', SK: 'PROFILE' },
      ConditionExpression: '#version = :expected',
    });
    const [mark, update] = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(mark?.ExpressionAttributeValues).toEqual({
      ':sentAt': Date.parse(now),
      ':expiresAt': Math.floor(Date.parse(now) / 1000) + CLAIM_TTL_SECONDS,
    });
    expect(update?.ExpressionAttributeValues).toMatchObject({ ':expected': 1, ':version': 2 });

    const stored = world.stored(COMPANY_ID);
    expect(stored.version).toBe(2);
    expect(stored.record.notifiedThrough).toBe(1);
    expect(stored.record.phase).toBe('REGISTERED');
    expect(plan).toEqual(domainPlan(stored.record, now, execution));
    expect(plan).toMatchObject({ action: 'await', step: 'DESIGNATE_TRAINEE', iteration: 1 });
  });

  test('the welcome email is sent once: the next progress finds nothing to send and writes nothing', async () => {
    const registered = Story.registered().company;
    world.putCompany(registered);
    const execution = executionOf(registered);
    await handler({ companyId: COMPANY_ID, execution }, clockAt(at('2027-01-10', '10:00:02.000Z')));
    world.journal.length = 0;

    const later = at('2027-01-10', '10:05:00.000Z');
    const plan = await handler({ companyId: COMPANY_ID, execution, iteration: 4 }, clockAt(later));

    expect(world.journal).toEqual([`Get ${PROFILE}`]);
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    expect(world.stored(COMPANY_ID).version).toBe(2);
    // the loop iteration carried by the state machine goes into the plan
    expect(plan).toEqual(domainPlan(world.stored(COMPANY_ID).record, later, execution, 4));
    expect(plan).toMatchObject({ action: 'await', iteration: 5 });
  });

  test('a due reminder is sent to the contact and recorded in remindersSent', async () => {
    const company = Story.registered().notified(at('2027-01-10', '10:00:03.000Z')).company;
    world.putCompany(company, 2);
    // 60 days before the due date, at the company's business-hours minute (a few seconds late)
    const now = new Date(Date.parse(wakeOn('2027-05-11')) + 5_000).toISOString();
    const execution = executionOf(company);

    // A day earlier (61 days before the due date), nothing is due.
    await handler({ companyId: COMPANY_ID, execution, iteration: 1 }, clockAt(wakeOn('2027-05-10')));
    expect(world.emails).toHaveLength(0);

    const plan = await handler({ companyId: COMPANY_ID, execution, iteration: 1 }, clockAt(now));

    const key = 'DESIGNATE_TRAINEE|2027-07-10|2027-05-11';
    expect(world.has('COMPANY#co-1', `NOTICE#${key}|contact`)).toBe(true);
    expect(world.emails).toHaveLength(1);
    expect(world.emails[0]).toMatchObject({
      to: CONTACT.email,
      tags: { kind: 'reminder', recipient: 'contact' },
    });
    expect(world.emails[0]?.subject).toMatch(/^Reminder: naming your SECOR trainee due in 60 days \(.+\)$/);
    expect(world.emails[0]?.text).toContain(
      `Naming your SECOR trainee is due ${formatLongDate('2027-07-10')} (by the end of that day, Alberta time), in 60 days.`,
    );
    const stored = world.stored(COMPANY_ID);
    expect(stored.version).toBe(3);
    expect(stored.record.remindersSent).toEqual([key]);
    expect(stored.record.history.at(-1)).toMatchObject({ type: 'REMINDER_SENT', by: 'system' });
    expect(plan).toEqual(domainPlan(stored.record, now, execution, 1));
    expect(plan.action).toBe('await');
  });

  test('after a lapse, the contact and operations are told and the phase ends', async () => {
    // The workflow escalates at the company's minute the day after the due date (2027-07-10).
    const escalation = escalationAt(Story.registered().company, {
      step: 'DESIGNATE_TRAINEE',
      opensOn: '2027-01-10',
      dueOn: '2027-07-10',
    });
    expect(escalation).toBe(wakeOn('2027-07-11'));
    const lapsed = Story.registered()
      .notified(at('2027-01-10', '10:00:03.000Z'))
      .do({ type: 'deadlinePassed' }, escalation, 'system').company;
    world.putCompany(lapsed, 3);
    const now = new Date(Date.parse(escalation) + 3_000).toISOString();
    const execution = executionOf(lapsed, at('2027-01-10', '10:00:01.000Z'));

    const plan = await handler({ companyId: COMPANY_ID, execution, iteration: 9 }, clockAt(now));

    expect(world.emails.map((e) => [e.to, e.tags.kind])).toEqual([
      [CONTACT.email, 'lapsed'],
      [ENV.OPS_EMAIL, 'lapsed'],
    ]);
    expect(plan).toEqual({ action: 'end', phase: 'LAPSED' });
  });
});

describe('progress under conditional-write conflicts', () => {
  test('a notice already claimed (an earlier attempt sent it) is not sent again, but is recorded', async () => {
    const registered = Story.registered().company;
    world.putCompany(registered);
    world.items.set('COMPANY#co-1|NOTICE#EVENT|0|contact', {
      PK: 'COMPANY#co-1',
      SK: 'NOTICE#EVENT|0|contact',
      expiresAt: 1,
    });
    const now = at('2027-01-10', '10:00:02.000Z');

    const plan = await handler({ companyId: COMPANY_ID, execution: executionOf(registered) }, clockAt(now));

    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
    expect(world.journal).toEqual([
      `Get ${PROFILE}`,
      'Put COMPANY#co-1|EXECUTION#co-1-c1-REGISTRATION', // the execution's start, on the company
      'Put COMPANY#co-1|NOTICE#EVENT|0|contact',
      'Get COMPANY#co-1|NOTICE#EVENT|0|contact', // a claim from before leases: sent, never taken over
      `Get ${PROFILE}`,
      `Update ${PROFILE}`,
    ]);
    expect(world.stored(COMPANY_ID).record.notifiedThrough).toBe(1);
    expect(plan.action).toBe('await');
  });

  test('the record changed before the update: it is reloaded and the update retried, the email not resent', async () => {
    const registered = Story.registered().company;
    world.putCompany(registered);
    const now = at('2027-01-10', '10:00:02.000Z');
    // The company designates its trainee between our send and our update (the API writes version 2); the
    // first update is the claim's mark.
    world
      .before('Update', () => undefined)
      .before('Update', () =>
        world.writeConcurrently(
          COMPANY_ID,
          { type: 'designateTrainee', trainee: TRAINEE },
          at('2027-01-10', '10:00:02.500Z'),
        ),
      );

    const plan = await handler({ companyId: COMPANY_ID, execution: executionOf(registered) }, clockAt(now));

    expect(world.journal).toEqual([
      `Get ${PROFILE}`,
      'Put COMPANY#co-1|EXECUTION#co-1-c1-REGISTRATION', // the execution's start, on the company
      'Put COMPANY#co-1|NOTICE#EVENT|0|contact',
      SIGN_IN,
      `SendEmail ${CONTACT.email}`,
      'Update COMPANY#co-1|NOTICE#EVENT|0|contact',
      `Get ${PROFILE}`,
      `Update ${PROFILE}`, // ConditionalCheckFailedException: version 2, not 1
      `Get ${PROFILE}`,
      `Update ${PROFILE}`,
    ]);
    const updates = ddb
      .commandCalls(UpdateCommand)
      .filter((c) => c.args[0].input.Key?.SK === 'PROFILE')
      .map((c) => c.args[0].input.ExpressionAttributeValues);
    expect(updates.map((v) => v?.[':expected'])).toEqual([1, 2]);
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    const stored = world.stored(COMPANY_ID);
    expect(stored.version).toBe(3);
    // The concurrent change is kept, and only the welcome (history[0]) counts as notified: the designation's
    // events are still to be emailed.
    expect(stored.record).toMatchObject({ phase: 'TRAINING', trainee: TRAINEE, notifiedThrough: 1 });
    expect(plan).toEqual({
      action: 'advance',
      next: { name: 'co-1-c1-TRAINING', input: { companyId: COMPANY_ID, cycle: 1, phaseKey: 'TRAINING' } },
    });
  });
});

describe('progress when SES throttles', () => {
  test('the claim is released, the delay recorded and the plan waits until the retry, which sends the email', async () => {
    const registered = Story.registered().company;
    world.putCompany(registered);
    const execution = executionOf(registered);
    world.fail('SendEmail', sesThrottled);
    const now = at('2027-01-10', '10:00:02.000Z');

    const plan = await handler({ companyId: COMPANY_ID, execution }, clockAt(now));

    expect(world.journal).toEqual([
      `Get ${PROFILE}`,
      'Put COMPANY#co-1|EXECUTION#co-1-c1-REGISTRATION', // the execution's start, on the company
      'Put COMPANY#co-1|NOTICE#EVENT|0|contact',
      SIGN_IN,
      `SendEmail ${CONTACT.email}`,
      'Delete COMPANY#co-1|NOTICE#EVENT|0|contact',
      `Get ${PROFILE}`,
      `Update ${PROFILE}`, // the mail delay, nothing else
    ]);
    expect(ddb).toHaveReceivedCommandWith(DeleteCommand, {
      TableName: ENV.TABLE_NAME,
      Key: { PK: 'COMPANY#co-1', SK: 'NOTICE#EVENT|0|contact' },
    });
    expect(world.has('COMPANY#co-1', 'NOTICE#EVENT|0|contact')).toBe(false);
    const delayed = world.stored(COMPANY_ID);
    expect(delayed.version).toBe(2);
    expect(delayed.record.notifiedThrough).toBeUndefined();
    const retryAt = delayed.record.mailDelay?.retryAt ?? '';
    expect(delayed.record.mailDelay).toMatchObject({
      since: now,
      attempts: 1,
      error: 'TooManyRequestsException',
    });
    // The workflow waits on the step, and wakes for the retry.
    expect(plan).toEqual(domainPlan(delayed.record, now, execution));
    expect(plan).toMatchObject({ action: 'await', step: 'DESIGNATE_TRAINEE', wakeAt: retryAt });

    // An early wake (a signal) sends nothing yet.
    await handler(
      { companyId: COMPANY_ID, execution, iteration: 1 },
      clockAt(at('2027-01-10', '10:00:07.000Z')),
    );
    expect(world.emails).toEqual([]);

    // the retry
    const retried = await handler({ companyId: COMPANY_ID, execution, iteration: 1 }, clockAt(retryAt));
    expect(world.emails.map((e) => e.to)).toEqual([CONTACT.email]);
    expect(world.stored(COMPANY_ID).record).toMatchObject({ notifiedThrough: 2, mailDelay: null });
    expect(retried.action).toBe('await');
  });

  test('throttled on the second recipient: only that claim is released; the retry sends only to it', async () => {
    const training = Story.registered().notified(at('2027-01-10', '10:00:03.000Z')).designate().company;
    world.putCompany(training, 3);
    const execution = executionOf(training);
    world.before('SendEmail', () => undefined).fail('SendEmail', sesThrottled);

    await expect(
      handler({ companyId: COMPANY_ID, execution }, clockAt(at('2027-01-11', '10:00:05.000Z'))),
    ).resolves.toMatchObject({ action: 'await' });

    expect(world.has('COMPANY#co-1', 'NOTICE#EVENT|1|trainee')).toBe(true);
    expect(world.has('COMPANY#co-1', 'NOTICE#EVENT|1|contact')).toBe(false);
    const delayed = world.stored(COMPANY_ID);
    expect(delayed.version).toBe(4); // the delay only: the notices are not recorded yet
    expect(delayed.record.notifiedThrough).toBe(1);

    await handler({ companyId: COMPANY_ID, execution }, clockAt(delayed.record.mailDelay?.retryAt ?? ''));

    // attempted: trainee (sent), contact (throttled), contact (sent): each person got the enrolment email once
    expect(world.ops('SendEmail')).toEqual([
      `SendEmail ${TRAINEE.email}`,
      `SendEmail ${CONTACT.email}`,
      `SendEmail ${CONTACT.email}`,
    ]);
    expect(world.emails.map((e) => [e.to, e.tags.kind])).toEqual([
      [TRAINEE.email, 'traineeEnrolment'],
      [CONTACT.email, 'traineeEnrolment'],
    ]);
    const record = world.stored(COMPANY_ID).record;
    expect(record.mailDelay).toBeNull();
    // The trainee was emailed today (before the refusal): held until tomorrow, so its watermark waits; the
    // contact's moved on. Tomorrow's wake finds the trainee's claim sent and records it without a second email.
    expect(record.lastEmailedOn).toEqual({ trainee: '2027-01-11', contact: '2027-01-11' });
    expect(record.notifiedThrough).toBe(1);
    expect(record.notifiedThroughBy?.contact).toBe(training.history.length + 1); // and the EMAIL_DELAYED event
    await handler({ companyId: COMPANY_ID, execution }, clockAt(at('2027-01-12', '23:00:00.000Z')));
    expect(world.emails).toHaveLength(2);
    expect(world.stored(COMPANY_ID).record.notifiedThrough).toBeGreaterThanOrEqual(
      training.history.length + 1,
    );
  });
});

describe('progress for a company that does not exist', () => {
  test('NotFoundError, nothing sent or written', async () => {
    const execution = { name: 'co-404-c1-REGISTRATION', startedAt: at('2027-01-10') };

    const attempt = handler({ companyId: 'co-404', execution }); // no clock argument: the system clock

    await expect(attempt).rejects.toBeInstanceOf(NotFoundError);
    await expect(attempt).rejects.toThrow('company co-404 not found');
    expect(world.journal).toEqual(['Get COMPANY#co-404|PROFILE']);
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
  });
});

describe('progress: an old execution continues the phase in a fresh one (continue-as-new)', () => {
  // A registration (trainee due in months) carried by an execution started a year earlier: its cap (start + 364
  // days) is 2027-01-19 10:00, before the step's deadline.
  const registered = () => {
    const company = Story.registered().notified(at('2027-01-10', '10:00:03.000Z')).company;
    world.putCompany(company, 2);
    return company;
  };
  const oldExecution = (company: Company) => ({
    ...executionOf(company),
    startedAt: at('2026-01-20', '10:00:00.000Z'),
  });

  test('at the cap: the record names a fresh execution of the same phase, and the plan is to start it', async () => {
    const company = registered();
    const now = at('2027-01-19', '10:00:00.000Z'); // 364 days after the execution started

    const plan = await handler({ companyId: COMPANY_ID, execution: oldExecution(company) }, clockAt(now));

    const stored = world.stored(COMPANY_ID);
    const renamed = `co-1-c1-REGISTRATION-r${company.history.length + 1}`;
    expect(stored.version).toBe(3);
    expect(stored.record.execution).toEqual({ phaseKey: 'REGISTRATION', name: renamed });
    expect(stored.record.history.at(-1)).toMatchObject({
      type: 'EXECUTION_CONTINUED',
      by: 'system',
      details: { previousExecution: 'co-1-c1-REGISTRATION', execution: renamed },
    });
    expect(stored.record.phase).toBe('REGISTERED');
    expect(world.item('COMPANY#co-1', 'PROFILE')?.executions).toEqual([renamed]); // listed for operations
    expect(plan).toEqual({
      action: 'advance',
      next: { name: renamed, input: { companyId: COMPANY_ID, cycle: 1, phaseKey: 'REGISTRATION' } },
    });
  });

  test('a retry after the continuation writes nothing and plans to start the same fresh execution', async () => {
    const company = registered();
    const now = at('2027-01-19', '10:00:00.000Z');
    const first = await handler({ companyId: COMPANY_ID, execution: oldExecution(company) }, clockAt(now));
    world.journal.length = 0;

    const retry = await handler(
      { companyId: COMPANY_ID, execution: oldExecution(company) },
      clockAt(at('2027-01-19', '10:00:09.000Z')),
    );

    // Only the execution's start, recorded again conditionally (the first record stays).
    expect(world.journal).toEqual([`Get ${PROFILE}`, 'Put COMPANY#co-1|EXECUTION#co-1-c1-REGISTRATION']);
    expect(world.stored(COMPANY_ID).version).toBe(3);
    expect(retry).toEqual(first);
  });

  test('before the cap: no continuation, the execution awaits its step', async () => {
    const company = registered();
    const now = at('2027-01-18', '10:00:00.000Z'); // a day before the cap

    const plan = await handler({ companyId: COMPANY_ID, execution: oldExecution(company) }, clockAt(now));

    expect(world.stored(COMPANY_ID).version).toBe(2);
    expect(plan).toMatchObject({ action: 'await', step: 'DESIGNATE_TRAINEE' });
    expect(plan).toEqual(domainPlan(company, now, oldExecution(company)));
  });
});
