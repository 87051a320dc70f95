/**
 * Operations routes (GET /ops/companies with phase/overdue/limit/cursor, executions, reminders, redrive,
 * GET /ops/companies/{id}, an execution's history) and the workflow client of the API: a stale task token is retried with the current one.
 */
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  InvalidToken,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import {
  designateTrainee,
  expectError,
  expectValidation,
  getStatus,
  newAssessor,
  NOW,
  passTraining,
  runTransition,
  signUp,
  type TestCompany,
} from './helpers';
import { startApi, type ApiFixture } from './setup';
import { endOfLocalDay, localDateOf, REGION_TIME_ZONES } from '../../../domain';

let api: ApiFixture;
let assessorKey: string;

beforeAll(async () => {
  api = await startApi();
  api.setNow(NOW);
  assessorKey = await newAssessor(api);
}, 30_000);
afterAll(() => api.close());
afterEach(() => api.setNow(NOW));

interface ListItem {
  companyId: string;
  legalName: string;
  region: string;
  phase: string;
  nextDeadline: { step: string; dueOn: string } | null;
  overdue: boolean;
}
interface ListBody {
  items: ListItem[];
  cursor?: string;
}

async function list(query: Record<string, string>): Promise<ListBody> {
  const res = await api.call('GET', '/ops/companies', { key: api.opsKey, query });
  if (res.status !== 200) throw new Error(`list ${JSON.stringify(query)}: ${res.status} ${res.raw}`);
  return res.body as unknown as ListBody;
}

/** Every page of a listing, following the cursor. */
async function listAll(query: Record<string, string>): Promise<{ items: ListItem[]; pages: number }> {
  const items: ListItem[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await list({ ...query, ...(cursor ? { cursor } : {}) });
    pages += 1;
    expect(page.items.length).toBeLessThanOrEqual(Number(query.limit ?? 50));
    items.push(...page.items);
    cursor = page.cursor;
    if (pages > 500) throw new Error('the cursor never ends');
  } while (cursor);
  return { items, pages };
}

