/**
 * The outbox's delivery and repair against dynalite (real DynamoDB semantics, the table from infra/) with Step
 * Functions mocked: nextSignal (which signal a change leaves pending), the signalling function fed by the
 * table's stream (functions/tasks/signal.ts) and the reconciler's two sweeps (functions/tasks/reconcile.ts).
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { decide, phaseInput, type Company } from '../../../domain';
import { nextSignal, type Signal } from '../../../functions/lib/repositories/company-items';
import type { CompanyRepository } from '../../../functions/lib/repositories/company';
import { ensureTable, startDynamo, type LocalDynamo } from '../../../local/services/dynamodb';
import { LogCapture } from './logs';

const TABLE = 'secor-outbox-test';
const STATE_MACHINE_ARN =
  'arn:aws:states:ca-central-1:000000000000:stateMachine:SecorLifecycle-CertificationLifecycle';
const EXECUTION_ARN_PREFIX =
  'arn:aws:states:ca-central-1:000000000000:execution:SecorLifecycle-CertificationLifecycle:';
/** When every company of this file registers. */
const T0 = '2027-01-10T10:00:00.000Z';
const after = (ms: number, from = T0) => new Date(Date.parse(from) + ms).toISOString();
const HOUR = 3_600_000;
const MINUTE = 60_000;

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
const doesNotExist = () => new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} });

let dynamo: LocalDynamo;
let raw: DynamoDBClient;
let sfn: AwsClientStub<SFNClient>;
let repo: CompanyRepository;
let signalTask: typeof import('../../../functions/tasks/signal');
let reconcileTask: typeof import('../../../functions/tasks/reconcile');
let aws: typeof import('../../../functions/lib/aws');
let logs: LogCapture;
let companies = 0;

beforeAll(async () => {
  dynamo = await startDynamo();
  await ensureTable(dynamo.endpoint, TABLE);
  Object.assign(process.env, {
    AWS_REGION: 'ca-central-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    TABLE_NAME: TABLE,
    STATE_MACHINE_ARN,
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  });
  sfn = mockClient(SFNClient);
  // The handlers' modules read the environment when imported.
  aws = await import('../../../functions/lib/aws');
  signalTask = await import('../../../functions/tasks/signal');
  reconcileTask = await import('../../../functions/tasks/reconcile');
  const { CompanyRepository: Repository } = await import('../../../functions/lib/repositories/company');
  repo = new Repository(TABLE);
  raw = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'ca-central-1' });
});

afterAll(async () => {
  sfn.restore();
  raw.destroy();
  await dynamo.close();
});

beforeEach(async () => {
  // Every test starts from an empty table: the executions sweep reads every active company.
  const out = await aws.dynamo.send(new ScanCommand({ TableName: TABLE }));
  for (const item of out.Items ?? []) {
    await aws.dynamo.send(new DeleteCommand({ TableName: TABLE, Key: { PK: item.PK, SK: item.SK } }));
  }
  sfn.reset();
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:started', startDate: new Date(T0) });
  sfn.on(SendTaskSuccessCommand).resolves({});
  // A DescribeExecution the test did not set up is an error (not an execution that silently "does not exist").
  sfn.on(DescribeExecutionCommand).rejects(new Error('DescribeExecution not set up by the test'));
  logs = new LogCapture().start();
});

afterEach(() => {
  logs.stop();
});

/** A company registered at `registeredAt` (the sign-up's conditional put: it leaves a pending 'start' signal). */
async function signUp(registeredAt = T0): Promise<{ company: Company; signal: Signal }> {
  companies += 1;
  const companyId = `co-outbox-${companies}`;
  const { company } = decide(
    null,
    {
      type: 'register',
      companyId,
      legalName: `Outbox Roofing ${companies} Ltd.`,
      region: 'AB',
      employeeCount: 6,
      industry: 'construction',
      contact: { name: 'Casey Contact', email: 'casey@outbox.example' },
    },
    { now: registeredAt, by: 'public' },
  );
  const stored = await repo.create(company, [], Date.parse(registeredAt));
  if (!stored.signal) throw new Error('create wrote no signal');
  return { company, signal: stored.signal };
}

/** A registered company whose start signal was delivered already (no signal pending). */
async function active(registeredAt = T0): Promise<Company> {
  const { company, signal } = await signUp(registeredAt);
  expect(await repo.clearSignal(company.companyId, signal.id)).toBe(true);
  return company;
}

