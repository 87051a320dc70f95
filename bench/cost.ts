/**
 * Item 1, measured: one company through a whole cycle (happy, typical or worst path, bench/paths.ts) on the
 * local runtime in this process, with every billable unit counted by bench/lib/meter.ts — state transitions
 * (the local Step Functions' StateEntered count), Lambda invocations and their durations, API requests,
 * DynamoDB request units, SES emails (the outbox, by recipient). Run as a child process by bench/run.ts (one
 * per path, so that the counts are the company's own). In the same run, the daily-polling anchor
 * (bench/polling/) polls the same company from its sign-up to the end of its path, on the same engine and
 * clock. Pricing is bench/cost-model.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import * as os from 'node:os';
import * as path from 'node:path';
import { outbox } from '../cli/local-runtime';
import type { PathName } from './cost-model';
import { ApiClient, daysBetween } from './lib/client';
import { childMain, median, progress, round } from './lib/child';
import { Meter, type DynamoTally } from './lib/meter';
import { contactEmail, happyCycle, Records, traineeEmail, worstCycle, type CompanyHandle } from './paths';
import { PollingAnchor, type PollingCounts } from './polling/anchor';
import { typicalCycle } from './typical';

export type { PathName };

export interface FunctionCounts {
  invocations: number;
  memoryMb: number;
  medianMs: number;
  totalMs: number;
  /** Σ duration rounded up to the millisecond (Lambda's billing granularity). */
  billedMs: number;
  gbSeconds: number;
}

export const RECIPIENTS = ['contact', 'trainee', 'ops', 'other'] as const;
export type RecipientName = (typeof RECIPIENTS)[number];

/** Emails to one recipient: all of them, and the reminders among them. */
export interface RecipientEmails {
  emails: number;
  reminders: number;
}

export interface CycleCounts {
  path: PathName;
  /** Virtual days from sign-up to the end of the path (the next cycle's certificate). */
  virtualDays: number;
  executions: number;
  transitions: number;
  /** Transitions by execution (name without the company id) and by state entered. */
  transitionsByExecution: Record<string, number>;
  transitionsByState: Record<string, number>;
  /** Task invocations as the local Step Functions counted them (a cross-check of the meter's count). */
  sfnLambdaInvocations: number;
  lambda: Record<string, FunctionCounts>;
  lambdaInvocations: number;
  lambdaGbSeconds: number;
  apiRequests: number;
  apiServerErrors: number;
  dynamo: DynamoTally;
  emails: number;
  /** Emails by recipient address: the company's contact, its trainee, operations, anyone else. */
  emailsByRecipient: Record<RecipientName, RecipientEmails>;
  /** The daily-polling anchor, polling the same company over the same days. */
  polling: PollingCounts;
  wallSeconds: number;
}

