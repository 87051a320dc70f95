/**
 * The SES feedback handler (functions/tasks/ses-feedback.ts), fed the events SES publishes to EventBridge for
 * the configuration set, against the in-memory table behind aws-sdk-client-mock; and the lifecycle metrics the
 * task handlers publish (functions/lib/metrics.ts) as Embedded Metric Format lines.
 */
import { World, ddb, ses, sesThrottled } from './world';
import { wakeAtOn } from '../../../domain';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import {
  run as handler,
  type SesFeedbackDetail,
  type SesFeedbackEvent,
} from '../../../functions/tasks/ses-feedback';
import { run as progress } from '../../../functions/tasks/progress';
import { at, clockAt, COMPANY_ID, CONTACT, executionOf, Story, TRAINEE } from './companies';
import { ENV } from './setup-env';
import { captureLogsOfEachTest } from './logs';

const PROFILE = `COMPANY#${COMPANY_ID}|PROFILE`;
const NOW = at('2027-01-12', '08:30:00.000Z');

let world: World;
const logs = captureLogsOfEachTest(() => [CONTACT.email, TRAINEE.email, ENV.OPS_EMAIL]);
beforeEach(() => {
  world = new World().install();
});

/** The company in training (version 3), every email so far sent. */
function training() {
  const company = Story.registered().designate().notified(at('2027-01-11', '10:00:01.000Z')).company;
  world.putCompany(company, 3);
  return company;
}

const tags = (overrides: Record<string, string[] | undefined> = {}) => ({
  'ses:configuration-set': ['SecorLifecycle-config'],
  'ses:from-domain': ['secor.example'],
  companyId: [COMPANY_ID],
  kind: ['reminder'],
  recipient: ['trainee'],
  ...overrides,
});

function sesEvent(detailType: string, detail: SesFeedbackDetail): SesFeedbackEvent {
  return {
    version: '0',
    id: 'f2a1b3c4-0000-4000-8000-000000000001',
    'detail-type': detailType,
    source: 'aws.ses',
    account: '123456789012',
    time: '2027-01-12T08:29:58Z',
    region: 'ca-central-1',
    resources: [],
    detail,
  };
}

/** A hard bounce as SES publishes it (the address appears in several fields: none may be recorded). */
const bounce = (mailTags = tags(), messageId = 'msg-0001') =>
  sesEvent('Email Bounced', {
    eventType: 'Bounce',
    bounce: {
      bounceType: 'Permanent',
      bounceSubType: 'General',
      bouncedRecipients: [
        {
          emailAddress: TRAINEE.email,
          action: 'failed',
          status: '5.1.1',
          diagnosticCode: `smtp; 550 5.1.1 <${TRAINEE.email}>: user unknown`,
        },
      ],
      timestamp: '2027-01-12T08:29:57.000Z',
      feedbackId: '0100017-feedback',
      reportingMTA: 'dsn; mta.acme.example',
    },
    mail: {
      timestamp: '2027-01-12T08:29:50.000Z',
      source: ENV.SENDER_ADDRESS,
      messageId,
      destination: [TRAINEE.email],
      tags: mailTags,
    },
  });

const complaint = (mailTags = tags({ recipient: ['contact'], kind: ['welcome'] })) =>
  sesEvent('Email Complaint Received', {
    eventType: 'Complaint',
    complaint: {
      complainedRecipients: [{ emailAddress: CONTACT.email }],
      complaintFeedbackType: 'abuse',
      timestamp: '2027-01-12T08:29:57.000Z',
      feedbackId: '0100017-complaint',
    },
    mail: {
      messageId: 'msg-0002',
      destination: [CONTACT.email],
      tags: mailTags,
    },
  });