/** The stream record AWS delivers for the company item as stored now (NEW_IMAGE, DynamoDB JSON). */
async function streamRecord(companyId: string, sequence: string): Promise<DynamoDBRecord> {
  const out = await raw.send(
    new GetItemCommand({
      TableName: TABLE,
      Key: { PK: { S: `COMPANY#${companyId}` }, SK: { S: 'PROFILE' } },
      ConsistentRead: true,
    }),
  );
  if (!out.Item) throw new Error(`no company ${companyId}`);
  return {
    eventID: `event-${sequence}`,
    eventName: 'MODIFY',
    eventSource: 'aws:dynamodb',
    dynamodb: {
      Keys: { PK: out.Item.PK, SK: out.Item.SK } as never,
      NewImage: out.Item as never,
      SequenceNumber: sequence,
      StreamViewType: 'NEW_IMAGE',
    },
  };
}

const eventOf = (...records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });

const signalLogs = () =>
  logs.records
    .filter((r) => r.message === 'signal')
    .map((r) => ({ companyId: r.companyId, outcome: r.outcome }));

const describeAs = (name: string, status: 'RUNNING' | 'SUCCEEDED' | 'ABORTED' | 'missing') => {
  const matcher = sfn.on(DescribeExecutionCommand, { executionArn: `${EXECUTION_ARN_PREFIX}${name}` });
  if (status === 'missing') matcher.rejects(doesNotExist());
  else matcher.resolves({ status, executionArn: `${EXECUTION_ARN_PREFIX}${name}` });
};

const startedNames = () => sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);

describe('nextSignal: the signal a change leaves pending', () => {
  const start: Signal = { id: 'sig-1', kind: 'start', execution: 'co-1-c1-REGISTRATION', at: T0 };
  const notify: Signal = { id: 'sig-1', kind: 'notify', execution: 'co-1-c1-TRAINING', at: T0 };
  const later = after(HOUR);

  test('a notify over a pending start of the same execution keeps kind start, execution and `at`, under the new id', () => {
    expect(nextSignal(start, 'notify', 'co-1-c1-REGISTRATION', later, 'sig-2')).toEqual({
      id: 'sig-2',
      kind: 'start',
      execution: 'co-1-c1-REGISTRATION',
      at: T0,
    });
  });

  // Found by review: designating the trainee (notify) moves REGISTRATION to TRAINING; a start of REGISTRATION
  // still pending was replaced by a notify, and no execution was started until the daily sweep.
  test('a notify that moved the company to another execution keeps the pending start, for the current execution', () => {
    expect(nextSignal(start, 'notify', 'co-1-c1-TRAINING', later, 'sig-2')).toEqual({
      id: 'sig-2',
      kind: 'start',
      execution: 'co-1-c1-TRAINING',
      at: T0,
    });
  });

  test('a start replaces a pending start and a pending notify: the new execution, `at` and id', () => {
    const expected = { id: 'sig-2', kind: 'start', execution: 'co-1-c1-TRAINING-r3', at: later };
    expect(nextSignal(start, 'start', 'co-1-c1-TRAINING-r3', later, 'sig-2')).toEqual(expected);
    expect(nextSignal(notify, 'start', 'co-1-c1-TRAINING-r3', later, 'sig-2')).toEqual(expected);
  });

  test('a notify replaces a pending notify: the new id and `at`', () => {
    expect(nextSignal(notify, 'notify', 'co-1-c1-TRAINING', later, 'sig-2')).toEqual({
      id: 'sig-2',
      kind: 'notify',
      execution: 'co-1-c1-TRAINING',
      at: later,
    });
  });

  test('a change with no workflow effect (null) leaves the pending signal as it was, and none when none was pending', () => {
    expect(nextSignal(start, null, 'co-1-c1-TRAINING', later, 'sig-2')).toBe(start);
    expect(nextSignal(notify, null, 'co-1-c1-TRAINING', later, 'sig-2')).toBe(notify);
    expect(nextSignal(null, null, 'co-1-c1-TRAINING', later, 'sig-2')).toBeNull();
    expect(nextSignal(undefined, null, 'co-1-c1-TRAINING', later, 'sig-2')).toBeNull();
  });

  test('a notify with nothing pending leaves a notify of that execution, stamped `at`, with the new id', () => {
    expect(nextSignal(null, 'notify', 'co-1-c1-TRAINING', later, 'sig-2')).toEqual({
      id: 'sig-2',
      kind: 'notify',
      execution: 'co-1-c1-TRAINING',
      at: later,
    });
    expect(nextSignal(undefined, 'notify', 'co-1-c1-TRAINING', later, 'sig-2')).toMatchObject({
      kind: 'notify',
    });
  });
});