describe('GET /ops/companies', () => {
  let registered: TestCompany[];
  let training: TestCompany;

  beforeAll(async () => {
    registered = [];
    for (let i = 0; i < 5; i++) registered.push(await signUp(api));
    training = await signUp(api);
    await designateTrainee(api, training);
  });

  test('phase filter: items {companyId, legalName, region, phase, nextDeadline, overdue}', async () => {
    const page = await list({ phase: 'REGISTERED', limit: '500' });
    expect(page.cursor).toBeUndefined();
    const mine = page.items.filter((i) => registered.some((c) => c.companyId === i.companyId));
    expect(mine).toHaveLength(5);
    for (const item of mine) {
      expect(item).toEqual({
        companyId: expect.any(String),
        legalName: registered.find((c) => c.companyId === item.companyId)?.legalName,
        region: 'AB',
        phase: 'REGISTERED',
        nextDeadline: { step: 'DESIGNATE_TRAINEE', dueOn: '2026-09-02' },
        overdue: false,
      });
    }
    expect(page.items.every((i) => i.phase === 'REGISTERED')).toBe(true);
    expect(page.items.map((i) => i.companyId)).not.toContain(training.companyId);
    const inTraining = await list({ phase: 'TRAINING' });
    expect(inTraining.items.map((i) => i.companyId)).toContain(training.companyId);
  });

  test('limit and cursor: limit=1 pages through one phase, every company exactly once', async () => {
    const all = (await list({ phase: 'REGISTERED', limit: '500' })).items.map((i) => i.companyId);
    const paged = await listAll({ phase: 'REGISTERED', limit: '1' });
    expect(paged.pages).toBeGreaterThanOrEqual(all.length);
    expect(paged.items.map((i) => i.companyId)).toEqual(all);
  });

  test('limit and cursor across phases (no phase filter): the same companies as one big page', async () => {
    const all = (await list({ limit: '500' })).items.map((i) => i.companyId);
    expect(all).toEqual(expect.arrayContaining([training.companyId, ...registered.map((c) => c.companyId)]));
    for (const limit of ['2', '3', '7']) {
      const paged = await listAll({ limit });
      expect(paged.items.map((i) => i.companyId)).toEqual(all);
      expect(new Set(paged.items.map((i) => i.companyId)).size).toBe(all.length);
    }
  });

  test('overdue=true lists companies whose deadline has passed (and were not escalated yet)', async () => {
    expect((await list({ overdue: 'true', phase: 'REGISTERED' })).items).toEqual([]);
    api.setNow('2026-09-03T08:00:00.000Z'); // the DESIGNATE_TRAINEE deadline 2026-09-02 has passed
    const late = await signUp(api); // registered today: not overdue
    const overdue = await listAll({ overdue: 'true', phase: 'REGISTERED', limit: '2' });
    const ids = overdue.items.map((i) => i.companyId);
    expect(ids).toEqual(expect.arrayContaining(registered.map((c) => c.companyId)));
    expect(ids).not.toContain(late.companyId);
    expect(
      overdue.items.every((i) => i.overdue && i.nextDeadline !== null && i.nextDeadline.dueOn < '2026-09-03'),
    ).toBe(true);
    // Without a phase: every active phase (the TRAINING company's exam is due 2026-09-02 too).
    const anyPhase = (await listAll({ overdue: 'true' })).items.map((i) => i.companyId);
    expect(anyPhase).toEqual(expect.arrayContaining([...ids, training.companyId]));
    expect(anyPhase).not.toContain(late.companyId);
    // overdue=false is no filter; the flag still says which are overdue.
    const everyone = (await list({ overdue: 'false', phase: 'REGISTERED', limit: '500' })).items;
    expect(everyone.find((i) => i.companyId === late.companyId)?.overdue).toBe(false);
    expect(everyone.find((i) => i.companyId === registered[0]?.companyId)?.overdue).toBe(true);
  });

  test('a withdrawn company is listed under WITHDRAWN, never as overdue', async () => {
    const c = await signUp(api);
    await api.call('POST', `/companies/${c.companyId}/withdrawal`, { key: c.apiKey, body: {} });
    expect((await list({ phase: 'WITHDRAWN' })).items).toContainEqual(
      expect.objectContaining({ companyId: c.companyId, nextDeadline: null, overdue: false }),
    );
    api.setNow('2030-01-01T00:00:00.000Z');
    expect((await listAll({ overdue: 'true' })).items.map((i) => i.companyId)).not.toContain(c.companyId);
  });

  test.each([
    ['limit', '0'],
    ['limit', '501'],
    ['limit', '-1'],
    ['limit', '1.5'],
    ['limit', 'ten'],
    ['limit', ''],
    ['phase', 'registered'],
    ['phase', 'ACTIVE'],
    ['phase', ''],
    ['overdue', 'yes'],
    ['overdue', 'TRUE'],
    ['overdue', '1'],
    ['overdue', ''],
    ['cursor', '!!!'],
    ['cursor', Buffer.from('not json').toString('base64url')],
    ['cursor', 'eyJwaGFzZSI6MC'], // a truncated cursor
  ])('%s=%j → 400 VALIDATION_FAILED at query:%s', async (name, value) => {
    const res = await api.call('GET', '/ops/companies', { key: api.opsKey, query: { [name]: value } });
    expectValidation(res, `query:${name}`);
  });

  test.each([
    ['another phase', { gsiPhase: 'TRAINING' }, {}],
    ['an empty phase', { gsiPhase: '' }, {}],
    ['an empty due date', { gsiDue: '' }, {}],
    ['not a company item', { PK: 'APIKEY#x' }, {}],
    ['a due date past the overdue range', { gsiDue: '2999-01-01' }, { overdue: 'true' }],
  ])(
    'a forged cursor (%s) → 400 at query:cursor, never a 500',
    async (_what, change, query: Record<string, string>) => {
      const key = {
        PK: 'COMPANY#c0',
        SK: 'PROFILE',
        gsiPhase: 'REGISTERED',
        gsiDue: '2027-01-01',
        ...change,
      };
      const cursor = Buffer.from(JSON.stringify({ phase: 0, key })).toString('base64url');
      const res = await api.call('GET', '/ops/companies', {
        key: api.opsKey,
        query: { phase: 'REGISTERED', ...query, cursor },
      });
      expectValidation(res, 'query:cursor');
    },
  );

  test('limit 500 is the maximum accepted', async () => {
    expect((await list({ limit: '500' })).items.length).toBeGreaterThan(0);
  });
});

