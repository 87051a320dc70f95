/**
 * Item 5: N companies through a whole cycle (the happy path of bench/paths.ts) on the local runtime in this
 * process, with the virtual clock: wall time, peak RSS, transitions per second, and a check that no company
 * was left unfinished (each must hold its second certificate, in the next cycle's first maintenance year, and
 * no execution may have failed). Where the time goes is recorded too: HTTP calls per step vs clock advances
 * (the settle loop fires due timers one at a time, letting each one's work finish before the next).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ApiClient, pool, type Json } from './lib/client';
import { childMain, progress, round } from './lib/child';
import { ConsistencyMonitor, type StaleRead } from './lib/consistency';
import { happyCycle } from './paths';

export interface ScaleOptions {
  companies: number;
  concurrency: number;
}

export interface ScaleResult {
  companies: number;
  concurrency: number;
  /** Sign-up of the first company to the last one's second certificate (runtime start-up excluded). */
  wallSeconds: number;
  startupSeconds: number;
  /** RSS once the runtime has started, before the first company. */
  startupRssMb?: number;
  peakRssMb: number;
  transitions: number;
  transitionsPerSecond: number;
  executions: number;
  lambdaInvocations: number;
  apiRequests: number;
  /** Seconds spent in clock advances (the settle loop) vs in API calls, and per step. */
  clockSeconds: number;
  timersFired: number;
  stepSeconds: Record<string, number>;
  unfinished: number;
  /** The first few unfinished companies: where they stopped. */
  unfinishedDetails: Record<string, unknown>[];
  failedExecutions: number;
  /** Strongly consistent reads of company records by the handlers, and those that returned an older version. */
  recordReads?: number;
  staleReads?: number;
  staleReadDetails?: StaleRead[];
}

/** Times the clock advances apart from the API calls, and keeps each company's calls (for diagnosis). */
class TimedApiClient extends ApiClient {
  clockMs = 0;
  timersFired = 0;
  readonly calls = new Map<string, string[]>();

  override async call<T>(method: string, path: string, body?: unknown, key?: string, query?: Json) {
    const res = await super.call<T>(method, path, body, key, query);
    const id = /^\/companies\/(c[0-9a-f]{20})/.exec(path)?.[1];
    if (id && method !== 'GET') {
      const list = this.calls.get(id) ?? [];
      list.push(
        `${new Date().toISOString()} ${method} ${path.replace(`/companies/${id}`, '') || '/'} → ${res.status} ${JSON.stringify(res.body).slice(0, 80)}`,
      );
      this.calls.set(id, list);
    }
    return res;
  }

  override async advance(days: number): Promise<string> {
    const t0 = performance.now();
    const r = await this.ok<{ now: string; timersFired: number }>('POST', '/_local/clock', {
      advanceDays: days,
    });
    this.clockMs += performance.now() - t0;
    this.timersFired += r.timersFired;
    return r.now;
  }
}

async function scale(options: ScaleOptions): Promise<ScaleResult> {
  const t0 = performance.now();
  const { startRuntime } = await import('../local/start');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'secor-bench-scale-'));
  const rt = await startRuntime({ port: 0, sesPort: 0, dataDir, quiet: true });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  try {
    const startupSeconds = (performance.now() - t0) / 1000;
    const startupRssMb = round(process.memoryUsage().rss / 1024 / 1024, 0);
    const api = new TimedApiClient(rt.apiUrl);
    const assessor = await api.ok<{ apiKey: string }>(
      'POST',
      '/ops/assessors',
      { name: 'Bench Assessor', email: 'assessor@bench.example' },
      rt.opsKey,
    );
    const consistency = new ConsistencyMonitor();
    await consistency.attach();
    const before = rt.stats();
    const steps: [string, number][] = [];
    const started = performance.now();
    const failures = new Map<string, string>();
    const companies = await happyCycle(
      {
        api,
        assessorKey: assessor.apiKey,
        runTag: `s${Date.now().toString(36)}`,
        concurrency: options.concurrency,
        onStep: (s) => {
          steps.push([s, performance.now()]);
          progress(
            `scale (${options.companies}): ${s} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
          );
        },
      },
      options.companies,
      failures,
    );
    const ended = performance.now();
    const apiRequests = api.requests;
    const wallSeconds = (ended - started) / 1000;
    const after = rt.stats();
    const stepSeconds: Record<string, number> = {};
    steps.forEach(([s, at], i) => (stepSeconds[s] = round(((steps[i + 1]?.[1] ?? ended) - at) / 1000, 1)));

    // No company left unfinished: each holds its second certificate, in cycle 2's first maintenance year.
    const sfn = new SFNClient({
      endpoint: rt.sfnUrl,
      region: 'ca-central-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    let unfinished = 0;
    const unfinishedDetails: Record<string, unknown>[] = [];
    await pool(companies, options.concurrency, async (c) => {
      const s = await api.ok<{ phase: string; cycle: number }>('GET', `/companies/${c.id}`, undefined, c.key);
      if (s.phase === 'MAINTENANCE' && s.cycle === 2) return;
      unfinished += 1;
      if (unfinishedDetails.length < 5) {
        const executions = await api.ok<{ items: { name: string; status: string; executionArn: string }[] }>(
          'GET',
          `/ops/companies/${c.id}/executions`,
          undefined,
          rt.opsKey,
        );
        // The last finished executions' states, as Step Functions recorded them.
        const histories: Record<string, string[]> = {};
        for (const e of executions.items.filter((x) => x.status !== 'NOT_STARTED').slice(-2)) {
          const h = await sfn.send(new GetExecutionHistoryCommand({ executionArn: e.executionArn }));
          histories[e.name.slice(22)] = (h.events ?? []).map(
            (ev) =>
              `${ev.timestamp?.toISOString()} ${String(ev.type)} ${ev.stateEnteredEventDetails?.name ?? ''}`,
          );
        }
        unfinishedDetails.push({
          refused: failures.get(c.id),
          ...s,
          executions: executions.items.map((e) => `${e.name.slice(22)} ${e.status}`),
          histories,
          calls: api.calls.get(c.id) ?? [],
        });
      }
    });
    const { synthesizeLifecycle } = await import('../local/synthesized');
    const failed = await sfn.send(
      new ListExecutionsCommand({
        stateMachineArn: synthesizeLifecycle().stateMachineArn,
        statusFilter: 'FAILED',
        maxResults: 1000,
      }),
    );
    const transitions = after.transitions - before.transitions;
    return {
      companies: options.companies,
      concurrency: options.concurrency,
      wallSeconds: round(wallSeconds, 1),
      startupSeconds: round(startupSeconds, 1),
      startupRssMb,
      peakRssMb: round(Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 1024 / 1024, 0),
      transitions,
      transitionsPerSecond: round(transitions / wallSeconds, 0),
      executions: after.executionsStarted - before.executionsStarted,
      lambdaInvocations: after.lambdaInvocations - before.lambdaInvocations,
      apiRequests,
      clockSeconds: round(api.clockMs / 1000, 1),
      timersFired: api.timersFired,
      stepSeconds,
      unfinished,
      unfinishedDetails,
      failedExecutions: failed.executions?.length ?? 0,
      recordReads: consistency.reads,
      staleReads: consistency.stale.length,
      staleReadDetails: consistency.stale.slice(0, 5),
    };
  } finally {
    clearInterval(sampler);
    await rt.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) childMain(scale);