describe('signal handler: records it skips', () => {
  test('signalOf is null for a record without NewImage.signal, with an SK other than PROFILE, or without a NewImage', async () => {
    const { company, signal } = await signUp();
    const record = await streamRecord(company.companyId, '100');
    const image = record.dynamodb?.NewImage ?? {};
    expect(signalTask.signalOf(record)).toEqual({ companyId: company.companyId, signalId: signal.id });

    const { signal: _signal, ...withoutSignal } = image;
    const noSignal = { ...record, dynamodb: { ...record.dynamodb, NewImage: withoutSignal } };
    const notProfile = {
      ...record,
      dynamodb: { ...record.dynamodb, NewImage: { ...image, SK: { S: 'CERT#X' } } },
    };
    const removed: DynamoDBRecord = { eventName: 'REMOVE', dynamodb: { SequenceNumber: '101' } };
    expect(signalTask.signalOf(noSignal)).toBeNull();
    expect(signalTask.signalOf(notProfile)).toBeNull();
    expect(signalTask.signalOf(removed)).toBeNull();
  });

  test('a batch of records without a signal or with SK other than PROFILE (carrying the pending id) calls no Step Functions API and clears nothing', async () => {
    const { company, signal } = await signUp();
    const record = await streamRecord(company.companyId, '100');
    const image = record.dynamodb?.NewImage ?? {};
    const { signal: _signal, ...withoutSignal } = image;

    const out = await signalTask.run(
      eventOf(
        { ...record, dynamodb: { ...record.dynamodb, NewImage: withoutSignal } },
        {
          ...record,
          dynamodb: { ...record.dynamodb, NewImage: { ...image, SK: { S: 'CERT#SECOR-AB-2027-000001' } } },
        },
      ),
      () => after(MINUTE),
    );

    expect(out).toEqual({ batchItemFailures: [] });
    expect(sfn.calls()).toHaveLength(0);
    expect((await repo.load(company.companyId))?.signal).toEqual(signal);
    expect(signalLogs()).toEqual([]);
  });
});