describe('GET /ops/companies/{companyId} and /executions', () => {
  test('GET /ops/companies/{id} → 200 the same status as GET /companies/{id}', async () => {
    const c = await signUp(api);
    const ops = await api.call('GET', `/ops/companies/${c.companyId}`, { key: api.opsKey });
    expect(ops.status).toBe(200);
    expect(ops.body).toEqual((await api.call('GET', `/companies/${c.companyId}`, { key: c.apiKey })).body);
  });

  test('→ 200 {items:[{name, executionArn, phase, status, startedAt, stoppedAt?}]}, oldest first', async () => {
    const c = await signUp(api);
    await designateTrainee(api, c); // REGISTRATION → TRAINING: a second execution name
    // Not started yet (Step Functions does not know it, nor does the company's record): NOT_STARTED.
    const arn = (name: string) =>
      `arn:aws:states:ca-central-1:000000000000:execution:SecorLifecycle-CertificationLifecycle:${name}`;
    const registration = `${c.companyId}-c1-REGISTRATION`;
    const trainingExecution = `${c.companyId}-c1-TRAINING`;
    api.sfn.on(DescribeExecutionCommand, { executionArn: arn(registration) }).resolves({
      status: 'SUCCEEDED',
      startDate: new Date('2026-03-02T15:00:00Z'),
      stopDate: new Date('2026-03-02T15:00:05Z'),
    });
    api.sfn
      .on(DescribeExecutionCommand, { executionArn: arn(trainingExecution) })
      .rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));
    const res = await api.call('GET', `/ops/companies/${c.companyId}/executions`, { key: api.opsKey });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      items: [
        {
          name: registration,
          executionArn: arn(registration),
          phase: 'REGISTRATION',
          status: 'SUCCEEDED',
          startedAt: '2026-03-02T15:00:00.000Z',
          stoppedAt: '2026-03-02T15:00:05.000Z',
        },
        {
          name: trainingExecution,
          executionArn: arn(trainingExecution),
          phase: 'TRAINING',
          status: 'NOT_STARTED',
        },
      ],
    });
  });
});

describe('GET /ops/companies/{companyId}/executions/{name}/history', () => {
  test('→ 200 {items:[{timestamp, type, state?}]}, for one of the company’s own executions', async () => {
    const c = await signUp(api);
    const name = `${c.companyId}-c1-REGISTRATION`;
    api.sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 1, timestamp: new Date('2026-03-02T15:00:00Z'), type: 'ExecutionStarted' },
        {
          id: 2,
          timestamp: new Date('2026-03-02T15:00:01Z'),
          type: 'TaskStateEntered',
          stateEnteredEventDetails: { name: 'AwaitTrainee' },
        },
      ],
    });
    const res = await api.call('GET', `/ops/companies/${c.companyId}/executions/${name}/history`, {
      key: api.opsKey,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      items: [
        { timestamp: '2026-03-02T15:00:00.000Z', type: 'ExecutionStarted' },
        { timestamp: '2026-03-02T15:00:01.000Z', type: 'TaskStateEntered', state: 'AwaitTrainee' },
      ],
    });
  });

  test('another company’s execution → 404 NOT_FOUND', async () => {
    const [c, other] = [await signUp(api), await signUp(api)];
    const res = await api.call(
      'GET',
      `/ops/companies/${c.companyId}/executions/${other.companyId}-c1-REGISTRATION/history`,
      { key: api.opsKey },
    );
    expectError(res, 404, 'NOT_FOUND');
  });
});

