/**
 * The local stand-in for the table's DynamoDB stream (local/outbox.ts) against dynalite: what it feeds the
 * signalling function, what it feeds again, and that its drains never overlap. The handler is a test double
 * that records each invocation and "delivers" (clears the signal) unless told to fail.
 */
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { decide, type Company } from '../../../domain';
import type { CompanyRepository } from '../../../functions/lib/repositories/company';
import type { Signal } from '../../../functions/lib/repositories/company-items';
import { LocalOutboxStream, type StreamHandler } from '../../../local/outbox';
import { ensureTable, startDynamo, type LocalDynamo } from '../../../local/services/dynamodb';

const T0 = '2027-01-10T10:00:00.000Z';

let dynamo: LocalDynamo;
let Repository: typeof CompanyRepository;
let tables = 0;
let companies = 0;

beforeAll(async () => {
  dynamo = await startDynamo();
  Object.assign(process.env, {
    AWS_REGION: 'ca-central-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    TABLE_NAME: 'secor-outbox-stream-unused',
  });
  // The repository's DynamoDB client reads its endpoint from the environment when its module is imported.
  ({ CompanyRepository: Repository } = await import('../../../functions/lib/repositories/company'));
});

afterAll(async () => {
  await dynamo.close();
});

const streams: LocalOutboxStream[] = [];
/** A fresh table per test (the stream reads every pending signal of its table) and its repository. */
async function fixture(): Promise<{ table: string; repo: CompanyRepository }> {
  tables += 1;
  const table = `secor-outbox-stream-${tables}`;
  await ensureTable(dynamo.endpoint, table);
  return { table, repo: new Repository(table) };
}
/** The stream of `table`, feeding `handler`. */
function streamOf(table: string, handler: StreamHandler): LocalOutboxStream {
  const stream = new LocalOutboxStream(table, () => Promise.resolve(handler), dynamo.endpoint);
  streams.push(stream);
  return stream;
}
afterEach(() => {
  for (const s of streams.splice(0)) s.close();
});

/** Signs a company up (its item carries a pending 'start' signal). */
async function signUp(repo: CompanyRepository): Promise<{ company: Company; signal: Signal }> {
  companies += 1;
  const { company } = decide(
    null,
    {
      type: 'register',
      companyId: `co-stream-${companies}`,
      legalName: `Stream Roofing ${companies} Ltd.`,
      region: 'AB',
      employeeCount: 6,
      contact: { name: 'Casey Contact', email: 'casey@stream.example' },
    },
    { now: T0, by: 'public' },
  );
  const stored = await repo.create(company, [], Date.parse(T0));
  if (!stored.signal) throw new Error('create wrote no signal');
  return { company, signal: stored.signal };
}

interface Recorder {
  handler: StreamHandler;
  events: DynamoDBStreamEvent[];
  /** Signal ids the handler was fed, in order. */
  fed(): string[];
}

/**
 * A handler double. `outcome(record)` says what it does with each record: 'deliver' clears the signal it
 * carries (as the signalling function does), 'fail' reports it as a batch item failure, 'throw' throws.
 */