describe('ses-feedback: bounces and complaints recorded on the company', () => {
  test('a bounce: EMAIL_BOUNCED (role and reason, no address) and the emailIssue flag, in one conditional write', async () => {
    training();

    const outcome = await handler(bounce(), clockAt(NOW));

    expect(outcome).toBe('recorded');
    expect(world.journal).toEqual([`Get ${PROFILE}`, `Update ${PROFILE}`]);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: ENV.TABLE_NAME,
      Key: { PK: `COMPANY#${COMPANY_ID}`, SK: 'PROFILE' },
      ConditionExpression: '#version = :expected',
    });
    const stored = world.stored(COMPANY_ID);
    expect(stored.version).toBe(4);
    expect(stored.record.phase).toBe('TRAINING');
    expect(stored.record.emailIssue).toEqual({ kind: 'bounce', recipient: 'trainee', at: NOW });
    expect(stored.record.history.at(-1)).toEqual({
      at: NOW,
      type: 'EMAIL_BOUNCED',
      by: 'system',
      details: {
        recipient: 'trainee',
        reason: 'Permanent bounce (General) status 5.1.1',
        messageId: 'msg-0001',
      },
    });
    // The ops list reads the flag from the byPhase index: it is written as an index attribute too.
    expect(world.item(`COMPANY#${COMPANY_ID}`, 'PROFILE')?.emailIssue).toEqual({
      kind: 'bounce',
      recipient: 'trainee',
      at: NOW,
    });
    expect(JSON.stringify([stored.record.history, stored.record.emailIssue])).not.toContain('@');
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
    expect(logs.records).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'SES feedback recorded',
        companyId: COMPANY_ID,
        feedback: 'bounce',
        recipient: 'trainee',
        kind: 'reminder',
      }),
    ]);
  });

  test('a complaint: EMAIL_COMPLAINED with the complaint type; the flag names the contact', async () => {
    training();

    expect(await handler(complaint(), clockAt(NOW))).toBe('recorded');

    const stored = world.stored(COMPANY_ID);
    expect(stored.record.emailIssue).toEqual({ kind: 'complaint', recipient: 'contact', at: NOW });
    expect(stored.record.history.at(-1)).toEqual({
      at: NOW,
      type: 'EMAIL_COMPLAINED',
      by: 'system',
      details: { recipient: 'contact', reason: 'complaint (abuse)', messageId: 'msg-0002' },
    });
  });

  test('the same event delivered twice is recorded once', async () => {
    training();
    await handler(bounce(), clockAt(NOW));

    const again = await handler(bounce(), clockAt(at('2027-01-12', '08:31:00.000Z')));

    expect(again).toBe('duplicate');
    expect(world.ops('Update')).toHaveLength(1);
    expect(world.stored(COMPANY_ID).record.history.filter((e) => e.type === 'EMAIL_BOUNCED')).toHaveLength(1);
  });

  test('a company that changes meanwhile: the write is retried on the new version (nothing is lost)', async () => {
    training();
    world.before('Update', () =>
      world.writeConcurrently(COMPANY_ID, { type: 'recordExamAttempt', score: 40 }, NOW, 'assessor:t'),
    );

    expect(await handler(bounce(), clockAt(NOW))).toBe('recorded');

    const stored = world.stored(COMPANY_ID);
    expect(stored.version).toBe(5);
    expect(stored.record.history.map((e) => e.type).slice(-2)).toEqual(['EXAM_FAILED', 'EMAIL_BOUNCED']);
    expect(stored.record.training.attempts).toHaveLength(1);
  });

  test('an unknown company: ignored without failing (no write)', async () => {
    training();

    const outcome = await handler(bounce(tags({ companyId: ['c0000000000000000dead'] })), clockAt(NOW));

    expect(outcome).toBe('ignored');
    expect(world.journal).toEqual(['Get COMPANY#c0000000000000000dead|PROFILE']);
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(logs.records).toEqual([
      expect.objectContaining({
        level: 'WARN',
        message: 'SES feedback for an unknown company: ignored',
        companyId: 'c0000000000000000dead',
      }),
    ]);
  });

  test.each([
    ['no companyId tag', bounce(tags({ companyId: undefined }))],
    ['an empty companyId tag', bounce(tags({ companyId: [] }))],
    ['no recipient tag', bounce(tags({ recipient: undefined }))],
    ['a recipient that is no role', bounce(tags({ recipient: ['someone_else'] }))],
    ['no tags at all (an email sent without the mailer)', bounce({} as ReturnType<typeof tags>)],
    [
      'an event type the rule does not forward',
      sesEvent('Email Delivered', { eventType: 'Delivery', mail: { messageId: 'm', tags: tags() } }),
    ],
  ])('%s: ignored without failing, nothing read or written', async (_case, event) => {
    training();

    expect(await handler(event, clockAt(NOW))).toBe('ignored');

    expect(ddb).not.toHaveReceivedCommand(GetCommand);
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(world.stored(COMPANY_ID).version).toBe(3);
    expect(logs.records).toEqual([
      expect.objectContaining({ level: 'WARN', message: expect.stringContaining('ignored') }),
    ]);
  });

  test('a DynamoDB failure is thrown (EventBridge retries the event)', async () => {
    training();
    world.fail(
      'Get',
      () => new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }),
    );

    await expect(handler(bounce(), clockAt(NOW))).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
    expect(world.stored(COMPANY_ID).version).toBe(3);
  });

  test('a bounce without details still records a readable reason', async () => {
    training();
    const event = sesEvent('Email Bounced', {
      eventType: 'Bounce',
      mail: { messageId: 'm-3', tags: tags() },
    });

    await handler(event, clockAt(NOW));

    expect(world.stored(COMPANY_ID).record.history.at(-1)?.details).toEqual({
      recipient: 'trainee',
      reason: 'Unknown bounce',
      messageId: 'm-3',
    });
  });
});

