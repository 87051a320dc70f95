/**
 * Dollars from counted units (bench/pricing.json), for the event-driven design as measured (bench/cost.ts) and
 * for the same company under the daily-polling anchor, measured in the same run (bench/polling/): its state
 * transitions, executions, check invocations (their measured durations × the memory of the lifecycle's
 * `progress` task, which does the same work) and its reads of the company record are its own; the API side
 * (requests, API and authorizer Lambdas and their reads), the writes and the emails are the lifecycle's — a
 * polling design serves the same API, sends the same emails and writes the same records.
 */
import pricing from './pricing.json';
import type { CycleCounts } from './cost';

export type Pricing = typeof pricing;

/** The measured company paths (bench/paths.ts, bench/typical.ts). */
export const PATHS = ['happy', 'typical', 'worst'] as const;
export type PathName = (typeof PATHS)[number];

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

/** The same company under the daily-polling anchor (measured alongside it, `c.polling`). */
export function pollingQuantities(c: CycleCounts): Quantities {
  const p = c.polling;
  const apiFns = Object.entries(c.lambda)
    .filter(([m]) => !isTask(m))
    .map(([, f]) => f);
  const taskReads = Object.entries(c.dynamo.byModule)
    .filter(([m]) => isTask(m))
    .reduce((s, [, u]) => s + u.readUnits, 0);
  const apiInvocations = apiFns.reduce((s, f) => s + f.invocations, 0);
  return {
    transitions: p.transitions,
    executions: p.executions,
    lambdaRequests: apiInvocations + p.checkInvocations,
    apiLambdaInvocations: apiInvocations,
    lambdaGbSeconds: apiFns.reduce((s, f) => s + f.gbSeconds, 0) + p.checkGbSeconds,
    readUnits: c.dynamo.readUnits - taskReads + p.readUnits,
    writeUnits: c.dynamo.writeUnits,
    emails: c.emails,
    apiRequests: c.apiRequests,
  };
}

/** How many times the polling anchor's units are the lifecycle's, for one path. */
export interface PollingRatios {
  transitions: number;
  /** All Lambda invocations (API side included, the same in both). */
  lambdaInvocations: number;
  /** The check task's invocations vs the lifecycle's task invocations. */
  taskInvocations: number;
  usd: number;
}

export function pollingRatios(c: CycleCounts, ours: PricedCycle, polling: PricedCycle): PollingRatios {
  const tasks = Object.entries(c.lambda)
    .filter(([m]) => isTask(m))
    .reduce((s, [, f]) => s + f.invocations, 0);
  const r = (a: number, b: number) => (b > 0 ? Number((a / b).toFixed(1)) : 0);
  return {
    transitions: r(polling.quantities.transitions, ours.quantities.transitions),
    lambdaInvocations: r(polling.quantities.lambdaRequests, ours.quantities.lambdaRequests),
    taskInvocations: r(c.polling.checkInvocations, tasks),
    usd: r(polling.usd, ours.usd),
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

/** The cost section of bench/results.json: each path measured, priced, and against its polling anchor. */
export interface CostSection {
  cycles: Record<PathName, CycleCounts>;
  priced: Record<PathName, PricedCycle>;
  polling: Record<PathName, PricedCycle & { days: number }>;
  ratios: Record<PathName, PollingRatios>;
}

export function costSection(cycles: Record<PathName, CycleCounts>): CostSection {
  const section = { cycles, priced: {}, polling: {}, ratios: {} } as CostSection;
  for (const p of PATHS) {
    const c = cycles[p];
    const ours = price(p, measuredQuantities(c));
    const polling = price(`daily polling, ${p}`, pollingQuantities(c));
    section.priced[p] = ours;
    section.polling[p] = { ...polling, days: c.polling.days };
    section.ratios[p] = pollingRatios(c, ours, polling);
  }
  return section;
}
