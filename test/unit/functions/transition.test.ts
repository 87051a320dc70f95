import { World, ddb, ses, sesThrottled } from './world';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { run as handler, type TransitionEvent } from '../../../functions/tasks/transition';
import { ConflictError, NotFoundError } from '../../../functions/lib/repositories/errors';
import { deadlineEndsAt, escalationAt, zoneOf, type Company } from '../../../domain';
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

let world: World;
captureLogsOfEachTest(() => [CONTACT.email, TRAINEE.email, ENV.OPS_EMAIL]);
beforeEach(() => {
  world = new World().install();
  process.env.OPS_EMAIL = ENV.OPS_EMAIL;
});

/** Registered 2027-01-10 and welcomed; DESIGNATE_TRAINEE is due 2027-07-10. Version 2. */
function registered(): Company {
  const company = Story.registered().notified(at('2027-01-10', '10:00:03.000Z')).company;
  world.putCompany(company, 2);
  return company;
}

const event = (
  company: Company,
  action: TransitionEvent['action'],
  extra: Partial<TransitionEvent> = {},
) => ({
  companyId: company.companyId,
  execution: executionOf(company),
  action,
  ...extra,
});

/**
 * When the workflow escalates the company's deadline: its business-hours minute the day after the due date (the
 * deadline itself ended at the end of the due day, Alberta time).
 */
const escalation = (company: Company): string => {
  if (!company.nextDeadline) throw new Error('no open deadline');
  return escalationAt(company, company.nextDeadline);
};
/** The instant the company's deadline ended: the end of its due day in Alberta. */
const dueDayEnds = (company: Company): string => {
  if (!company.nextDeadline) throw new Error('no open deadline');
  return deadlineEndsAt(company.nextDeadline, zoneOf(company));
};
const later = (t: string, ms: number) => new Date(Date.parse(t) + ms).toISOString();

const updateValues = () =>
  ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input.ExpressionAttributeValues);

describe('transition escalate: a missed deadline', () => {
  test('after DESIGNATE_TRAINEE is due the company becomes LAPSED; the plan sends the lapse notices', async () => {
    const company = registered();
    const now = later(escalation(company), 2_000);

    const plan = await handler(event(company, 'escalate', { iteration: 12 }), clockAt(now));

    expect(world.journal).toEqual([`Get ${PROFILE}`, `Update ${PROFILE}`]);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: ENV.TABLE_NAME,
      Key: { PK: 'COMPANY#co-1', SK: 'PROFILE' },
      ConditionExpression: '#version = :expected',
    });
    expect(updateValues()[0]).toMatchObject({ ':expected': 2, ':version': 3, ':phase': 'LAPSED' });
    const stored = world.stored(COMPANY_ID);
    expect(stored.version).toBe(3);
    expect(stored.record).toMatchObject({
      phase: 'LAPSED',
      lapsed: { phase: 'REGISTERED', step: 'DESIGNATE_TRAINEE', dueOn: '2027-07-10' },
      nextDeadline: null,
    });
    expect(stored.record.history.at(-1)).toMatchObject({ type: 'LAPSED', by: 'system', at: now });
    expect(plan).toEqual(domainPlan(stored.record, now, executionOf(company), 12));
    expect(plan).toEqual({ action: 'notify', iteration: 13 });
    // the emails are sent by the next progress task, not here
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
  });

  test('a missed maintenance audit cancels the certificate', async () => {
    const maintenance = Story.certified().notified(at('2027-06-02', '10:00:01.000Z')).company;
    world.putCompany(maintenance, 5);
    const now = escalation(maintenance); // the year-2 audit was due on the first anniversary, 2028-06-01

    await handler(event(maintenance, 'escalate'), clockAt(now));

    expect(world.stored(COMPANY_ID).record).toMatchObject({
      phase: 'CANCELLED',
      certificate: { certificateNumber: 'SECOR-AB-2027-000007', status: 'cancelled' },
    });
  });

  test('escalating before the deadline has passed changes nothing (the domain refuses TOO_EARLY)', async () => {
    const company = registered();
    // The last second of the due day in Alberta (already 2027-07-11 in UTC).
    const now = later(dueDayEnds(company), -1_000);
    expect(now.slice(0, 10)).toBe('2027-07-11');

    const plan = await handler(event(company, 'escalate'), clockAt(now));

    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(world.stored(COMPANY_ID)).toMatchObject({ version: 2, record: { phase: 'REGISTERED' } });
    expect(plan).toEqual(domainPlan(company, now, executionOf(company)));
  });
});