describe('signal handler: delivers the pending signal the record carries', () => {
  test('a record whose signal id is no longer the stored one is "superseded": no Step Functions call, the stored signal stays', async () => {
    const { company, signal } = await signUp();
    const record = await streamRecord(company.companyId, '100');
    const image = record.dynamodb?.NewImage ?? {};
    const stale = {
      ...record,
      dynamodb: {
        ...record.dynamodb,
        NewImage: { ...image, signal: { M: { id: { S: 'an-older-signal' } } } },
      },
    };

    const out = await signalTask.run(eventOf(stale), () => after(MINUTE));

    expect(out).toEqual({ batchItemFailures: [] });
    expect(sfn.calls()).toHaveLength(0);
    expect((await repo.load(company.companyId))?.signal).toEqual(signal);
    expect(signalLogs()).toEqual([{ companyId: company.companyId, outcome: 'superseded' }]);
  });

  test('a "start" signal → StartExecution under the company\'s execution name with its phase input; the signal and its index keys are cleared', async () => {
    const { company, signal } = await signUp();
    expect(signal).toMatchObject({ kind: 'start', execution: `${company.companyId}-c1-REGISTRATION` });

    const out = await signalTask.run(eventOf(await streamRecord(company.companyId, '100')), () =>
      after(MINUTE),
    );

    expect(out).toEqual({ batchItemFailures: [] });
    const calls = sfn.commandCalls(StartExecutionCommand);
    expect(calls.map((c) => c.args[0].input)).toEqual([
      {
        stateMachineArn: STATE_MACHINE_ARN,
        name: `${company.companyId}-c1-REGISTRATION`,
        input: JSON.stringify(phaseInput(company)),
      },
    ]);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    expect((await repo.load(company.companyId))?.signal).toBeNull();
    const item = (await streamRecord(company.companyId, '101')).dynamodb?.NewImage ?? {};
    expect(item).not.toHaveProperty('gsiSignal');
    expect(item).not.toHaveProperty('gsiSignalAt');
    expect(signalLogs()).toEqual([{ companyId: company.companyId, outcome: 'delivered' }]);
  });

  test('a "notify" signal with a stored pendingTask → SendTaskSuccess with that token (the plan advances to the new execution); the signal is cleared', async () => {
    const company = await active();
    const waiting = await repo.load(company.companyId);
    if (!waiting) throw new Error('no company');
    await repo.storeTaskToken(company.companyId, waiting.version, {
      token: 'registration-task-token',
      executionName: company.execution.name,
      executionStartedAt: T0,
      iteration: 1,
      storedAt: T0,
    });
    const designatedAt = after(HOUR);
    const { stored } = await repo.mutate(
      company.companyId,
      (s) =>
        decide(
          s.company,
          { type: 'designateTrainee', trainee: { name: 'Terry Trainee', email: 'terry@outbox.example' } },
          { now: designatedAt, by: 'company' },
        ),
      5,
      { now: () => designatedAt },
    );
    expect(stored.signal).toMatchObject({ kind: 'notify', execution: `${company.companyId}-c1-TRAINING` });

    const out = await signalTask.run(eventOf(await streamRecord(company.companyId, '100')), () =>
      after(MINUTE, designatedAt),
    );

    expect(out).toEqual({ batchItemFailures: [] });
    const calls = sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.taskToken)).toEqual(['registration-task-token']);
    expect(JSON.parse(calls[0]?.output ?? 'null')).toEqual({
      action: 'advance',
      next: { name: `${company.companyId}-c1-TRAINING`, input: phaseInput(stored.company) },
    });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect((await repo.load(company.companyId))?.signal).toBeNull();
  });

  test("a sealed task token is opened with KMS, under the company's encryption context, before SendTaskSuccess", async () => {
    const kms = mockClient(KMSClient);
    kms
      .on(DecryptCommand)
      .callsFake((input: { CiphertextBlob: Uint8Array; EncryptionContext: Record<string, string> }) => ({
        Plaintext: Buffer.from(
          `opened:${Buffer.from(input.CiphertextBlob).toString('utf8')}:${input.EncryptionContext.companyId}`,
        ),
      }));
    try {
      const company = await active();
      const waiting = await repo.load(company.companyId);
      if (!waiting) throw new Error('no company');
      await repo.storeTaskToken(company.companyId, waiting.version, {
        token: Buffer.from('blob').toString('base64'),
        sealed: true,
        executionName: company.execution.name,
        executionStartedAt: T0,
        iteration: 1,
        storedAt: T0,
      });
      const at = after(HOUR);
      await repo.mutate(
        company.companyId,
        (s) =>
          decide(
            s.company,
            { type: 'designateTrainee', trainee: { name: 'Terry Trainee', email: 'terry@outbox.example' } },
            { now: at, by: 'company' },
          ),
        5,
        { now: () => at },
      );
      await signalTask.run(eventOf(await streamRecord(company.companyId, '101')), () => after(MINUTE, at));
      expect(kms.commandCalls(DecryptCommand).map((c) => c.args[0].input.EncryptionContext)).toEqual([
        { purpose: 'task-token', companyId: company.companyId },
      ]);
      expect(sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input.taskToken)).toEqual([
        `opened:blob:${company.companyId}`,
      ]);
    } finally {
      kms.restore();
    }
  });

  test('the Lambda entry point `handler`, called with (event, context), delivers a start signal and clears it', async () => {
    const { company } = await signUp();
    const lambda = signalTask.handler as unknown as (e: DynamoDBStreamEvent, c: object) => Promise<unknown>;

    const out = await lambda(eventOf(await streamRecord(company.companyId, '100')), {
      awsRequestId: 'request-1',
      getRemainingTimeInMillis: () => 1000,
    });

    expect(out).toEqual({ batchItemFailures: [] });
    expect(startedNames()).toEqual([company.execution.name]);
    expect((await repo.load(company.companyId))?.signal).toBeNull();
  });

  test('Step Functions throttled on the first record → batchItemFailures holds its SequenceNumber, later records are not attempted, both signals stay pending', async () => {
    const first = await signUp();
    const second = await signUp();
    sfn
      .on(StartExecutionCommand, { name: first.company.execution.name })
      .rejects(throttled())
      .on(StartExecutionCommand, { name: second.company.execution.name })
      .resolves({ executionArn: 'arn:started', startDate: new Date(T0) });

    const out = await signalTask.run(
      eventOf(
        await streamRecord(first.company.companyId, '000000000000000000100'),
        await streamRecord(second.company.companyId, '000000000000000000200'),
      ),
      () => after(MINUTE),
    );

    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: '000000000000000000100' }] });
    expect(startedNames()).toEqual([first.company.execution.name]);
    expect((await repo.load(first.company.companyId))?.signal).toEqual(first.signal);
    expect((await repo.load(second.company.companyId))?.signal).toEqual(second.signal);
  });
});

