/**
 * Item 3: the warm cost of the middy + Powertools stack, in one process, in one run. The same request —
 * `GET /companies/{companyId}` by the company's key, a strongly consistent read of the record and the status
 * projection — is served alternately by:
 *
 * - the stack: the Lambda handler of functions/api/companies.ts (Logger context injection, Metrics flush,
 *   error mapping, request parsing and role checks, idempotency pass-through) fed an API Gateway v2 event, as
 *   Lambda calls it;
 * - the bare business function: the route's `handle` with the already-parsed context, its body serialised to
 *   JSON (what any handler must do to answer).
 *
 * The process is configured as in Lambda, not as in the local runtime: Powertools Metrics enabled (an EMF
 * document flushed to stdout per invocation), INFO logs, no POWERTOOLS_DEV. stdout is discarded by the parent.
 * The DynamoDB behind both is the local runtime's (dynalite, in this process).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Context } from 'aws-lambda';
import type { ApiEvent } from '../functions/api/http';
import { apiEvent } from '../local/api-gateway';
import { ApiClient } from './lib/client';
import { childMain, median, percentile, progress, round } from './lib/child';

export interface WarmOptions {
  iterations: number;
}

export interface WarmResult {
  route: string;
  iterations: number;
  stack: { medianMs: number; p99Ms: number; meanMs: number };
  bare: { medianMs: number; p99Ms: number; meanMs: number };
  /** stack median / bare median. */
  ratio: number;
  overheadMs: number;
}

function statusEvent(companyId: string): ApiEvent {
  return apiEvent({
    method: 'GET',
    path: `/companies/${companyId}`,
    resource: '/companies/{companyId}',
    headers: { authorization: 'Bearer (resolved by the authorizer)', 'user-agent': 'bench' },
    params: { companyId },
    requestId: 'bench',
    sourceIp: '127.0.0.1',
    authorizer: { role: 'company', companyId, principalId: companyId },
  });
}

const context = {
  awsRequestId: 'bench',
  functionName: 'companies',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:ca-central-1:000000000000:function:companies',
  memoryLimitInMB: '512',
  logGroupName: 'bench',
  logStreamName: 'bench',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} satisfies Context;

const summary = (xs: number[]) => ({
  medianMs: round(median(xs), 3),
  p99Ms: round(percentile(xs, 99), 3),
  meanMs: round(xs.reduce((s, x) => s + x, 0) / xs.length, 3),
});

async function warm(options: WarmOptions): Promise<WarmResult> {
  const { startRuntime } = await import('../local/start');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'secor-bench-warm-'));
  const rt = await startRuntime({ port: 0, sesPort: 0, dataDir, quiet: true });
  try {
    // As in Lambda (the local runtime turns metrics off and logs at WARN): set before the API module loads.
    Object.assign(process.env, { POWERTOOLS_METRICS_DISABLED: 'false', POWERTOOLS_LOG_LEVEL: 'INFO' });
    delete process.env.POWERTOOLS_DEV;
    const api = new ApiClient(rt.apiUrl);
    const company = await api.ok<{ companyId: string }>('POST', '/companies', {
      legalName: `Warm Bench ${Date.now()} Ltd.`,
      region: 'AB',
      employeeCount: 6,
      contact: { name: 'Pat Owner', email: 'owner@warm.example' },
    });
    await api.advance(0);
    const { handler, routes } = await import('../functions/api/companies');
    const route = routes['GET /companies/{companyId}'];
    if (!route) throw new Error('no GET /companies/{companyId} route');
    const { companyId } = company;
    const stack = async () => {
      const res = await handler(statusEvent(companyId), context);
      if (typeof res !== 'object' || res.statusCode !== 200) throw new Error('the stack did not answer 200');
    };
    const bare = async () => {
      const r = await route.handle({
        body: undefined,
        principal: { role: 'company', companyId },
        params: { companyId },
        query: {},
      });
      const res = {
        statusCode: r.status,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(r.body),
      };
      if (res.statusCode !== 200) throw new Error('the bare function did not answer 200');
    };
    const time = async (fn: () => Promise<void>) => {
      const t0 = performance.now();
      await fn();
      return performance.now() - t0;
    };
    const warmup = Math.max(100, Math.floor(options.iterations / 10));
    for (let i = 0; i < warmup; i++) {
      await stack();
      await bare();
    }
    progress(`warm: ${options.iterations} alternating invocations of each`);
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < options.iterations; i++) {
      // Alternate which goes first, so neither always runs on the other's garbage.
      if (i % 2) {
        a.push(await time(stack));
        b.push(await time(bare));
      } else {
        b.push(await time(bare));
        a.push(await time(stack));
      }
    }
    const s = summary(a);
    const r = summary(b);
    return {
      route: 'GET /companies/{companyId}',
      iterations: options.iterations,
      stack: s,
      bare: r,
      ratio: round(s.medianMs / r.medianMs, 3),
      overheadMs: round(s.medianMs - r.medianMs, 3),
    };
  } finally {
    await rt.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) childMain(warm);
