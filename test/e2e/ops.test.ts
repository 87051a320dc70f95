/**
 * The ops CLI (`npm run ops`), run as a child process against the real local runtime: it is a client of the
 * ops API, so what it prints must be what the API says. Failures are injected with SECOR_FAIL_TASK: the named
 * state fails (InjectedFailure, not retried) while `<dataDir>/fail-task` exists.
 */
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { newCompany, RuntimeProcess } from './runtime';

jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '..', '..');
const rt = new RuntimeProcess(undefined, { SECOR_FAIL_TASK: 'StartPhase' });
const failFile = path.join(rt.dataDir, 'fail-task');
beforeAll(() => rt.start(), 120_000);
afterAll(async () => {
  rmSync(failFile, { force: true });
  await rt.stop();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node --import tsx cli/ops.ts --api-url … --ops-key … <args>` */
function ops(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      path.join(ROOT, 'node_modules', '.bin', 'node'),
      ['--import', 'tsx', 'cli/ops.ts', '--api-url', rt.api, '--ops-key', rt.opsKey, ...args],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function opsJson<T>(...args: string[]): Promise<T> {
  const run = await ops('--json', ...args);
  if (run.code !== 0) throw new Error(`ops ${args.join(' ')} → exit ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

interface ListItem {
  companyId: string;
  region: string;
  phase: string;
  nextDeadline: { step: string; dueOn: string } | null;
  overdue: boolean;
}
interface Execution {
  name: string;
  phase: string;
  status: string;
}
interface History {
  companyId: string;
  events: { type: string }[];
  executions: (Execution & { history: { type: string; state?: string }[] })[];
}
type Status = { phase: string; failure?: { cause: string } } & Record<string, unknown>;

const ACTIVE = [
  'REGISTERED',
  'TRAINING',
  'IMPLEMENTATION',
  'CERTIFICATION_AUDIT',
  'CERTIFIED',
  'MAINTENANCE',
];

describe('the ops CLI against the local runtime', () => {
  test('list finds the company (JSON and table), filtered by phase and region', async () => {
    const c = await newCompany(rt);
    const { items } = await opsJson<{ items: ListItem[] }>('list');
    expect(items).toContainEqual(
      expect.objectContaining({
        companyId: c.id,
        region: 'AB',
        phase: 'REGISTERED',
        nextDeadline: expect.objectContaining({ step: 'DESIGNATE_TRAINEE' }),
        overdue: false,
      }),
    );
    const table = await ops('list');
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^COMPANY\s+LEGAL NAME\s+REGION\s+PHASE\s+NEXT STEP\s+DUE ON\s+OVERDUE$/);
    expect(lines.find((l) => l.startsWith(c.id))).toMatch(
      new RegExp(
        `^${c.id}\\s+E2E Company .+ Ltd\\.\\s+AB\\s+REGISTERED\\s+DESIGNATE_TRAINEE\\s+\\d{4}-\\d{2}-\\d{2}\\s+-$`,
      ),
    );
    expect(lines.at(-1)).toBe(`${items.length} compan${items.length === 1 ? 'y' : 'ies'}`);

    const ids = async (...args: string[]) =>
      (await opsJson<{ items: ListItem[] }>('list', ...args)).items.map((i) => i.companyId);
    expect(await ids('--phase', 'REGISTERED')).toContain(c.id);
    expect(await ids('--phase', 'TRAINING')).not.toContain(c.id);
    expect(await ids('--region', 'ab')).toContain(c.id);
    expect(await ids('--region', 'BC')).not.toContain(c.id);
  });

  test('status: the API status as JSON; a field table for people', async () => {
    const c = await newCompany(rt);
    const json = await opsJson<Status>('status', c.id);
    expect(json).toEqual(await rt.ok('GET', `/ops/companies/${c.id}`, undefined, rt.opsKey));
    expect(json).toMatchObject({ companyId: c.id, phase: 'REGISTERED', cycle: 1 });
    const table = await ops('status', c.id);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^company\\s+${c.id}$`, 'm'));
    expect(table.stdout).toMatch(/^phase\s+REGISTERED, cycle 1$/m);
    expect(table.stdout).toMatch(/^next deadline\s+DESIGNATE_TRAINEE due \d{4}-\d{2}-\d{2}/m);
    expect(table.stdout).toMatch(new RegExp(`^contact\\s+Owner <${c.contact}>$`, 'm'));
  });

  test('executions and history: events, and each execution state by state', async () => {
    const c = await newCompany(rt);
    await rt.advance(0);
    const { items } = await opsJson<{ items: Execution[] }>('executions', c.id);
    expect(items).toEqual([
      expect.objectContaining({ name: `${c.id}-c1-REGISTRATION`, phase: 'REGISTRATION', status: 'RUNNING' }),
    ]);
    const history = await opsJson<History>('history', c.id);
    expect(history.companyId).toBe(c.id);
    expect(history.events.map((e) => e.type)).toEqual(['REGISTERED']);
    expect(history.executions).toHaveLength(1);
    const states = (history.executions[0]?.history ?? []).filter((h) => h.type.endsWith('StateEntered'));
    expect(states.map((h) => h.state)).toEqual(['StartPhase', 'RoutePhase', 'AwaitTraineeDesignation']);
    const table = await ops('history', c.id);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`Execution ${c.id}-c1-REGISTRATION: RUNNING`);
    expect(table.stdout).toMatch(/TaskStateEntered\s+StartPhase/);
    // The route behind it: only the company's own executions, only for ops.
    const other = await rt.call(
      'GET',
      `/ops/companies/${c.id}/executions/${c.id}-c1-TRAINING/history`,
      undefined,
      rt.opsKey,
    );
    expect(other.status).toBe(404);
    const asCompany = await rt.call(
      'GET',
      `/ops/companies/${c.id}/executions/${c.id}-c1-REGISTRATION/history`,
      undefined,
      c.key,
    );
    expect(asCompany.status).toBe(403);
  });

  test('remind sends exactly one new email, to the contact while no trainee is designated', async () => {
    const c = await newCompany(rt);
    await rt.advance(0); // the welcome email is out
    const before = await rt.emails(c.contact);
    const result = await opsJson<{ step: string; sent: number }>('remind', c.id);
    expect(result).toMatchObject({ companyId: c.id, step: 'DESIGNATE_TRAINEE', sent: 1 });
    const after = await rt.emails(c.contact);
    expect(after).toHaveLength(before.length + 1);
    expect(after.at(-1)?.subject).toMatch(/^Reminder/);
  });

  test('assessor create issues a key that records exam attempts', async () => {
    const { assessorId, apiKey } = await opsJson<{ assessorId: string; apiKey: string }>(
      'assessor',
      'create',
      '--name',
      'Ops Assessor',
      '--email',
      'ops-assessor@example.com',
    );
    expect(assessorId).toEqual(expect.any(String));
    const c = await newCompany(rt);
    await c.designate();
    await rt.advance(0);
    const attempt = await rt.call('POST', `/companies/${c.id}/training/attempts`, { score: 85 }, apiKey);
    expect(attempt.status).toBe(201);
    expect(attempt.body).toMatchObject({ attemptNumber: 1, passed: true });
    const table = await ops('assessor', 'create', '--name', 'Second', '--email', 'second@example.com');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^API key\s+\S{32,}$/m);
  });

  test('redrive after an injected task failure: FAILED → back in TRAINING with a running execution', async () => {
    const c = await newCompany(rt);
    await rt.advance(0);
    writeFileSync(failFile, '');
    try {
      await c.designate(); // → TRAINING; its execution's StartPhase task fails (InjectedFailure is not retried)
      await rt.advance(0);
    } finally {
      rmSync(failFile, { force: true });
    }
    const failed = await opsJson<Status>('status', c.id);
    expect(failed.phase).toBe('FAILED');
    expect(failed.failure?.cause).toContain('InjectedFailure');
    expect(
      (await opsJson<{ items: ListItem[] }>('list', '--phase', 'FAILED')).items.map((i) => i.companyId),
    ).toContain(c.id);
    const before = await opsJson<{ items: Execution[] }>('executions', c.id);
    expect(before.items.find((e) => e.name === `${c.id}-c1-TRAINING`)?.status).toBe('FAILED');

    const redriven = await opsJson<{ phase: string; execution: string }>('redrive', c.id);
    expect(redriven).toMatchObject({ companyId: c.id, phase: 'TRAINING' });
    expect(redriven.execution).toMatch(new RegExp(`^${c.id}-c1-TRAINING-r\\d+$`));
    await rt.advance(0);
    expect((await c.status()).phase).toBe('TRAINING');
    const after = await opsJson<{ items: Execution[] }>('executions', c.id);
    expect(after.items.filter((e) => e.status === 'RUNNING').map((e) => e.name)).toEqual([
      redriven.execution,
    ]);

    const history = await opsJson<History>('history', c.id);
    expect(history.events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['WORKFLOW_FAILED', 'REDRIVEN']),
    );
    const failedRun = history.executions.find((e) => e.name === `${c.id}-c1-TRAINING`);
    expect(failedRun?.history.map((h) => h.state)).toEqual(
      expect.arrayContaining(['StartPhase', 'RecordLifecycleFailure']),
    );

    // Nothing to redrive any more: the API's error, exit code 1.
    const again = await ops('redrive', c.id);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: WRONG_PHASE: /);
  });

  test('list --overdue after the clock passes a deadline: what the API says, never an escalated company', async () => {
    const lapsing = await newCompany(rt); // never designates a trainee
    const training = await newCompany(rt);
    await training.designate();
    await rt.advance(0);
    const api = async () =>
      (await rt.ok<{ items: ListItem[] }>('GET', '/ops/companies?overdue=true', undefined, rt.opsKey)).items;
    expect((await opsJson<{ items: ListItem[] }>('list', '--overdue')).items).toEqual(await api());

    await rt.advance(200); // past the 6-month registration and training deadlines
    const today = await rt.today();
    expect((await lapsing.status()).phase).toBe('LAPSED');
    const overdue = (await opsJson<{ items: ListItem[] }>('list', '--overdue')).items;
    expect(overdue).toEqual(await api());
    // The workflow escalates the day a deadline passes: whatever is listed is active, past due, not escalated.
    for (const item of overdue) {
      expect(item.overdue).toBe(true);
      expect(ACTIVE).toContain(item.phase);
      expect((item.nextDeadline?.dueOn ?? '9999-12-31') < today).toBe(true);
    }
    expect(overdue.map((i) => i.companyId)).not.toContain(lapsing.id);
    const lapsed = (await opsJson<{ items: ListItem[] }>('list', '--phase', 'LAPSED')).items;
    expect(lapsed.map((i) => i.companyId)).toEqual(expect.arrayContaining([lapsing.id]));
    const table = await ops('list', '--overdue');
    expect(table.code).toBe(0);
    expect(table.stdout.trimEnd().split('\n').at(-1)).toBe(
      `${overdue.length} compan${overdue.length === 1 ? 'y' : 'ies'}`,
    );
  });

  test('errors: API errors exit 1 with the contract code, usage errors exit 2', async () => {
    const missing = await ops('status', 'c00000000000000000000');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: NOT_FOUND: /);
    expect((await ops('list', '--phase', 'NOPE')).code).toBe(2);
    expect((await ops('assessor', 'create', '--name', 'No Email')).code).toBe(2);
    expect((await ops('frobnicate')).code).toBe(2);
  });
});
