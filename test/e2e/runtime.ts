/** Starts the real local runtime (`tsx local/start.ts`) as a child process on free ports, and talks HTTP to it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { localDateOf, timeZoneOf } from '../../domain';

const ROOT = path.resolve(__dirname, '..', '..');

export interface Email {
  destination: { to: string[] };
  subject: string;
  body: { text?: string };
}

export class RuntimeProcess {
  api = '';
  ses = '';
  opsKey = '';
  private child?: ChildProcess;
  output = '';

  constructor(
    readonly dataDir = mkdtempSync(path.join(os.tmpdir(), 'secor-e2e-')),
    /** Extra environment for the runtime process (e.g. SECOR_FAIL_TASK). */
    readonly env: Record<string, string> = {},
  ) {}

  async start(): Promise<this> {
    this.output = '';
    // One process (node --import tsx), so kill -9 really kills the runtime (a tsx wrapper would leave it running).
    const child = spawn(
      path.join(ROOT, 'node_modules', '.bin', 'node'),
      ['--import', 'tsx', 'local/start.ts'],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          SECOR_PORT: '0',
          SECOR_SES_PORT: '0',
          SECOR_DATA_DIR: this.dataDir,
          NODE_ENV: 'production',
          ...this.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`runtime did not start:\n${this.output}`)), 90_000);
      const onData = (d: Buffer) => {
        this.output += d.toString();
        const api = /HTTP API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(this.output);
        const ses = /SES outbox\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(this.output);
        if (api && ses && this.output.includes('Ops key')) {
          clearTimeout(timer);
          this.api = api[1] as string;
          this.ses = ses[1] as string;
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`runtime exited (${code}):\n${this.output}`));
      });
    });
    this.opsKey = readFileSync(path.join(this.dataDir, 'ops-key'), 'utf8').trim();
    return this;
  }

  /** kill -9: no clean shutdown. */
  kill(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.child || this.child.exitCode !== null) return resolve();
      this.child.removeAllListeners('exit');
      this.child.on('exit', () => resolve());
      this.child.kill('SIGKILL');
    });
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.child || this.child.exitCode !== null) return resolve();
      this.child.removeAllListeners('exit');
      this.child.on('exit', () => resolve());
      this.child.kill('SIGINT');
    });
  }

  async call<T = Record<string, unknown>>(
    method: string,
    p: string,
    body?: unknown,
    key?: string,
  ): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.api}${p}`, {
      method,
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
  }

  async ok<T = Record<string, unknown>>(method: string, p: string, body?: unknown, key?: string): Promise<T> {
    const res = await this.call<T>(method, p, body, key);
    if (res.status >= 300) throw new Error(`${method} ${p} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async advance(days: number): Promise<string> {
    return (await this.ok<{ now: string }>('POST', '/_local/clock', { advanceDays: days })).now;
  }

  /** The virtual clock's date in a province (Alberta unless told): the date a company there sees. */
  async today(region = 'AB'): Promise<string> {
    return localDateOf((await this.ok<{ now: string }>('GET', '/_local/clock')).now, timeZoneOf(region));
  }

  async emails(to?: string): Promise<Email[]> {
    const res = await fetch(`${this.ses}/store`);
    const all = ((await res.json()) as { emails: Email[] }).emails;
    return to ? all.filter((e) => e.destination.to.includes(to)) : all;
  }
}

/** Moves the virtual clock to `target` plus `afterMs` (never backwards); every timer due by then has fired. */
export async function advanceTo(rt: RuntimeProcess, target: string, afterMs = 0): Promise<void> {
  const now = (await rt.ok<{ now: string }>('GET', '/_local/clock')).now;
  const ms = Date.parse(target) + afterMs - Date.parse(now);
  if (ms < 0) throw new Error(`the clock is at ${now}, past ${target}`);
  await rt.advance(ms / 86_400_000);
}

export const ELEMENTS = [
  'management-leadership',
  'hazard-assessment',
  'hazard-control',
  'training',
  'inspections',
  'emergency-response',
  'incident-investigation',
  'program-administration',
];

export const scores = (v: number, overrides: Record<string, number> = {}) => ({
  ...Object.fromEntries(ELEMENTS.map((e) => [e, v])),
  ...overrides,
});

export const addDays = (d: string, n: number) =>
  new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

let counter = 0;
/** A company's actors on a runtime: the owner (company key), the assessor, operations. */
export async function newCompany(
  rt: RuntimeProcess,
  options: { region?: string; employeeCount?: number } = {},
) {
  counter += 1;
  const tag = `${Date.now().toString(36)}${counter}`;
  const contact = `owner-${tag}@example.com`;
  const trainee = `trainee-${tag}@example.com`;
  const signUp = await rt.ok<{ companyId: string; apiKey: string }>('POST', '/companies', {
    legalName: `E2E Company ${tag} Ltd.`,
    region: options.region ?? 'AB',
    employeeCount: options.employeeCount ?? 6,
    contact: { name: 'Owner', email: contact },
  });
  const assessor = await rt.ok<{ apiKey: string }>(
    'POST',
    '/ops/assessors',
    { name: 'Assessor', email: `assessor-${tag}@example.com` },
    rt.opsKey,
  );
  const id = signUp.companyId;
  const key = signUp.apiKey;
  return {
    id,
    key,
    contact,
    trainee,
    assessorKey: assessor.apiKey,
    status: () =>
      rt.ok<
        Record<string, unknown> & {
          phase: string;
          cycle: number;
          certificate: Record<string, unknown> | null;
          nextDeadline: { step: string; opensOn: string; dueOn: string } | null;
          overdue: boolean;
        }
      >('GET', `/companies/${id}`, undefined, key),
    designate: () => rt.ok('PUT', `/companies/${id}/trainee`, { name: 'Trainee', email: trainee }, key),
    exam: (score: number) =>
      rt.call<Record<string, unknown>>(
        'POST',
        `/companies/${id}/training/attempts`,
        { score },
        assessor.apiKey,
      ),
    program: (implementedSince: string) =>
      rt.ok(
        'POST',
        `/companies/${id}/program`,
        { manualTitle: 'Manual', manualVersion: '1', elements: ELEMENTS, implementedSince },
        key,
      ),
    audit: (
      type: 'certification' | 'maintenance' | 'recertification',
      completedOn: string,
      overall: number,
      elements = scores(overall),
    ) =>
      rt.call<Record<string, unknown>>(
        'POST',
        `/companies/${id}/audits`,
        { type, overallScore: overall, elementScores: elements, auditor: { name: 'Auditor' }, completedOn },
        type === 'maintenance' ? key : assessor.apiKey,
      ),
    executions: () =>
      rt.ok<{ items: { name: string; status: string; phase: string }[] }>(
        'GET',
        `/ops/companies/${id}/executions`,
        undefined,
        rt.opsKey,
      ),
  };
}