describe('reconciler, executions sweep: every active company has its execution running', () => {
  const NOW = after(HOUR); // well past QUIET_MS after every registration at T0

  test('an active company whose execution does not exist is started under its name and counted repaired', async () => {
    const company = await active();
    describeAs(company.execution.name, 'missing');

    const result = await reconcileTask.run({ sweep: 'executions' }, () => NOW);

    expect(result).toEqual({ sweep: 'executions', checked: 1, repaired: 1, failed: 0 });
    expect(sfn.commandCalls(DescribeExecutionCommand).map((c) => c.args[0].input.executionArn)).toEqual([
      `${EXECUTION_ARN_PREFIX}${company.execution.name}`,
    ]);
    expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input)).toEqual([
      {
        stateMachineArn: STATE_MACHINE_ARN,
        name: company.execution.name,
        input: JSON.stringify(phaseInput(company)),
      },
    ]);
    expect((await repo.load(company.companyId))?.company.execution.name).toBe(company.execution.name);
  });

  test('an active company whose execution is RUNNING is not touched: no start, record unchanged, 0 repaired', async () => {
    const company = await active();
    describeAs(company.execution.name, 'RUNNING');
    const before = await repo.load(company.companyId);

    const result = await reconcileTask.run({ sweep: 'executions' }, () => NOW);

    expect(result).toEqual({ sweep: 'executions', checked: 1, repaired: 0, failed: 0 });
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(1);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(await repo.load(company.companyId)).toEqual(before);
  });

  test.each(['SUCCEEDED', 'ABORTED'] as const)(
    'an execution %s while the record still names it → the record moves to a new execution, which is started; 1 repaired',
    async (status) => {
      const company = await active();
      describeAs(company.execution.name, status);

      const result = await reconcileTask.run({ sweep: 'executions' }, () => NOW);

      expect(result).toEqual({ sweep: 'executions', checked: 1, repaired: 1, failed: 0 });
      const after = await repo.load(company.companyId);
      const moved = after?.company.execution.name;
      expect(moved).toBe(`${company.execution.name}-r2`);
      expect(after?.company.history.at(-1)).toMatchObject({
        type: 'EXECUTION_CONTINUED',
        at: NOW,
        details: { previousExecution: company.execution.name, execution: moved },
      });
      expect(after?.executions).toEqual([company.execution.name, moved]);
      expect(startedNames()).toEqual([moved]);
      expect(after?.signal).toBeNull(); // the reconciler starts it itself: nothing left for the outbox
    },
  );

  test('a company changed less than QUIET_MS ago is skipped: not described, not started, 0 repaired', async () => {
    const company = await active(after(-reconcileTask.QUIET_MS + MINUTE, NOW));
    describeAs(company.execution.name, 'missing');

    const result = await reconcileTask.run({ sweep: 'executions' }, () => NOW);

    expect(result).toEqual({ sweep: 'executions', checked: 1, repaired: 0, failed: 0 });
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('a company with a pending signal is skipped (the outbox owns it): not described, not started, signal kept', async () => {
    const { company, signal } = await signUp();
    describeAs(company.execution.name, 'missing');

    const result = await reconcileTask.run({ sweep: 'executions' }, () => NOW);

    expect(result).toEqual({ sweep: 'executions', checked: 1, repaired: 0, failed: 0 });
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect((await repo.load(company.companyId))?.signal).toEqual(signal);
  });
});

describe('reconciler: the Lambda entry point', () => {
  test('`handler`, called with (event, context), runs the signals sweep at the system time: a stale signal is delivered', async () => {
    const { company } = await signUp(
      after(-reconcileTask.SIGNAL_STALE_MS - MINUTE, new Date().toISOString()),
    );
    const lambda = reconcileTask.handler as unknown as (e: object, c: object) => Promise<unknown>;

    const result = await lambda({ sweep: 'signals' }, { awsRequestId: 'request-1' });

    expect(result).toEqual({ sweep: 'signals', checked: 1, repaired: 1, failed: 0 });
    expect(startedNames()).toEqual([company.execution.name]);
  });
});

describe('reconciler, signals sweep', () => {
  test('a signal younger than SIGNAL_STALE_MS is ignored; once older, it is delivered (started) and cleared', async () => {
    const { company, signal } = await signUp();
    const stale = reconcileTask.SIGNAL_STALE_MS;

    const early = await reconcileTask.run({ sweep: 'signals' }, () => after(stale - 1_000));

    expect(early).toEqual({ sweep: 'signals', checked: 0, repaired: 0, failed: 0 });
    expect(sfn.calls()).toHaveLength(0);
    expect((await repo.load(company.companyId))?.signal).toEqual(signal);

    const late = await reconcileTask.run({ sweep: 'signals' }, () => after(stale + 1_000));

    expect(late).toEqual({ sweep: 'signals', checked: 1, repaired: 1, failed: 0 });
    expect(startedNames()).toEqual([company.execution.name]);
    expect((await repo.load(company.companyId))?.signal).toBeNull();
  });
});
