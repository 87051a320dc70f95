/**
 * The handlers log ids and outcomes, never a task token, an email's sign-in token or an email address
 * (functions/lib/logger.ts). Checked on what the Powertools logger actually prints, and on the arguments handed
 * to the logger instance.
 */
import { World, sealedForm, sesThrottled } from './world';
import { run as progress } from '../../../functions/tasks/progress';
import { run as awaitStep } from '../../../functions/tasks/await-step';
import { run as transition } from '../../../functions/tasks/transition';
import { logger } from '../../../functions/lib/logger';
import { at, clockAt, COMPANY_ID, CONTACT, executionOf, Story, TRAINEE } from './companies';
import { ENV } from './setup-env';
import { LogCapture } from './logs';

const TOKEN = 'AAAAKgAAAAIAAAAAAAAAAb-secret-task-token-7f3a9c';
const SECRETS = [TOKEN, CONTACT.email, TRAINEE.email, ENV.OPS_EMAIL];

let world: World;
const capture = new LogCapture();
const loggerCalls: unknown[][] = [];

beforeEach(() => {
  world = new World().install();
  process.env.OPS_EMAIL = ENV.OPS_EMAIL;
  loggerCalls.length = 0;
  for (const level of ['debug', 'info', 'warn', 'error', 'critical'] as const) {
    const original = logger[level];
    jest.spyOn(logger, level).mockImplementation((...args: Parameters<typeof logger.info>) => {
      loggerCalls.push(args);
      Reflect.apply(original, logger, args);
    });
  }
  capture.start();
});

afterEach(() => {
  capture.stop();
  jest.restoreAllMocks();
});

/** The one-time sign-in tokens of the emails sent so far (each email's link carries one). */
const signInTokens = () =>
  world.emails.flatMap((e) => [...e.text.matchAll(/#sign-in=([A-Za-z0-9_-]+)/g)].map((m) => m[1] ?? ''));

function expectNoSecrets(): void {
  const printed = capture.text;
  const handed = JSON.stringify(loggerCalls);
  for (const secret of [...SECRETS, ...signInTokens()]) {
    expect(printed).not.toContain(secret);
    expect(handed).not.toContain(secret);
  }
}

/** Trainee designated (both emails due), the TRAINING phase awaiting the exam. */
function training() {
  const company = Story.registered().notified(at('2027-01-10', '10:00:01.000Z')).designate().company;
  world.putCompany(company, 3);
  return company;
}

describe('handlers log ids and outcomes, never tokens or email addresses', () => {
  test('progress sending emails to the trainee and the contact', async () => {
    const company = training();

    await progress(
      { companyId: COMPANY_ID, execution: executionOf(company) },
      clockAt(at('2027-01-11', '10:00:05.000Z')),
    );

    expect(world.emails.map((e) => e.to)).toEqual([TRAINEE.email, CONTACT.email]);
    expect(signInTokens()).toHaveLength(2);
    expect(capture.records).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'progress',
        service: 'secor-lifecycle',
        companyId: COMPANY_ID,
        execution: 'co-1-c1-TRAINING',
        emailsSent: 2,
        plan: 'await',
      }),
    ]);
    expectNoSecrets();
  });

  test('await-step storing the token, and completing a task at once', async () => {
    const company = training();
    const execution = executionOf(company);
    await progress({ companyId: COMPANY_ID, execution }, clockAt(at('2027-01-11', '10:00:05.000Z')));

    await awaitStep(
      { companyId: COMPANY_ID, execution, iteration: 1, taskToken: TOKEN },
      clockAt(at('2027-01-11', '10:00:06.000Z')),
    );
    expect(world.stored(COMPANY_ID).pendingTask?.token).toBe(sealedForm(TOKEN, COMPANY_ID));

    world.writeConcurrently(
      COMPANY_ID,
      { type: 'recordExamAttempt', score: 90 },
      at('2027-01-20'),
      'assessor:t',
    );
    await awaitStep(
      { companyId: COMPANY_ID, execution, iteration: 2, taskToken: TOKEN },
      clockAt(at('2027-01-20', '10:00:01.000Z')),
    );
    expect(world.taskSuccesses.map((t) => t.taskToken)).toEqual([TOKEN]);

    expect(capture.records.map((r) => r.message)).toEqual([
      'progress',
      'awaiting step',
      'await completed at once',
    ]);
    expect(capture.records[1]).toMatchObject({ companyId: COMPANY_ID, step: 'TRAINING_EXAM' });
    expect(capture.records[2]).toMatchObject({ companyId: COMPANY_ID, plan: 'advance' });
    expectNoSecrets();
  });

  test('transition recording a failure (emailing operations)', async () => {
    const company = training();

    await transition(
      {
        companyId: COMPANY_ID,
        execution: executionOf(company),
        action: 'recordFailure',
        error: { Error: 'States.TaskFailed', Cause: 'boom' },
      },
      clockAt(at('2027-01-12')),
    );

    expect(world.emails.map((e) => e.to)).toContain(ENV.OPS_EMAIL);
    expect(capture.records).toEqual([
      expect.objectContaining({
        message: 'transition',
        action: 'recordFailure',
        phase: 'FAILED',
        plan: 'end',
      }),
    ]);
    expectNoSecrets();
  });

  test('failures (throttled SES, a missing company, a record that keeps changing) print no secrets either', async () => {
    const company = training();
    const execution = executionOf(company);
    world.fail('SendEmail', sesThrottled);
    // The refused email is delayed (the task goes on), with a warning naming the company and the error.
    await expect(
      progress({ companyId: COMPANY_ID, execution }, clockAt(at('2027-01-11'))),
    ).resolves.toMatchObject({ action: 'await' });
    expect(capture.records).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        message: 'emails delayed: the mail service refused one',
        companyId: COMPANY_ID,
        error: 'TooManyRequestsException',
      }),
    );

    await expect(
      awaitStep({ companyId: 'co-404', execution, taskToken: TOKEN }, clockAt(at('2027-01-11'))),
    ).rejects.toThrow('company co-404 not found');

    world.putCompany(Story.from(company).notified(at('2027-01-11', '10:00:01.000Z')).company, 10);
    world.before(
      'Update',
      () =>
        world.writeConcurrently(
          COMPANY_ID,
          { type: 'recordNotifications', through: 0, reminderKeys: [] },
          at('2027-01-11'),
          'system',
        ),
      5,
    );
    await expect(
      awaitStep({ companyId: COMPANY_ID, execution, taskToken: TOKEN }, clockAt(at('2027-01-11'))),
    ).rejects.toThrow('kept changing');

    expectNoSecrets();
  });
});