describe('POST /ops/companies/{companyId}/reminders', () => {
  const emailsTo = (address: string) =>
    api.ses
      .commandCalls(SendEmailCommand)
      .filter((c) => c.args[0].input.Destination?.ToAddresses?.[0] === address);

  test('→ 202 {companyId, step, dueOn, sent}: the current step’s reminder, to the right person', async () => {
    const c = await signUp(api, { contact: { name: 'Cleo', email: 'cleo@reminders.example' } });
    const before = emailsTo('cleo@reminders.example').length;
    const res = await api.call('POST', `/ops/companies/${c.companyId}/reminders`, {
      key: api.opsKey,
      body: {},
    });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      companyId: c.companyId,
      step: 'DESIGNATE_TRAINEE',
      dueOn: '2026-09-02',
      sent: 1,
    });
    expect(emailsTo('cleo@reminders.example')).toHaveLength(before + 1);
    // In TRAINING the exam reminder goes to the trainee.
    await designateTrainee(api, c);
    const exam = await api.call('POST', `/ops/companies/${c.companyId}/reminders`, {
      key: api.opsKey,
      body: {},
    });
    expect(exam.body).toMatchObject({ step: 'TRAINING_EXAM', sent: 1 });
    expect(emailsTo('terry@example.com').length).toBeGreaterThanOrEqual(1);
  });

  test('a second resend of the same step the same day → 429 THROTTLED, nothing sent; the next day it goes', async () => {
    const c = await signUp(api, { contact: { name: 'Remi', email: 'remi@reminders.example' } });
    const remind = () =>
      api.call('POST', `/ops/companies/${c.companyId}/reminders`, { key: api.opsKey, body: {} });
    expect((await remind()).status).toBe(202);
    const sentOnce = emailsTo('remi@reminders.example').length;
    const again = await Promise.all([remind(), remind(), remind()]);
    for (const res of again) {
      const error = expectError(res, 429, 'THROTTLED');
      expect(error.message).toContain('DESIGNATE_TRAINEE reminder was already sent today');
    }
    expect(emailsTo('remi@reminders.example')).toHaveLength(sentOnce);
    api.setNow(new Date(Date.parse(NOW) + 86_400_000).toISOString());
    expect((await remind()).status).toBe(202);
    expect(emailsTo('remi@reminders.example')).toHaveLength(sentOnce + 1);
  });

  test('the resent email opens the portal signed in as its recipient (a one-time link), in plain words', async () => {
    const c = await signUp(api, { contact: { name: 'Sia', email: 'sia@reminders.example' } });
    const res = await api.call('POST', `/ops/companies/${c.companyId}/reminders`, {
      key: api.opsKey,
      body: {},
    });
    expect(res.status).toBe(202);
    const email = emailsTo('sia@reminders.example').at(-1)?.args[0].input;
    const text = email?.Content?.Simple?.Body?.Text?.Data ?? '';
    const html = email?.Content?.Simple?.Body?.Html?.Data ?? '';
    expect(email?.EmailTags).toContainEqual({ Name: 'kind', Value: 'reminder-resent' });
    const token = /\/#sign-in=([A-Za-z0-9_-]{43})$/m.exec(text)?.[1] ?? '';
    expect(token).not.toBe('');
    expect(html).toContain(`#sign-in=${token}"`);
    expect(`${text}\n${html}`).not.toMatch(/\b(GET|POST|PUT|PATCH|DELETE)\b|\/companies\//);
    expect(`${text}\n${html}`).not.toMatch(/\bkeys?\b|\bAPI\b/i);
    expect(text).toContain('Naming your SECOR trainee is due');
    const session = await api.call('POST', '/sessions', { body: { token } });
    expect(session.status).toBe(201);
    expect(session.body).toMatchObject({ role: 'company', companyId: c.companyId });
    // once
    expectError(await api.call('POST', '/sessions', { body: { token } }), 401, 'UNAUTHENTICATED');
  });

  test("one resend per step a day, the company's local day (not the UTC day)", async () => {
    const c = await signUp(api, { contact: { name: 'Lou', email: 'lou@reminders.example' } });
    const remind = () =>
      api.call('POST', `/ops/companies/${c.companyId}/reminders`, { key: api.opsKey, body: {} });
    // The end of the local day in Alberta, some hours after midnight UTC: both sides are one UTC date.
    const midnight = endOfLocalDay(localDateOf(NOW, REGION_TIME_ZONES.AB), REGION_TIME_ZONES.AB);
    const before = new Date(Date.parse(midnight) - 60_000).toISOString();
    const after = new Date(Date.parse(midnight) + 1_000).toISOString();
    expect(before.slice(0, 10)).toBe(after.slice(0, 10));
    const sent = emailsTo('lou@reminders.example').length;
    api.setNow(before);
    expect((await remind()).status).toBe(202);
    expectError(await remind(), 429, 'THROTTLED');
    api.setNow(after);
    expect((await remind()).status).toBe(202);
    expect(emailsTo('lou@reminders.example')).toHaveLength(sent + 2);
  });

  test('no open step (WITHDRAWN) → 422 WRONG_PHASE', async () => {
    const c = await signUp(api);
    await api.call('POST', `/companies/${c.companyId}/withdrawal`, { key: c.apiKey, body: {} });
    const res = await api.call('POST', `/ops/companies/${c.companyId}/reminders`, {
      key: api.opsKey,
      body: {},
    });
    expectError(res, 422, 'WRONG_PHASE');
  });
});

