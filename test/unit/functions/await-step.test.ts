import { World, ddb, sealedForm, sfn } from './world';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { run as handler } from '../../../functions/tasks/await-step';
import { NotFoundError } from '../../../functions/lib/repositories/errors';
import { escalationAt } from '../../../domain';
import { at, clockAt, COMPANY_ID, CONTACT, domainPlan, executionOf, Story, TRAINEE } from './companies';
import { ENV } from './setup-env';
import { captureLogsOfEachTest } from './logs';

const PROFILE = 'COMPANY#co-1|PROFILE';
const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAZ-task-token-never-logged==';

let world: World;
captureLogsOfEachTest(() => [TOKEN, CONTACT.email, TRAINEE.email, ENV.OPS_EMAIL]);
beforeEach(() => {
  world = new World().install();
});

/** Registered on 2027-01-10 and welcomed: the company's open step is DESIGNATE_TRAINEE. Stored at version 2. */
function awaitingDesignation() {
  const company = Story.registered().notified(at('2027-01-10', '10:00:03.000Z')).company;
  world.putCompany(company, 2);
  return { company, execution: executionOf(company) };
}

describe('await-step: parks the execution on the open step', () => {
  test('plan "await": the task token is stored with a version-conditional update; no callback is sent', async () => {
    const { company, execution } = awaitingDesignation();
    const now = at('2027-01-10', '10:00:05.000Z');
    expect(domainPlan(company, now, execution, 1)).toMatchObject({
      action: 'await',
      step: 'DESIGNATE_TRAINEE',
    });

    await expect(
      handler({ companyId: COMPANY_ID, execution, iteration: 1, taskToken: TOKEN }, clockAt(now)),
    ).resolves.toBeUndefined();

    // The token is stored sealed with KMS (under the company's encryption context), never as it came.
    const pendingTask = {
      token: sealedForm(TOKEN, COMPANY_ID),
      sealed: true,
      executionName: 'co-1-c1-REGISTRATION',
      executionStartedAt: execution.startedAt,
      iteration: 1,
      storedAt: now,
    };
    expect(world.journal).toEqual([`Get ${PROFILE}`, `Update ${PROFILE}`]);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: ENV.TABLE_NAME,
      Key: { PK: 'COMPANY#co-1', SK: 'PROFILE' },
      UpdateExpression: 'SET pendingTask = :task',
      ConditionExpression: 'version = :expected',
      ExpressionAttributeValues: { ':task': pendingTask, ':expected': 2 },
    });
    const stored = world.stored(COMPANY_ID);
    expect(stored.pendingTask).toEqual(pendingTask);
    expect(stored.version).toBe(2); // the token is not a change of the record
    expect(stored.record).toEqual(company);
    expect(sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  test('the first state of a phase carries no iteration: the stored task says iteration 0', async () => {
    const { execution } = awaitingDesignation();

    await handler({ companyId: COMPANY_ID, execution, taskToken: TOKEN }, clockAt(at('2027-01-12')));

    expect(world.stored(COMPANY_ID).pendingTask).toMatchObject({ iteration: 0, storedAt: at('2027-01-12') });
  });
});

describe('await-step: completes the task at once when the record no longer waits on the step', () => {
  test('the step was done meanwhile (the phase changed): SendTaskSuccess with the new plan, no token stored', async () => {
    const { company, execution } = awaitingDesignation();
    const designated = Story.from(company).designate('2027-01-11').company;
    world.putCompany(designated, 3);
    const now = at('2027-01-11', '10:00:01.000Z');

    await handler({ companyId: COMPANY_ID, execution, iteration: 2, taskToken: TOKEN }, clockAt(now));

    const plan = domainPlan(designated, now, execution, 2);
    expect(plan).toEqual({
      action: 'advance',
      next: { name: 'co-1-c1-TRAINING', input: { companyId: COMPANY_ID, cycle: 1, phaseKey: 'TRAINING' } },
    });
    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: TOKEN,
      output: JSON.stringify(plan),
    });
    expect(world.journal).toEqual([`Get ${PROFILE}`, 'SendTaskSuccess']);
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(world.stored(COMPANY_ID).pendingTask).toBeUndefined();
  });

  test('emails are due (a new event): SendTaskSuccess with plan "notify" so the workflow sends them', async () => {
    const registered = Story.registered().company; // the welcome email is not sent yet
    world.putCompany(registered);
    const execution = executionOf(registered);
    const now = at('2027-01-10', '10:00:05.000Z');

    await handler({ companyId: COMPANY_ID, execution, iteration: 3, taskToken: TOKEN }, clockAt(now));

    expect(world.taskSuccesses).toEqual([{ taskToken: TOKEN, output: { action: 'notify', iteration: 4 } }]);
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  test('the deadline has passed: SendTaskSuccess with plan "escalate"', async () => {
    const { company, execution } = awaitingDesignation();
    // The workflow escalates at the company's business-hours minute the day after the due date (2027-07-10).
    const deadline = company.nextDeadline;
    if (!deadline) throw new Error('no open deadline');
    const now = new Date(Date.parse(escalationAt(company, deadline)) + 1_000).toISOString();
    expect(now.slice(0, 10)).toBe('2027-07-11');

    await handler({ companyId: COMPANY_ID, execution, iteration: 3, taskToken: TOKEN }, clockAt(now));

    expect(world.taskSuccesses).toEqual([{ taskToken: TOKEN, output: { action: 'escalate' } }]);
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });
});

describe('await-step under conditional-write conflicts', () => {
  test('the record changed but still waits on the step: reloaded, the token stored at the new version', async () => {
    const { company, execution } = awaitingDesignation();
    const now = at('2027-01-10', '10:00:05.000Z');
    // A concurrent writer (a stale progress recording its emails) bumps the version to 3.
    world.before('Update', () =>
      world.writeConcurrently(
        COMPANY_ID,
        { type: 'recordNotifications', through: company.history.length, reminderKeys: [] },
        now,
        'system',
      ),
    );

    await handler({ companyId: COMPANY_ID, execution, iteration: 1, taskToken: TOKEN }, clockAt(now));

    expect(world.journal).toEqual([
      `Get ${PROFILE}`,
      `Update ${PROFILE}`,
      `Get ${PROFILE}`,
      `Update ${PROFILE}`,
    ]);
    const expected = ddb
      .commandCalls(UpdateCommand)
      .map((c) => c.args[0].input.ExpressionAttributeValues?.[':expected']);
    expect(expected).toEqual([2, 3]);
    expect(world.stored(COMPANY_ID)).toMatchObject({
      version: 3,
      pendingTask: { token: sealedForm(TOKEN, COMPANY_ID), sealed: true },
    });
    expect(sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  test('the step was completed between the plan and the token write: the task is completed, not parked', async () => {
    const { execution } = awaitingDesignation();
    const now = at('2027-01-11', '10:00:00.000Z');
    // The API records the designation after our load; it finds no token to notify (none stored yet).
    world.before('Update', () =>
      world.writeConcurrently(COMPANY_ID, { type: 'designateTrainee', trainee: TRAINEE }, now),
    );

    await handler({ companyId: COMPANY_ID, execution, iteration: 1, taskToken: TOKEN }, clockAt(now));

    expect(world.journal).toEqual([
      `Get ${PROFILE}`,
      `Update ${PROFILE}`,
      `Get ${PROFILE}`,
      'SendTaskSuccess',
    ]);
    expect(world.taskSuccesses).toEqual([
      {
        taskToken: TOKEN,
        output: domainPlan(world.stored(COMPANY_ID).record, now, execution, 1),
      },
    ]);
    expect(world.taskSuccesses[0]?.output.action).toBe('advance');
    expect(world.stored(COMPANY_ID).pendingTask).toBeUndefined();
  });

  test('the record keeps changing: gives up after 5 attempts with an error (the task fails and is retried)', async () => {
    const { company, execution } = awaitingDesignation();
    const now = at('2027-01-10', '10:00:05.000Z');
    world.before(
      'Update',
      () =>
        world.writeConcurrently(
          COMPANY_ID,
          { type: 'recordNotifications', through: company.history.length, reminderKeys: [] },
          now,
          'system',
        ),
      5,
    );

    await expect(
      handler({ companyId: COMPANY_ID, execution, taskToken: TOKEN }, clockAt(now)),
    ).rejects.toThrow('company co-1 kept changing while storing the task token');
    expect(world.ops('Update')).toHaveLength(5);
    expect(world.stored(COMPANY_ID).pendingTask).toBeUndefined();
    expect(sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });
});

describe('await-step for a company that does not exist', () => {
  test('NotFoundError; no token stored, no callback', async () => {
    const execution = { name: 'co-404-c1-REGISTRATION', startedAt: at('2027-01-10') };

    const attempt = handler({ companyId: 'co-404', execution, taskToken: TOKEN }); // no clock argument: the system clock

    await expect(attempt).rejects.toBeInstanceOf(NotFoundError);
    await expect(attempt).rejects.toThrow('company co-404 not found');
    expect(world.journal).toEqual(['Get COMPANY#co-404|PROFILE']);
    expect(sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  test('the company is deleted while the token is being stored: NotFoundError on the reload', async () => {
    const { execution } = awaitingDesignation();
    world.before('Update', () => world.items.delete(PROFILE));

    await expect(
      handler(
        { companyId: COMPANY_ID, execution, taskToken: TOKEN },
        clockAt(at('2027-01-10', '11:00:00.000Z')),
      ),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });
});