function recorder(
  repo: CompanyRepository,
  outcome: (record: DynamoDBRecord, call: number) => 'deliver' | 'fail' | 'throw' = () => 'deliver',
  before?: (call: number) => Promise<void>,
): Recorder {
  const events: DynamoDBStreamEvent[] = [];
  const handler: StreamHandler = async (event): Promise<DynamoDBBatchResponse> => {
    events.push(structuredClone(event));
    const call = events.length;
    if (before) await before(call);
    const failures: DynamoDBBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      const what = outcome(record, call);
      if (what === 'throw') throw new Error('handler crashed');
      if (what === 'fail') failures.push({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' });
      else {
        const image = record.dynamodb?.NewImage;
        await repo.clearSignal(image?.companyId?.S ?? '', image?.signal?.M?.id?.S ?? '');
      }
    }
    return { batchItemFailures: failures };
  };
  return {
    handler,
    events,
    fed: () => events.flatMap((e) => e.Records.map((r) => r.dynamodb?.NewImage?.signal?.M?.id?.S ?? '')),
  };
}

describe('LocalOutboxStream.drain', () => {
  test('feeds each pending item once, one record per invocation, as a MODIFY stream record with its NEW_IMAGE in DynamoDB JSON; returns the count', async () => {
    const { table, repo } = await fixture();
    const rec = recorder(repo);
    const stream = streamOf(table, rec.handler);
    const a = await signUp(repo);
    const b = await signUp(repo);
    const delivered = await signUp(repo);
    await repo.clearSignal(delivered.company.companyId, delivered.signal.id); // nothing pending: not fed

    expect(await stream.drain()).toBe(2);

    expect(rec.events.map((e) => e.Records.length)).toEqual([1, 1]);
    expect(rec.fed().sort()).toEqual([a.signal.id, b.signal.id].sort());
    const records = rec.events.map((e) => e.Records[0] as DynamoDBRecord);
    for (const record of records) {
      expect(record).toMatchObject({ eventName: 'MODIFY', eventSource: 'aws:dynamodb' });
      expect(record.dynamodb?.StreamViewType).toBe('NEW_IMAGE');
      expect(record.dynamodb?.SequenceNumber).toMatch(/^\d{21}$/);
      const image = record.dynamodb?.NewImage;
      const owner = [a, b].find((c) => c.company.companyId === image?.companyId?.S);
      expect(owner).toBeDefined();
      expect(record.dynamodb?.Keys).toEqual({
        PK: { S: `COMPANY#${owner?.company.companyId}` },
        SK: { S: 'PROFILE' },
      });
      expect(image?.SK).toEqual({ S: 'PROFILE' });
      expect(image?.signal?.M).toEqual({
        id: { S: owner?.signal.id },
        kind: { S: 'start' },
        execution: { S: owner?.company.execution.name },
        at: { S: T0 },
      });
      expect(image?.record?.M?.phase).toEqual({ S: 'REGISTERED' }); // the whole item, not the index projection
    }
    const sequences = records.map((r) => r.dynamodb?.SequenceNumber ?? '');
    expect(new Set(sequences).size).toBe(2);
    expect(stream.stats).toEqual({ fed: 2, failed: 0 });
    expect(await stream.drain()).toBe(0); // both delivered
    expect(rec.events).toHaveLength(2);
  });

  test('the records it feeds are the ones the signalling function reads: signalOf gives the company and signal id', async () => {
    const { table, repo } = await fixture();
    const rec = recorder(repo);
    const stream = streamOf(table, rec.handler);
    const a = await signUp(repo);
    const { signalOf } = await import('../../../functions/tasks/signal');

    await stream.drain();

    expect(signalOf(rec.events[0]?.Records[0] as DynamoDBRecord)).toEqual({
      companyId: a.company.companyId,
      signalId: a.signal.id,
    });
  });

  test('a record the handler reports failed stays pending and is fed again (same signal) at the next drain; a delivered one is not', async () => {
    const { table, repo } = await fixture();
    const rec = recorder(repo, (_record, call) => (call === 1 ? 'fail' : 'deliver'));
    const stream = streamOf(table, rec.handler);
    const a = await signUp(repo);

    expect(await stream.drain()).toBe(1);
    expect(stream.stats).toEqual({ fed: 1, failed: 1 });
    expect((await repo.load(a.company.companyId))?.signal).toEqual(a.signal);

    expect(await stream.drain()).toBe(1);
    expect(rec.fed()).toEqual([a.signal.id, a.signal.id]);
    const [first, second] = rec.events.map((e) => e.Records[0]?.dynamodb?.SequenceNumber ?? '');
    expect(Number(second)).toBeGreaterThan(Number(first)); // a new delivery attempt, a later sequence number
    expect(stream.stats).toEqual({ fed: 2, failed: 1 });

    expect(await stream.drain()).toBe(0);
    expect(rec.events).toHaveLength(2);
  });

  test('a handler that throws counts as failed, and its record is fed again at the next drain', async () => {
    const { table, repo } = await fixture();
    const rec = recorder(repo, (_record, call) => (call === 1 ? 'throw' : 'deliver'));
    const stream = streamOf(table, rec.handler);
    const a = await signUp(repo);

    expect(await stream.drain()).toBe(1);
    expect(stream.stats).toEqual({ fed: 1, failed: 1 });
    expect(await stream.drain()).toBe(1);
    expect(rec.fed()).toEqual([a.signal.id, a.signal.id]);
    expect((await repo.load(a.company.companyId))?.signal).toBeNull();
  });

  test('overlapping drain() calls are coalesced: one handler call at a time, `busy` while draining, a signal written mid-drain is fed by the same drain', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let release: () => void = () => undefined;
    const firstCallReleased = new Promise<void>((resolve) => {
      release = resolve;
    });
    let firstCallStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      firstCallStarted = resolve;
    });
    const { table, repo } = await fixture();
    const rec = recorder(
      repo,
      () => 'deliver',
      async (call) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        if (call === 1) {
          firstCallStarted();
          await firstCallReleased;
        }
        inFlight -= 1;
      },
    );
    const stream = streamOf(table, rec.handler);
    const a = await signUp(repo);
    expect(stream.busy).toBe(false);

    const first = stream.drain();
    await started; // the handler holds the first record
    expect(stream.busy).toBe(true);
    const b = await signUp(repo); // committed while the drain runs
    const second = stream.drain();
    const third = stream.drain();
    expect(second).toBe(first);
    expect(third).toBe(first);
    expect(rec.events).toHaveLength(1);
    release();

    expect(await first).toBe(2); // the coalesced calls re-read the outbox: b is fed by this drain
    expect(await second).toBe(2);
    expect(rec.fed()).toEqual([a.signal.id, b.signal.id]);
    expect(maxInFlight).toBe(1);
    expect(stream.busy).toBe(false);
    expect(stream.stats).toEqual({ fed: 2, failed: 0 });
  });

  test('`busy` is false again after a drain whose query fails, and the rejection reaches the caller', async () => {
    const { repo } = await fixture();
    const rec = recorder(repo);
    const missing = streamOf('secor-no-such-table', rec.handler);

    const drain = missing.drain();
    expect(missing.busy).toBe(true);
    await expect(drain).rejects.toThrow(/non-existent table|not found/i);
    expect(missing.busy).toBe(false);
    expect(rec.events).toHaveLength(0);
  });
});