describe('POST /ops/companies/{companyId}/redrive', () => {
  test('a FAILED company → 202 and its phase restarts in a new execution; again → 422 WRONG_PHASE', async () => {
    const c = await signUp(api);
    await runTransition(api, c.companyId, 'recordFailure'); // the workflow's RecordLifecycleFailure state
    expect((await getStatus(api, c.companyId)).phase).toBe('FAILED');
    const res = await api.call('POST', `/ops/companies/${c.companyId}/redrive`, {
      key: api.opsKey,
      body: {},
    });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      companyId: c.companyId,
      phase: 'REGISTERED',
      execution: expect.stringMatching(new RegExp(`^${c.companyId}-c1-REGISTRATION-r\\d+$`)),
    });
    const started = api.sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name);
    expect(started).toContain(res.body.execution);
    expect((await getStatus(api, c.companyId)).phase).toBe('REGISTERED');
    const again = await api.call('POST', `/ops/companies/${c.companyId}/redrive`, {
      key: api.opsKey,
      body: {},
    });
    expect(expectError(again, 422, 'WRONG_PHASE').message).toMatch(/FAILED/);
  });
});

describe('stale task token', () => {
  /** Stores a waiting workflow task on the company, as await-step does. */
  async function storeTask(companyId: string, token: string): Promise<void> {
    const stored = await api.repo.load(companyId);
    if (!stored) throw new Error('no company');
    const ok = await api.repo.storeTaskToken(companyId, stored.version, {
      token,
      executionName: stored.company.execution.name,
      executionStartedAt: NOW,
      iteration: 0,
      storedAt: NOW,
    });
    expect(ok).toBe(true);
  }
  const tokensSent = (prefix: string) =>
    api.sfn
      .commandCalls(SendTaskSuccessCommand)
      .map((call) => call.args[0].input.taskToken ?? '')
      .filter((t) => t.startsWith(prefix));

  test('TaskTimedOut for the first token while a new one was stored → retried with the new token; 200', async () => {
    const c = await signUp(api);
    await storeTask(c.companyId, 'stale-1-first');
    api.sfn.on(SendTaskSuccessCommand, { taskToken: 'stale-1-first' }).callsFake(async () => {
      // Meanwhile the wait timed out and the workflow's reminder loop stored a new token.
      await storeTask(c.companyId, 'stale-1-second');
      throw new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} });
    });
    const res = await api.call('PUT', `/companies/${c.companyId}/trainee`, {
      key: c.apiKey,
      body: { name: 'Tia', email: 'tia@example.com' },
    });
    expect(res.status).toBe(200);
    expect(res.body.phase).toBe('TRAINING');
    expect(tokensSent('stale-1-')).toEqual(['stale-1-first', 'stale-1-second']);
    const second = api.sfn
      .commandCalls(SendTaskSuccessCommand)
      .find((call) => call.args[0].input.taskToken === 'stale-1-second');
    expect(JSON.parse(second?.args[0].input.output ?? 'null')).toEqual(expect.any(Object));
  });

  test('InvalidToken on an exam attempt, with a new token stored → retried; 201', async () => {
    const c = await signUp(api);
    await designateTrainee(api, c);
    await storeTask(c.companyId, 'stale-2-first');
    api.sfn.on(SendTaskSuccessCommand, { taskToken: 'stale-2-first' }).callsFake(async () => {
      await storeTask(c.companyId, 'stale-2-second');
      throw new InvalidToken({ message: 'Invalid Token', $metadata: {} });
    });
    const res = await api.call('POST', `/companies/${c.companyId}/training/attempts`, {
      key: assessorKey,
      body: { score: 91 },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ attemptNumber: 1, passed: true });
    expect(tokensSent('stale-2-')).toEqual(['stale-2-first', 'stale-2-second']);
  });

  test('a stale token and no newer one → no retry with the same token; the change is kept; 200', async () => {
    const c = await signUp(api);
    await storeTask(c.companyId, 'stale-3-only');
    api.sfn
      .on(SendTaskSuccessCommand, { taskToken: 'stale-3-only' })
      .rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    const res = await api.call('PUT', `/companies/${c.companyId}/trainee`, {
      key: c.apiKey,
      body: { name: 'Tom', email: 'tom@example.com' },
    });
    expect(res.status).toBe(200);
    expect(tokensSent('stale-3-')).toEqual(['stale-3-only']);
    expect((await getStatus(api, c.companyId)).trainee?.name).toBe('Tom');
  });
});

