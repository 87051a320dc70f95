/**
 * `npm run bench`: the cost and speed benchmarks of issue 7. Each measurement that needs a local runtime runs
 * in its own process (bench/lib/child.ts); the cold-start one spawns fresh Node processes; the load one
 * starts the runtime as `npm start` does. Writes bench/results.json and bench/PERFORMANCE.md (the README's
 * "Performance" section), prints the markdown tables.
 *
 *   npm run bench                          # everything, defaults (under 10 minutes on 2 cores)
 *   npm run bench -- --companies 1000      # the scale run at the issue's 1,000 companies
 *   npm run bench -- --only scale,overdue  # some measurements; the others keep their last results
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { format, resolveConfig } from 'prettier';
import { coldStart } from './cold-start';
import type { CycleCounts, PathName } from './cost';
import { measuredQuantities, pollingQuantities, price } from './cost-model';
import { runChild } from './lib/child';
import { load } from './load';
import { notes } from './notes';
import type { OverdueResult } from './overdue';
import { DEFAULT_COMPANIES, machineLine, report, type Machine, type Results } from './report';
import type { ScaleResult } from './scale';
import type { WarmResult } from './warm';

const SECTIONS = ['cost', 'cold', 'warm', 'load', 'scale', 'overdue'] as const;
type Section = (typeof SECTIONS)[number];

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
};

interface Options {
  companies: number;
  concurrency: number;
  coldRuns: number;
  warmIterations: number;
  loadSeconds: number;
  connections: number;
  overdueBase: number;
  overdue: number;
  only?: string;
  skipCost?: boolean;
  skipCold?: boolean;
  skipWarm?: boolean;
  skipLoad?: boolean;
  skipScale?: boolean;
  skipOverdue?: boolean;
  reportOnly?: boolean;
  out: string;
}

function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: (cpus[0]?.model ?? 'unknown CPU').trim(),
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

const heading = (s: string) => process.stderr.write(`\n▶ ${s}\n`);

async function main(): Promise<void> {
  const program = new Command()
    .name('npm run bench --')
    .description('Cost and speed benchmarks of the SECOR lifecycle on the local runtime (issue 7).')
    .option('--companies <n>', 'companies in the scale run', positiveInt, DEFAULT_COMPANIES)
    .option('--concurrency <n>', 'HTTP requests in flight in the scale run', positiveInt, 20)
    .option('--cold-runs <n>', 'fresh Node processes per handler (cold start)', positiveInt, 20)
    .option('--warm-iterations <n>', 'invocations of each variant (warm overhead)', positiveInt, 2000)
    .option('--load-seconds <n>', 'duration of each load scenario', positiveInt, 10)
    .option('--connections <n>', 'concurrent connections under load', positiveInt, 50)
    .option(
      '--overdue-base <n>',
      'companies at 1× in the overdue query (10× is ten times that)',
      positiveInt,
      1000,
    )
    .option('--overdue <n>', 'overdue companies in the overdue query', positiveInt, 50)
    .option('--only <sections>', `run only these (comma-separated: ${SECTIONS.join(', ')})`)
    .option('--skip-cost', 'skip the cost-per-cycle measurement')
    .option('--skip-cold', 'skip the cold-start measurement')
    .option('--skip-warm', 'skip the warm-overhead measurement')
    .option('--skip-load', 'skip the HTTP load test')
    .option('--skip-scale', 'skip the scale run')
    .option('--skip-overdue', 'skip the overdue-query measurement')
    .option(
      '--report-only',
      'measure nothing: rewrite PERFORMANCE.md and print the tables from the results file',
    )
    .option('--out <file>', 'results file', path.join(__dirname, 'results.json'))
    .parse();
  const o = program.opts<Options>();
  const only = o.only?.split(',').map((s) => s.trim());
  for (const s of only ?? [])
    if (!(SECTIONS as readonly string[]).includes(s)) program.error(`--only: unknown section ${s}`);
  const skip: Record<Section, boolean | undefined> = {
    cost: o.skipCost,
    cold: o.skipCold,
    warm: o.skipWarm,
    load: o.skipLoad,
    scale: o.skipScale,
    overdue: o.skipOverdue,
  };
  const runs = (s: Section) => !o.reportOnly && (only ? only.includes(s) : !skip[s]);

  const t0 = performance.now();
  const m = machine();
  const previous: Partial<Results> = existsSync(o.out)
    ? (JSON.parse(readFileSync(o.out, 'utf8')) as Results)
    : {};
  process.stderr.write(`SECOR benchmarks on ${machineLine(m)}\n`);
  if (o.reportOnly && !previous.generatedAt) program.error(`--report-only: no results in ${o.out}`);
  // Sections not run this time keep their last results (each says when it was measured).
  const results: Results = o.reportOnly
    ? (previous as Results)
    : {
        ...previous,
        generatedAt: new Date().toISOString(),
        machine: m,
        wallSeconds: 0,
        options: { ...o, out: path.relative(process.cwd(), o.out) },
        measuredAt: { ...previous.measuredAt },
      };
  const stamp = (s: string) => ((results.measuredAt as Record<string, string>)[s] = new Date().toISOString());

  if (runs('cost')) {
    heading('1. cost per company per cycle (happy, then worst path)');
    const cycles = {} as Record<PathName, CycleCounts>;
    for (const p of ['happy', 'worst'] as const)
      cycles[p] = await runChild<CycleCounts>('cost.ts', { path: p });
    const priced = {
      happy: price('happy', measuredQuantities(cycles.happy)),
      worst: price('worst', measuredQuantities(cycles.worst)),
    };
    const pq = { happy: pollingQuantities(cycles.happy), worst: pollingQuantities(cycles.worst) };
    results.cost = {
      cycles,
      priced,
      polling: {
        happy: { ...price('daily polling, happy', pq.happy), days: pq.happy.days },
        worst: { ...price('daily polling, worst', pq.worst), days: pq.worst.days },
      },
    };
    stamp('cost');
  }
  if (runs('cold')) {
    heading('2. cold start');
    results.coldStart = await coldStart({ runs: o.coldRuns });
    stamp('coldStart');
  }
  if (runs('warm')) {
    heading('3. warm overhead');
    results.warm = await runChild<WarmResult>(
      'warm.ts',
      { iterations: o.warmIterations },
      { quietStdout: true },
    );
    stamp('warm');
  }
  if (runs('load')) {
    heading('4. the local HTTP API under load');
    results.load = await load({ connections: o.connections, durationSeconds: o.loadSeconds });
    stamp('load');
  }
  if (runs('scale')) {
    heading(`5. scale: ${o.companies} companies through a whole cycle`);
    const scale = await runChild<ScaleResult>('scale.ts', {
      companies: o.companies,
      concurrency: o.concurrency,
    });
    results.scale = scale;
    results.scaleRuns = {
      ...previous.scaleRuns,
      [String(scale.companies)]: { ...scale, measuredAt: new Date().toISOString(), machine: m },
    };
    stamp('scale');
  }
  if (runs('overdue')) {
    heading('6. the overdue query');
    results.overdue = await runChild<OverdueResult>('overdue.ts', {
      base: o.overdueBase,
      overdue: o.overdue,
    });
    stamp('overdue');
  }
  if (!o.reportOnly) {
    results.wallSeconds = Math.round((performance.now() - t0) / 1000);
    writeFileSync(o.out, `${JSON.stringify(results, null, 2)}\n`);
  }
  const markdown = report(results);
  // Formatted as the repository's Prettier config formats markdown, so `prettier --check .` stays clean.
  const performanceFile = path.join(__dirname, 'PERFORMANCE.md');
  const performanceMd = [
    '## Performance',
    '',
    '<!-- Generated by `npm run bench` (bench/run.ts) from bench/results.json: paste into README.md. -->',
    '',
    markdown,
    '',
    notes(results),
    '',
  ].join('\n');
  const prettierOptions = (await resolveConfig(performanceFile)) ?? {};
  writeFileSync(performanceFile, await format(performanceMd, { ...prettierOptions, parser: 'markdown' }));
  process.stdout.write(
    `\n${markdown}\n\nWrote ${o.reportOnly ? '' : `${path.relative(process.cwd(), o.out)} and `}bench/PERFORMANCE.md\n`,
  );
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(`bench failed: ${e.stack ?? e.message}\n`);
    process.exit(1);
  },
);