describe('transition recordFailure', () => {
  test('marks the company FAILED with the cause, emails operations once and ends the phase', async () => {
    const training = Story.registered().designate().notified(at('2027-01-11', '10:00:01.000Z')).company;
    world.putCompany(training, 3);
    const now = at('2027-01-12', '08:00:00.000Z');

    const plan = await handler(
      event(training, 'recordFailure', {
        error: { Error: 'Lambda.Unknown', Cause: 'The function timed out' },
      }),
      clockAt(now),
    );

    const stored = world.stored(COMPANY_ID);
    expect(stored.record).toMatchObject({
      phase: 'FAILED',
      failure: { phase: 'TRAINING', cause: 'Lambda.Unknown: The function timed out', at: now },
    });
    const failedAt = stored.record.history.findIndex((e) => e.type === 'WORKFLOW_FAILED');
    expect(world.journal).toEqual([
      `Get ${PROFILE}`,
      `Update ${PROFILE}`,
      `Put COMPANY#co-1|NOTICE#EVENT|${failedAt}|ops`,
      `SendEmail ${ENV.OPS_EMAIL}`,
      `Update COMPANY#co-1|NOTICE#EVENT|${failedAt}|ops`,
      `Get ${PROFILE}`,
      `Update ${PROFILE}`,
    ]);
    expect(world.emails).toHaveLength(1);
    expect(world.emails[0]).toMatchObject({
      to: ENV.OPS_EMAIL,
      subject: `[ops] SECOR workflow failed for ${LEGAL_NAME}`,
      tags: { companyId: COMPANY_ID, kind: 'workflowFailed', recipient: 'ops' },
    });
    expect(world.emails[0]?.text).toContain(
      'Execution co-1-c1-TRAINING failed in phase TRAINING: Lambda.Unknown: The function timed out',
    );
    expect(stored.record.notifiedThrough).toBe(stored.record.history.length);
    expect(stored.version).toBe(5);
    expect(plan).toEqual({ action: 'end', phase: 'FAILED' });
  });

  test('without the caught error the cause still says what is known', async () => {
    const company = registered();

    await handler(event(company, 'recordFailure'), clockAt(at('2027-01-12')));

    expect(world.stored(COMPANY_ID).record.failure).toMatchObject({
      phase: 'REGISTERED',
      cause: 'Error: unknown cause',
    });
  });

  test('with no operations address configured, the failure is recorded and nobody is emailed', async () => {
    delete process.env.OPS_EMAIL;
    const company = registered();

    const plan = await handler(event(company, 'recordFailure'), clockAt(at('2027-01-12')));

    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
    expect(world.stored(COMPANY_ID).record).toMatchObject({ phase: 'FAILED' });
    expect(plan).toEqual({ action: 'end', phase: 'FAILED' });
  });

  test('SES throttles the ops email: the claim is released and the error goes to the state’s Retry (the execution ends after it); the FAILED record stays, the retry sends', async () => {
    const company = registered();
    world.fail('SendEmail', sesThrottled);
    const now = at('2027-01-12');

    await expect(handler(event(company, 'recordFailure'), clockAt(now))).rejects.toThrow(
      'Maximum sending rate exceeded',
    );

    expect(world.ops('Delete')).toEqual(['Delete COMPANY#co-1|NOTICE#EVENT|1|ops']);
    expect(world.has('COMPANY#co-1', 'NOTICE#EVENT|1|ops')).toBe(false);
    const failed = world.stored(COMPANY_ID).record;
    expect(failed).toMatchObject({ phase: 'FAILED', notifiedThrough: 1 });
    // No delay is left on a record no execution will wake for.
    expect(failed.mailDelay ?? null).toBeNull();

    // the retry: already FAILED (no second failure event); the email goes out
    await handler(event(company, 'recordFailure'), clockAt(now));
    const stored = world.stored(COMPANY_ID).record;
    expect(stored.history.filter((e) => e.type === 'WORKFLOW_FAILED')).toHaveLength(1);
    expect(world.emails.map((e) => e.to)).toEqual([ENV.OPS_EMAIL]);
    expect(stored.notifiedThrough).toBe(stored.history.length);
  });
});