// Defect 5 (second half): an execution Step Functions no longer has (its history is deleted 90 days after it
// closes) was listed as NOT_STARTED, and so was a TRAINING execution the record moved past before it ran (the
// trainee designated and passing at once).
describe('GET /ops/companies/{companyId}/executions without Step Functions history', () => {
  const arn = (name: string) =>
    `arn:aws:states:ca-central-1:000000000000:execution:SecorLifecycle-CertificationLifecycle:${name}`;
  const gone = () => new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} });

  test('an execution AWS no longer has is listed from the company record: started then, SUCCEEDED', async () => {
    const c = await signUp(api);
    const registration = `${c.companyId}-c1-REGISTRATION`;
    await api.repo.recordExecutionStart(c.companyId, registration, '2026-03-02T15:00:01.000Z');
    await designateTrainee(api, c);
    const training = `${c.companyId}-c1-TRAINING`;
    await api.repo.recordExecutionStart(c.companyId, training, '2026-03-02T15:00:09.000Z');
    api.sfn.on(DescribeExecutionCommand, { executionArn: arn(registration) }).rejects(gone());
    api.sfn.on(DescribeExecutionCommand, { executionArn: arn(training) }).resolves({
      status: 'RUNNING',
      startDate: new Date('2026-03-02T15:00:09Z'),
    });
    const res = await api.call('GET', `/ops/companies/${c.companyId}/executions`, { key: api.opsKey });
    expect(res.body.items).toEqual([
      {
        name: registration,
        executionArn: arn(registration),
        phase: 'REGISTRATION',
        status: 'SUCCEEDED', // observed before: NOT_STARTED
        startedAt: '2026-03-02T15:00:01.000Z',
      },
      {
        name: training,
        executionArn: arn(training),
        phase: 'TRAINING',
        status: 'RUNNING',
        startedAt: '2026-03-02T15:00:09.000Z',
      },
    ]);
  });

  test('an execution the record moved past before it ever started is not listed', async () => {
    const c = await signUp(api);
    const registration = `${c.companyId}-c1-REGISTRATION`;
    await api.repo.recordExecutionStart(c.companyId, registration, '2026-03-02T15:00:01.000Z');
    await passTraining(api, c, assessorKey); // REGISTRATION → TRAINING → IMPLEMENTATION at once
    const implementation = `${c.companyId}-c1-IMPLEMENTATION`;
    api.sfn.on(DescribeExecutionCommand).rejects(gone());
    api.sfn.on(DescribeExecutionCommand, { executionArn: arn(registration) }).resolves({
      status: 'SUCCEEDED',
      startDate: new Date('2026-03-02T15:00:01Z'),
      stopDate: new Date('2026-03-02T15:00:20Z'),
    });
    const res = await api.call('GET', `/ops/companies/${c.companyId}/executions`, { key: api.opsKey });
    const names = (res.body.items as { name: string; status: string }[]).map((i) => [i.name, i.status]);
    expect(names).toEqual([
      [registration, 'SUCCEEDED'],
      [implementation, 'NOT_STARTED'], // the current one, its start still owed
    ]);
    api.sfn.on(DescribeExecutionCommand).resolves({});
  });

  test('a failed execution AWS no longer has is FAILED, from the company history', async () => {
    const c = await signUp(api);
    const registration = `${c.companyId}-c1-REGISTRATION`;
    await api.repo.recordExecutionStart(c.companyId, registration, '2026-03-02T15:00:01.000Z');
    await runTransition(api, c.companyId, 'recordFailure');
    api.sfn.on(DescribeExecutionCommand, { executionArn: arn(registration) }).rejects(gone());
    const res = await api.call('GET', `/ops/companies/${c.companyId}/executions`, { key: api.opsKey });
    expect(res.body.items).toEqual([
      expect.objectContaining({
        name: registration,
        status: 'FAILED',
        startedAt: '2026-03-02T15:00:01.000Z',
      }),
    ]);
  });
});
