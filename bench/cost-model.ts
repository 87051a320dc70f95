/**
 * Dollars from counted units (bench/pricing.json), for the event-driven design as measured (bench/cost.ts) and
 * for the same company under a daily-polling design, modelled:
 *
 *   every day, a Wait of one day → a check task (a Lambda that reads the company record, sends what is due and
 *   decides) → a Choice: 3 state transitions, 1 Lambda invocation (the measured median duration of the
 *   `progress` task, which does exactly that work), 1 strongly consistent read of the company record (its
 *   measured size) — over the cycle's span, at least 3 years (1,095 days), plus 2 transitions per yearly
 *   execution (a Standard execution lives at most a year). The API side (requests, API and authorizer Lambdas
 *   and their reads), the writes and the emails are the measured ones: a polling design sends the same emails
 *   and writes the same records.
 */
import pricing from './pricing.json';
import type { CycleCounts } from './cost';
import { readUnits } from './lib/size';

export type Pricing = typeof pricing;

export interface Quantities {
  transitions: number;
  executions: number;
  lambdaRequests: number;
  /** Lambda invocations that start their own X-Ray trace (API handlers and the authorizer). */
  apiLambdaInvocations: number;
  lambdaGbSeconds: number;
  readUnits: number;
  writeUnits: number;
  emails: number;
  apiRequests: number;
}

export interface CostLine {
  item: string;
  quantity: number;
  unit: string;
  usd: number;
  /** Estimated from the counted units (not counted itself). */
  estimated?: boolean;
}

export interface PricedCycle {
  label: string;
  quantities: Quantities;
  lines: CostLine[];
  /** All lines. */
  usd: number;
  /** The counted lines only (no log/trace estimates). */
  countedUsd: number;
}

export const CYCLE_MONTHS = 36;
export const POLLING_MIN_DAYS = 1095;

const isTask = (module: string) => module.startsWith('functions/tasks/');

export function measuredQuantities(c: CycleCounts): Quantities {
  const fns = Object.entries(c.lambda);
  return {
    transitions: c.transitions,
    executions: c.executions,
    lambdaRequests: c.lambdaInvocations,
    apiLambdaInvocations: fns.filter(([m]) => !isTask(m)).reduce((s, [, f]) => s + f.invocations, 0),
    lambdaGbSeconds: c.lambdaGbSeconds,
    readUnits: c.dynamo.readUnits,
    writeUnits: c.dynamo.writeUnits,
    emails: c.emails,
    apiRequests: c.apiRequests,
  };
}

export function pollingQuantities(c: CycleCounts): Quantities & { days: number } {
  const days = Math.max(POLLING_MIN_DAYS, c.virtualDays);
  const executions = Math.ceil(days / 364);
  const fns = Object.entries(c.lambda);
  const apiFns = fns.filter(([m]) => !isTask(m)).map(([, f]) => f);
  const check = c.lambda['functions/tasks/progress.ts'];
  const checkMs = Math.ceil(check?.medianMs ?? 50);
  const checkGb = (check?.memoryMb ?? 512) / 1024;
  const taskReads = Object.entries(c.dynamo.byModule)
    .filter(([m]) => isTask(m))
    .reduce((s, [, u]) => s + u.readUnits, 0);
  const profileBytes = c.dynamo.maxItemBytes.PROFILE ?? 4096;
  const apiInvocations = apiFns.reduce((s, f) => s + f.invocations, 0);
  return {
    days,
    transitions: days * 3 + executions * 2,
    executions,
    lambdaRequests: apiInvocations + days,
    apiLambdaInvocations: apiInvocations,
    lambdaGbSeconds: apiFns.reduce((s, f) => s + f.gbSeconds, 0) + days * (checkMs / 1000) * checkGb,
    readUnits: c.dynamo.readUnits - taskReads + days * readUnits(profileBytes, true),
    writeUnits: c.dynamo.writeUnits,
    emails: c.emails,
    apiRequests: c.apiRequests,
  };
}

export function price(label: string, q: Quantities, p: Pricing = pricing): PricedCycle {
  const P = p.prices;
  const e = p.estimates;
  const logBytes =
    q.transitions * e.logBytesPerTransition +
    q.lambdaRequests * e.logBytesPerLambdaInvocation +
    q.apiRequests * e.logBytesPerApiRequest;
  const traces =
    q.executions * e.tracesPerExecution + q.apiLambdaInvocations * e.tracesPerApiLambdaInvocation;
  const lines: CostLine[] = [
    {
      item: 'Step Functions',
      quantity: q.transitions,
      unit: 'transitions',
      usd: q.transitions * P.stepFunctionsStateTransition.usd,
    },
    {
      item: 'Lambda requests',
      quantity: q.lambdaRequests,
      unit: 'invocations',
      usd: q.lambdaRequests * P.lambdaRequest.usd,
    },
    {
      item: 'Lambda duration',
      quantity: q.lambdaGbSeconds,
      unit: 'GB-s',
      usd: q.lambdaGbSeconds * P.lambdaGbSecondArm.usd,
    },
    {
      item: 'DynamoDB reads',
      quantity: q.readUnits,
      unit: 'RRU',
      usd: q.readUnits * P.dynamoDbReadRequestUnit.usd,
    },
    {
      item: 'DynamoDB writes',
      quantity: q.writeUnits,
      unit: 'WRU',
      usd: q.writeUnits * P.dynamoDbWriteRequestUnit.usd,
    },
    { item: 'SES', quantity: q.emails, unit: 'emails', usd: q.emails * P.sesEmail.usd },
    {
      item: 'API Gateway',
      quantity: q.apiRequests,
      unit: 'requests',
      usd: q.apiRequests * P.apiGatewayHttpRequest.usd,
    },
    {
      item: 'CloudWatch Logs (est.)',
      quantity: logBytes / 1024,
      unit: 'KB',
      usd: (logBytes / 1024 ** 3) * P.cloudWatchLogsIngestionGb.usd,
      estimated: true,
    },
    {
      item: 'X-Ray (est.)',
      quantity: traces,
      unit: 'traces',
      usd: traces * P.xrayTraceRecorded.usd,
      estimated: true,
    },
  ];
  const usd = lines.reduce((s, l) => s + l.usd, 0);
  return {
    label,
    quantities: q,
    lines,
    usd,
    countedUsd: lines.filter((l) => !l.estimated).reduce((s, l) => s + l.usd, 0),
  };
}

/** Monthly bill for `companies` companies, each costing `perCycle` per 3-year cycle. */
export const monthly = (perCycle: number, companies: number) => (perCycle / CYCLE_MONTHS) * companies;