describe('transition recordFailure for a next execution that could not be started', () => {
  // The company moved on to TRAINING (the record names c1-TRAINING); the REGISTRATION execution failed to start it.
  const moved = () => {
    const before = registered();
    const training = Story.from(before).designate().notified(at('2027-01-11', '10:00:01.000Z')).company;
    world.putCompany(training, 4);
    return { stale: executionOf(before), training };
  };

  test('names the unstarted execution: the failure is recorded (FAILED, phase TRAINING), so it can be redriven', async () => {
    const { stale } = moved();
    await handler(
      {
        companyId: COMPANY_ID,
        execution: stale,
        action: 'recordFailure',
        error: { Error: 'StepFunctions.SdkClientException', Cause: 'x', unstarted: 'co-1-c1-TRAINING' },
      },
      clockAt(at('2027-01-11', '10:00:05.000Z')),
    );
    expect(world.stored(COMPANY_ID).record).toMatchObject({
      phase: 'FAILED',
      failure: { phase: 'TRAINING', cause: 'StepFunctions.SdkClientException: x' },
    });
  });

  test('names another execution than the record: a no-op', async () => {
    const { stale, training } = moved();
    await handler(
      {
        companyId: COMPANY_ID,
        execution: stale,
        action: 'recordFailure',
        error: { Error: 'X', Cause: 'y', unstarted: 'co-1-c1-IMPLEMENTATION' },
      },
      clockAt(at('2027-01-11', '10:00:05.000Z')),
    );
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(world.stored(COMPANY_ID)).toMatchObject({ version: 4, record: training });
  });
});

describe('transition is idempotent: only the execution that carries the phase changes the company', () => {
  test.each<TransitionEvent['action']>(['escalate', 'recordFailure'])(
    '%s from an execution that is no longer current is a no-op (no UpdateCommand)',
    async (action) => {
      // The company moved on to TRAINING; the REGISTRATION execution is stale.
      const before = registered();
      const training = Story.from(before).designate().notified(at('2027-01-11', '10:00:01.000Z')).company;
      world.putCompany(training, 4);
      const now = later(escalation(training), 2_000); // nothing is due for the company then
      const stale = executionOf(before);

      const plan = await handler(
        { companyId: COMPANY_ID, execution: stale, action, error: { Error: 'X', Cause: 'y' } },
        clockAt(now),
      );

      expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
      expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
      expect(world.stored(COMPANY_ID)).toMatchObject({ version: 4, record: training });
      expect(plan).toEqual({
        action: 'advance',
        next: { name: 'co-1-c1-TRAINING', input: { companyId: COMPANY_ID, cycle: 1, phaseKey: 'TRAINING' } },
      });
    },
  );

  test('escalate retried after it lapsed the company: nothing changes the second time', async () => {
    const company = registered();
    const now = later(escalation(company), 2_000);
    const first = await handler(event(company, 'escalate'), clockAt(now));
    const afterFirst = world.stored(COMPANY_ID);

    const second = await handler(event(company, 'escalate'), clockAt(later(now, 7_000)));

    expect(world.ops('Update')).toHaveLength(1);
    expect(world.stored(COMPANY_ID)).toEqual(afterFirst);
    expect(second).toEqual(first);
  });
});