describe('lifecycle metrics (EMF) published by the task handlers', () => {
  interface EmfRecord {
    _aws: {
      CloudWatchMetrics: {
        Namespace: string;
        Dimensions: string[][];
        Metrics: { Name: string; Unit: string }[];
      }[];
    };
    [key: string]: unknown;
  }
  const emf = () => logs.records.filter((r): r is EmfRecord => '_aws' in r);

  afterEach(() => {
    delete process.env.AWS_LAMBDA_FUNCTION_NAME;
  });

  test('in Lambda: each phase entry the watermark passes, once, with the Phase dimension', async () => {
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'SecorLifecycle-ProgressTask';
    const company = Story.registered().designate().company; // REGISTERED, TRAINEE_DESIGNATED, PHASE_ENTERED
    world.putCompany(company, 2);

    await progress(
      { companyId: COMPANY_ID, execution: executionOf(company) },
      clockAt(at('2027-01-11', '10:00:05.000Z')),
    );

    const records = emf();
    expect(records.map((r) => [r.Phase, r.CompaniesEnteringPhase])).toEqual([
      ['REGISTERED', 1],
      ['TRAINING', 1],
    ]);
    for (const r of records) {
      expect(r.service).toBe('secor-lifecycle');
      expect(r._aws.CloudWatchMetrics).toEqual([
        {
          Namespace: 'SecorLifecycle',
          Dimensions: [['service', 'Phase']],
          Metrics: [{ Name: 'CompaniesEnteringPhase', Unit: 'Count' }],
        },
      ]);
    }

    // Every line printed is a structured record: no Powertools warning besides them.
    expect(
      logs.text
        .trim()
        .split('\n')
        .every((line) => line.startsWith('{')),
    ).toBe(true);

    // A second run finds nothing new past the watermark: nothing is counted twice.
    await progress(
      { companyId: COMPANY_ID, execution: executionOf(company) },
      clockAt(at('2027-01-11', '10:00:09.000Z')),
    );
    expect(emf()).toHaveLength(2);
  });

  test('in Lambda: a reminder sent is counted (RemindersSent, service dimension only)', async () => {
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'SecorLifecycle-ProgressTask';
    const company = Story.registered().notified(at('2027-01-10', '10:00:03.000Z')).company;
    world.putCompany(company, 2);

    // The first reminder (60 days before the 2027-07-10 due date), at the company's business-hours minute.
    await progress(
      { companyId: COMPANY_ID, execution: executionOf(company), iteration: 1 },
      clockAt(wakeAtOn(company, '2027-05-11')),
    );

    expect(world.emails.map((e) => e.tags.kind)).toEqual(['reminder']);
    const records = emf();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ service: 'secor-lifecycle', RemindersSent: 1 });
    expect(records[0]?._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'SecorLifecycle',
      Dimensions: [['service']],
    });
  });

  test('in Lambda: emails the mail service refuses are measured (EmailDelaySeconds) until they go', async () => {
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'SecorLifecycle-ProgressTask';
    const company = Story.registered().company;
    world.putCompany(company);
    world.fail('SendEmail', sesThrottled);
    const now = at('2027-01-10', '10:00:02.000Z');

    await progress({ companyId: COMPANY_ID, execution: executionOf(company) }, clockAt(now));

    const delayMetric = (r: EmfRecord) => r.EmailDelaySeconds;
    expect(emf().map(delayMetric)).toEqual([0]);
    expect(emf()[0]?._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'SecorLifecycle',
      Dimensions: [['service']],
      Metrics: [{ Name: 'EmailDelaySeconds', Unit: 'Seconds' }],
    });

    // The retry sends the welcome: the delay it waited is published once more.
    const retryAt = world.stored(COMPANY_ID).record.mailDelay?.retryAt ?? '';
    await progress(
      { companyId: COMPANY_ID, execution: executionOf(company), iteration: 1 },
      clockAt(retryAt),
    );
    expect(world.emails.map((e) => e.tags.kind)).toEqual(['welcome']);
    const published = emf().filter((r) => 'EmailDelaySeconds' in r);
    expect(published.map(delayMetric)).toEqual([
      0,
      Math.round((Date.parse(retryAt) - Date.parse(now)) / 1000),
    ]);
  });

  test('outside Lambda (local runtime, tests): nothing printed but the log record, and no empty-metrics warning', async () => {
    const company = Story.registered().designate().company;
    world.putCompany(company, 2);

    await progress(
      { companyId: COMPANY_ID, execution: executionOf(company) },
      clockAt(at('2027-01-11', '10:00:05.000Z')),
    );
    await handler(bounce(), clockAt(NOW));

    expect(emf()).toEqual([]);
    expect(logs.text).not.toContain('No application metrics');
    expect(logs.records.map((r) => r.message)).toEqual(['progress', 'SES feedback recorded']);
  });

  test('in Lambda with nothing counted: no EMF line and no warning', async () => {
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'SecorLifecycle-ProgressTask';
    const company = Story.registered().notified(at('2027-01-10', '10:00:03.000Z')).company;
    world.putCompany(company, 2);

    await progress(
      { companyId: COMPANY_ID, execution: executionOf(company) },
      clockAt(at('2027-01-10', '10:00:05.000Z')),
    );

    expect(emf()).toEqual([]);
    expect(logs.text).not.toContain('No application metrics');
  });
});