async function measure(options: { path: PathName }): Promise<CycleCounts> {
  const t0 = performance.now();
  const meter = new Meter({ precise: true });
  meter.patchRuntime();
  const { startRuntime, TABLE_NAME } = await import('../local/start');
  const { synthesizeLifecycle } = await import('../local/synthesized');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `secor-bench-cost-${options.path}-`));
  const rt = await startRuntime({ port: 0, sesPort: 0, dataDir, quiet: true });
  let polling: PollingAnchor | undefined;
  try {
    meter.attachDynamo(rt.functions.functions);
    const api = new ApiClient(rt.apiUrl);
    const assessor = await api.ok<{ apiKey: string }>(
      'POST',
      '/ops/assessors',
      { name: 'Bench Assessor', email: 'assessor@bench.example' },
      rt.opsKey,
    );
    await api.advance(0);
    const actors = {
      api,
      assessorKey: assessor.apiKey,
      runTag: `${options.path}${Date.now().toString(36)}`,
      concurrency: 1,
      onStep: (s: string) => progress(`${options.path}: ${s}`),
      onSignUp: (c: CompanyHandle) => polling?.watch(c.id),
    };
    const memory = memoryByModule(synthesizeLifecycle().template);
    // The check does the work of the lifecycle's `progress` task (read the record, work out what is due):
    // the same memory.
    polling = new PollingAnchor(TABLE_NAME, memory['functions/tasks/progress.ts'] ?? 512);
    await polling.listen();
    const emailsBefore = (await outbox(rt.sesUrl)).length;
    const statsBefore = rt.stats();
    const startDay = await api.today();
    meter.reset();
    meter.counting = true;
    const records = new Records(TABLE_NAME);
    let company: CompanyHandle | undefined;
    if (options.path === 'happy') {
      const failures = new Map<string, string>();
      [company] = await happyCycle(actors, 1, failures);
      if (failures.size) throw new Error(`happy path refused: ${[...failures.values()].join('; ')}`);
    } else if (options.path === 'typical') company = await typicalCycle(actors, records);
    else company = await worstCycle(actors, records);
    await api.advance(0);
    const pollingCounts = await polling.stop();
    meter.counting = false;
    if (!company) throw new Error(`${options.path}: no company`);
    const stats = rt.stats();
    const snap = meter.snapshot();
    const emails = (await outbox(rt.sesUrl)).slice(emailsBefore);
    const lambda: Record<string, FunctionCounts> = {};
    for (const [module, durations] of Object.entries(snap.lambda)) {
      const memoryMb = memory[module] ?? 512;
      const billedMs = durations.reduce((s, d) => s + Math.ceil(d), 0);
      lambda[module] = {
        invocations: durations.length,
        memoryMb,
        medianMs: round(median(durations), 2),
        totalMs: round(
          durations.reduce((s, d) => s + d, 0),
          1,
        ),
        billedMs,
        gbSeconds: (billedMs / 1000) * (memoryMb / 1024),
      };
    }
    const fns = Object.values(lambda);
    const history = await transitionsOf(rt.sfnUrl);
    return {
      path: options.path,
      virtualDays: daysBetween(startDay, await api.today()),
      executions: stats.executionsStarted - statsBefore.executionsStarted,
      transitions: stats.transitions - statsBefore.transitions,
      ...history,
      sfnLambdaInvocations: stats.lambdaInvocations - statsBefore.lambdaInvocations,
      lambda,
      lambdaInvocations: fns.reduce((s, f) => s + f.invocations, 0),
      lambdaGbSeconds: fns.reduce((s, f) => s + f.gbSeconds, 0),
      apiRequests: snap.api.requests,
      apiServerErrors: snap.api.serverErrors,
      dynamo: snap.dynamo,
      emails: emails.length,
      emailsByRecipient: byRecipient(emails, company.tag),
      polling: pollingCounts,
      wallSeconds: round((performance.now() - t0) / 1000, 1),
    };
  } finally {
    await polling?.close();
    await rt.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Emails by recipient address (an email to several is counted for each); reminders by their subject. */
function byRecipient(
  emails: { destination: { to: string[] }; subject: string }[],
  tag: string,
): Record<RecipientName, RecipientEmails> {
  const out = Object.fromEntries(RECIPIENTS.map((r) => [r, { emails: 0, reminders: 0 }])) as Record<
    RecipientName,
    RecipientEmails
  >;
  const ops = (process.env.OPS_EMAIL ?? 'operations@secor.local').toLowerCase();
  const who = (address: string): RecipientName => {
    const a = address.toLowerCase();
    return a === contactEmail(tag).toLowerCase()
      ? 'contact'
      : a === traineeEmail(tag).toLowerCase()
        ? 'trainee'
        : a === ops
          ? 'ops'
          : 'other';
  };
  for (const e of emails)
    for (const to of e.destination.to) {
      const r = out[who(to.replace(/^.*<([^>]+)>$/, '$1'))];
      r.emails += 1;
      if (e.subject.startsWith('Reminder: ') || e.subject.includes(' can be done now')) r.reminders += 1;
    }
  return out;
}

/** Every execution's StateEntered events, read back through the Step Functions API. */
async function transitionsOf(endpoint: string) {
  const sfn = new SFNClient({
    endpoint,
    region: 'ca-central-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const byExecution: Record<string, number> = {};
  const byState: Record<string, number> = {};
  const { synthesizeLifecycle } = await import('../local/synthesized');
  const list = await sfn.send(
    new ListExecutionsCommand({ stateMachineArn: synthesizeLifecycle().stateMachineArn, maxResults: 1000 }),
  );
  for (const e of [...(list.executions ?? [])].reverse()) {
    const h = await sfn.send(new GetExecutionHistoryCommand({ executionArn: e.executionArn }));
    const entered = (h.events ?? []).filter((ev) => String(ev.type).endsWith('StateEntered'));
    byExecution[String(e.name).replace(/^c[0-9a-f]{20}-/, '')] = entered.length;
    for (const ev of entered) {
      const name = ev.stateEnteredEventDetails?.name ?? '?';
      byState[name] = (byState[name] ?? 0) + 1;
    }
  }
  return { transitionsByExecution: byExecution, transitionsByState: byState };
}

/** Memory (MB) of every Lambda function in the synthesized stack, by its handler module. */
function memoryByModule(template: {
  Resources: Record<
    string,
    { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }
  >;
}): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of Object.values(template.Resources)) {
    const entry = r.Metadata?.['secor:handler'];
    if (r.Type === 'AWS::Lambda::Function' && typeof entry === 'string')
      out[entry] = Number(r.Properties?.MemorySize ?? 128);
  }
  return out;
}

if (require.main === module) childMain(measure);