describe('transition under conditional-write conflicts', () => {
  test('the record changed before the update: reloaded, decided again on the new record, retried', async () => {
    // In TRAINING, past the exam deadline; the company replaces its trainee just before the escalation writes.
    const training = Story.registered().designate().notified(at('2027-01-11', '10:00:01.000Z')).company;
    world.putCompany(training, 3);
    const now = later(escalation(training), 2_000);
    const replacement = { name: 'Robin Replacement', email: 'robin@acme.example' };
    world.before('Update', () =>
      world.writeConcurrently(COMPANY_ID, { type: 'designateTrainee', trainee: replacement }, now),
    );

    await handler(event(training, 'escalate'), clockAt(now));

    expect(world.journal).toEqual([
      `Get ${PROFILE}`,
      `Update ${PROFILE}`,
      `Get ${PROFILE}`,
      `Update ${PROFILE}`,
    ]);
    expect(updateValues().map((v) => v?.[':expected'])).toEqual([3, 4]);
    expect(world.stored(COMPANY_ID)).toMatchObject({
      version: 5,
      record: {
        phase: 'LAPSED',
        trainee: replacement, // the concurrent change is not lost
        lapsed: { phase: 'TRAINING', step: 'TRAINING_EXAM' },
      },
    });
  });

  test('the concurrent change moved the company on: the retry finds nothing left to do', async () => {
    const company = registered();
    const now = later(escalation(company), 1_000);
    // The designation, made on the due day (in time), is written between our load and our update.
    const inTime = later(dueDayEnds(company), -1_000);
    world.before('Update', () =>
      world.writeConcurrently(COMPANY_ID, { type: 'designateTrainee', trainee: TRAINEE }, inTime),
    );

    const plan = await handler(event(company, 'escalate'), clockAt(now));

    expect(world.journal).toEqual([`Get ${PROFILE}`, `Update ${PROFILE}`, `Get ${PROFILE}`]);
    expect(world.stored(COMPANY_ID)).toMatchObject({
      version: 3,
      record: { phase: 'TRAINING', lapsed: null },
    });
    expect(plan).toMatchObject({ action: 'advance', next: { name: 'co-1-c1-TRAINING' } });
  });

  test('conflicts on every attempt: ConflictError after 5 tries (a transient error the state machine retries)', async () => {
    const company = registered();
    const now = later(escalation(company), 2_000);
    world.before(
      'Update',
      () =>
        world.writeConcurrently(
          COMPANY_ID,
          { type: 'recordNotifications', through: 1, reminderKeys: [] },
          now,
          'system',
        ),
      5,
    );

    const attempt = handler(event(company, 'escalate'), clockAt(now));

    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    await expect(attempt).rejects.toMatchObject({ name: 'ConflictError' });
    expect(world.ops('Update')).toHaveLength(5);
    expect(world.stored(COMPANY_ID).record.phase).toBe('REGISTERED');
  });
});

describe('transition when the record is corrupt', () => {
  test('an error that is not a domain refusal propagates (the state machine records the failure); nothing is written', async () => {
    const company = registered();
    const corrupt: Partial<Company> = structuredClone(company);
    delete corrupt.history;
    world.items.set(PROFILE, { ...world.item('COMPANY#co-1', 'PROFILE'), record: corrupt });

    await expect(handler(event(company, 'escalate'), clockAt(at('2027-07-11')))).rejects.toBeInstanceOf(
      TypeError,
    );
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });
});

describe('transition for a company that does not exist', () => {
  test.each<TransitionEvent['action']>(['escalate', 'recordFailure'])(
    '%s: NotFoundError, nothing written',
    async (action) => {
      const execution = { name: 'co-404-c1-REGISTRATION', startedAt: at('2027-01-10') };

      const attempt = handler({ companyId: 'co-404', execution, action }); // no clock argument: the system clock

      await expect(attempt).rejects.toBeInstanceOf(NotFoundError);
      await expect(attempt).rejects.toThrow('company co-404 not found');
      expect(world.journal).toEqual(['Get COMPANY#co-404|PROFILE']);
    },
  );
});
