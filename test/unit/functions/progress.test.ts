import { World, ddb, ses, sesThrottled } from './world';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SendEmailCommand, TooManyRequestsException } from '@aws-sdk/client-sesv2';
import { run as handler } from '../../../functions/tasks/progress';
import { NotFoundError } from '../../../functions/lib/repositories/errors';
import { NOTICE_LEASE_MS } from '../../../functions/lib/notify';
import type { Company } from '../../../domain';
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
      from: ENV.SENDER_ADDRESS,
      subject: `Welcome to SECOR, ${LEGAL_NAME}`,
      tags: { companyId: COMPANY_ID, kind: 'welcome', recipient: 'contact' },
    });
    expect(world.emails[0]?.text).toContain('by 2027-07-10');
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
    const now = at('2027-01-24', '00:00:05.000Z'); // 14 days after the step opened
    const execution = executionOf(company);

    const plan = await handler({ companyId: COMPANY_ID, execution, iteration: 1 }, clockAt(now));

    const key = 'DESIGNATE_TRAINEE|2027-07-10|2027-01-24';
    expect(world.has('COMPANY#co-1', `NOTICE#${key}|contact`)).toBe(true);
    expect(world.emails).toHaveLength(1);
    expect(world.emails[0]).toMatchObject({
      to: CONTACT.email,
      tags: { kind: 'reminder', recipient: 'contact' },
    });
    expect(world.emails[0]?.subject).toBe(
      `Reminder for ${LEGAL_NAME}: designate the employee who takes the SECOR course — due 2027-07-10 (167 days left)`,
    );
    const stored = world.stored(COMPANY_ID);
    expect(stored.version).toBe(3);
    expect(stored.record.remindersSent).toEqual([key]);
    expect(stored.record.history.at(-1)).toMatchObject({ type: 'REMINDER_SENT', by: 'system' });
    expect(plan).toEqual(domainPlan(stored.record, now, execution, 1));
    expect(plan.action).toBe('await');
  });

  test('after a lapse, the contact and operations are told and the phase ends', async () => {
    const lapsed = Story.registered()
      .notified(at('2027-01-10', '10:00:03.000Z'))
      .do({ type: 'deadlinePassed' }, at('2027-07-11', '00:00:01.000Z'), 'system').company;
    world.putCompany(lapsed, 3);
    const now = at('2027-07-11', '00:00:04.000Z');
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
  test('the claim is released and the error propagates, so the Step Functions retry sends the email', async () => {
    const registered = Story.registered().company;
    world.putCompany(registered);
    const execution = executionOf(registered);
    world.fail('SendEmail', sesThrottled);

    const attempt = handler({ companyId: COMPANY_ID, execution }, clockAt(at('2027-01-10', '10:00:02.000Z')));

    await expect(attempt).rejects.toBeInstanceOf(TooManyRequestsException);
    await expect(attempt).rejects.toMatchObject({ name: 'TooManyRequestsException' });
    expect(world.journal).toEqual([
      `Get ${PROFILE}`,
      'Put COMPANY#co-1|EXECUTION#co-1-c1-REGISTRATION', // the execution's start, on the company
      'Put COMPANY#co-1|NOTICE#EVENT|0|contact',
      `SendEmail ${CONTACT.email}`,
      'Delete COMPANY#co-1|NOTICE#EVENT|0|contact',
    ]);
    expect(ddb).toHaveReceivedCommandWith(DeleteCommand, {
      TableName: ENV.TABLE_NAME,
      Key: { PK: 'COMPANY#co-1', SK: 'NOTICE#EVENT|0|contact' },
    });
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(world.has('COMPANY#co-1', 'NOTICE#EVENT|0|contact')).toBe(false);
    expect(world.stored(COMPANY_ID).version).toBe(1);
    expect(world.stored(COMPANY_ID).record.notifiedThrough).toBeUndefined();

    // the retry
    const plan = await handler(
      { companyId: COMPANY_ID, execution },
      clockAt(at('2027-01-10', '10:00:07.000Z')),
    );
    expect(world.emails.map((e) => e.to)).toEqual([CONTACT.email]);
    expect(world.stored(COMPANY_ID).record.notifiedThrough).toBe(1);
    expect(plan.action).toBe('await');
  });

  test('throttled on the second recipient: only that claim is released; the retry sends only to it', async () => {
    const training = Story.registered().notified(at('2027-01-10', '10:00:03.000Z')).designate().company;
    world.putCompany(training, 3);
    const execution = executionOf(training);
    world.before('SendEmail', () => undefined).fail('SendEmail', sesThrottled);

    await expect(
      handler({ companyId: COMPANY_ID, execution }, clockAt(at('2027-01-11', '10:00:05.000Z'))),
    ).rejects.toMatchObject({ name: 'TooManyRequestsException' });

    expect(world.has('COMPANY#co-1', 'NOTICE#EVENT|1|trainee')).toBe(true);
    expect(world.has('COMPANY#co-1', 'NOTICE#EVENT|1|contact')).toBe(false);
    expect(world.stored(COMPANY_ID).version).toBe(3);

    await handler({ companyId: COMPANY_ID, execution }, clockAt(at('2027-01-11', '10:00:10.000Z')));

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
    expect(world.stored(COMPANY_ID).record.notifiedThrough).toBe(training.history.length);
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
