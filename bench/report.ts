/** The markdown tables of `npm run bench`, from bench/results.json's shape. */
import { TARGETS as CAPACITY_TARGETS, type CapacityResult } from './capacity';
import { capacityNotes, capacityTable } from './report-capacity';
import type { ColdStartResult } from './cold-start';
import type { CostSection } from './cost-model';
import type { LoadResult } from './load';
import type { OverdueResult } from './overdue';
import type { ScaleResult } from './scale';
import type { WarmResult } from './warm';
import { billTable, costTable, int, pathsOf, pathTable, pollingTable, row, usd } from './report-cost';

export type { CostSection };

/** Default scale size: what keeps the whole `npm run bench` under 10 minutes on a 2-core machine. */
export const DEFAULT_COMPANIES = 250;

export const TARGETS = {
  happyTransitions: 60,
  happyUsd: 0.005,
  /** The typical path (every step 30 days before its due date): emails to each person, cost per cycle. */
  typicalContactEmails: 25,
  typicalTraineeEmails: 8,
  typicalUsd: 0.004,
  /** The daily-polling anchor: at least this many times the lifecycle's transitions, typical path. */
  pollingTransitionsRatio: 20,
  bundleKb: 250,
  coldRatio: 3,
  warmRatio: 1.2,
  scaleCompanies: 1000,
  scaleSeconds: 120,
  scaleRssMb: 1536,
} as const;

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  platform: string;
}

export interface Results {
  generatedAt: string;
  machine: Machine;
  wallSeconds: number;
  options: Record<string, unknown>;
  /** When each section was last measured (a run with --only keeps the others' last results). */
  measuredAt?: Record<string, string>;
  cost?: CostSection;
  coldStart?: ColdStartResult;
  warm?: WarmResult;
  load?: LoadResult;
  scale?: ScaleResult;
  /** Earlier scale runs, by company count (the latest of each), kept across runs. */
  scaleRuns?: Record<string, ScaleResult & { measuredAt: string; machine: Machine }>;
  overdue?: OverdueResult;
  capacity?: CapacityResult;
}

const pct = (measured: number, target: number) => `${Math.round(((measured - target) / target) * 100)} %`;

function verdict(ok: boolean, measured: number, target: number): string {
  return ok ? '✅ met' : `❌ missed by ${pct(measured, target)}`;
}

export function machineLine(m: Machine): string {
  return `${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB RAM, ${m.platform}, Node ${m.node}`;
}

/** The typical path's targets: emails to the contact and to the trainee, and the cost of a cycle. */
function typicalRows(c: CostSection): string[] {
  const t = c.cycles.typical;
  const priced = c.priced.typical;
  if (!t || !priced) return [];
  const contact = t.emailsByRecipient?.contact.emails ?? 0;
  const trainee = t.emailsByRecipient?.trainee.emails ?? 0;
  return [
    row([
      1,
      'emails to the contact, typical-path cycle',
      `≤ ${TARGETS.typicalContactEmails}`,
      int(contact),
      verdict(contact <= TARGETS.typicalContactEmails, contact, TARGETS.typicalContactEmails),
    ]),
    row([
      1,
      'emails to the trainee, typical-path cycle',
      `≤ ${TARGETS.typicalTraineeEmails}`,
      int(trainee),
      verdict(trainee <= TARGETS.typicalTraineeEmails, trainee, TARGETS.typicalTraineeEmails),
    ]),
    row([
      1,
      'AWS variable cost per company, typical-path cycle',
      `≤ ${usd(TARGETS.typicalUsd)}`,
      usd(priced.usd),
      verdict(priced.usd <= TARGETS.typicalUsd, priced.usd, TARGETS.typicalUsd),
    ]),
  ];
}

export function summaryTable(r: Results): string {
  const lines = [row(['#', 'measure', 'target', 'measured', '']), row(['---', '---', '---', '---', '---'])];
  const c = r.cost;
  if (c) {
    const h = c.priced.happy;
    const w = c.priced.worst;
    const t = c.cycles.happy.transitions;
    lines.push(
      row([
        1,
        'state transitions per company, happy-path cycle',
        `≤ ${TARGETS.happyTransitions}`,
        int(t),
        verdict(t <= TARGETS.happyTransitions, t, TARGETS.happyTransitions),
      ]),
      row([
        1,
        'AWS variable cost per company, happy-path cycle',
        `≤ ${usd(TARGETS.happyUsd)}`,
        `${usd(h.usd)} (counted units only: ${usd(h.countedUsd)})`,
        verdict(h.usd <= TARGETS.happyUsd, h.usd, TARGETS.happyUsd),
      ]),
      ...typicalRows(c),
      row([
        1,
        'typical-path cycle (every step 30 days before its due date)',
        '—',
        c.priced.typical
          ? `${int(c.cycles.typical.transitions)} transitions, ${usd(c.priced.typical.usd)}`
          : 'not measured',
        '',
      ]),
      row([
        1,
        'worst-path cycle (every reminder, 3 failed exams, failed audit, corrective action)',
        '—',
        `${int(c.cycles.worst.transitions)} transitions, ${usd(w.usd)}`,
        '',
      ]),
    );
    const ratios = c.ratios?.typical;
    lines.push(
      row([
        1,
        'same company, daily-polling anchor (measured): its transitions ÷ ours, typical path',
        `≥ ${TARGETS.pollingTransitionsRatio}×`,
        ratios
          ? `${ratios.transitions}× (${int(c.cycles.typical.polling.transitions)} vs ${int(c.cycles.typical.transitions)}); cost ${ratios.usd}×; ` +
            pathsOf(c)
              .filter((p) => p !== 'typical' && c.ratios?.[p])
              .map((p) => `${p}: ${c.ratios[p].transitions}× transitions, ${c.ratios[p].usd}× cost`)
              .join('; ')
          : 'not measured',
        !ratios
          ? ''
          : ratios.transitions >= TARGETS.pollingTransitionsRatio
            ? '✅ met'
            : `❌ short by ${Math.round((1 - ratios.transitions / TARGETS.pollingTransitionsRatio) * 100)} %`,
      ]),
    );
  }
  const cap = r.capacity;
  if (cap) {
    const e = cap.peaks.emailsPerSecond.value;
    const t = cap.peaks.transitionsPerSecond.value;
    lines.push(
      row([
        7,
        'peak emails per second, 100,000 companies (simulated)',
        `≤ ${CAPACITY_TARGETS.emailsPerSecond}`,
        int(e),
        verdict(e <= CAPACITY_TARGETS.emailsPerSecond, e, CAPACITY_TARGETS.emailsPerSecond),
      ]),
      row([
        7,
        'peak state transitions per second, 100,000 companies (simulated)',
        `≤ ${CAPACITY_TARGETS.transitionsPerSecond}`,
        int(t),
        verdict(t <= CAPACITY_TARGETS.transitionsPerSecond, t, CAPACITY_TARGETS.transitionsPerSecond),
      ]),
      row([
        7,
        'companies FAILED because of email',
        '0',
        int(cap.companiesFailedByEmail),
        verdict(cap.companiesFailedByEmail === 0, cap.companiesFailedByEmail, 1),
      ]),
    );
  }
  const cs = r.coldStart;
  if (cs) {
    const biggest = [...cs.rows].sort((a, b) => b.bundleKb - a.bundleKb)[0];
    const over = cs.rows.filter((x) => x.bundleKb > TARGETS.bundleKb).length;
    const slowest = [...cs.rows].sort((a, b) => b.ratio - a.ratio)[0];
    const fastest = [...cs.rows].sort((a, b) => a.ratio - b.ratio)[0];
    if (biggest && slowest && fastest) {
      lines.push(
        row([
          2,
          'bundle size (esbuild, minified), largest handler',
          `≤ ${TARGETS.bundleKb} KB`,
          `${biggest.bundleKb} KB (${biggest.name}); ${over} of ${cs.rows.length} over`,
          verdict(biggest.bundleKb <= TARGETS.bundleKb, biggest.bundleKb, TARGETS.bundleKb),
        ]),
        row([
          2,
          `cold init (process start → handler ready, median of ${cs.runs}) vs bare handler (${cs.bare.coldInitMs} ms)`,
          `≤ ${TARGETS.coldRatio}×`,
          `${fastest.ratio}× (${fastest.name}) … ${slowest.ratio}× (${slowest.name}); bare + DynamoDB client alone: ${cs.bareSdk.ratio}×`,
          verdict(slowest.ratio <= TARGETS.coldRatio, slowest.ratio, TARGETS.coldRatio),
        ]),
      );
    }
  }
  const wm = r.warm;
  if (wm) {
    lines.push(
      row([
        3,
        `warm: middy + Powertools stack vs bare business function (${wm.route}, median)`,
        `≤ ${TARGETS.warmRatio}×`,
        `${wm.ratio}× (${wm.stack.medianMs} vs ${wm.bare.medianMs} ms: +${wm.overheadMs} ms)`,
        verdict(wm.ratio <= TARGETS.warmRatio, wm.ratio, TARGETS.warmRatio),
      ]),
    );
  }
  const ld = r.load;
  if (ld) {
    for (const s of ld.scenarios) {
      lines.push(
        row([
          4,
          `local API, ${s.name}, ${ld.connections} connections, ${ld.durationSeconds} s: p50 / p99, errors`,
          'errors = 0',
          `${s.p50Ms} / ${s.p99Ms} ms, ${int(s.requestsPerSecond)} req/s, ${s.errors} errors`,
          s.errors === 0 ? '✅ met' : `❌ ${s.errors} errors`,
        ]),
      );
    }
  }
  const runs = Object.values(r.scaleRuns ?? {}).sort((a, b) => a.companies - b.companies);
  const scaleRows = runs.length ? runs : r.scale ? [r.scale] : [];
  for (const s of scaleRows) {
    const at1000 = s.companies === TARGETS.scaleCompanies;
    const current =
      r.scale && r.scale.companies === s.companies
        ? ''
        : ` (run ${(s as { measuredAt?: string }).measuredAt?.slice(0, 10) ?? ''})`;
    const perCompany = s.wallSeconds / s.companies;
    lines.push(
      row([
        5,
        `scale: ${int(s.companies)} companies, whole cycle, virtual clock${current}: wall time`,
        `≤ ${TARGETS.scaleSeconds} s for ${int(TARGETS.scaleCompanies)}`,
        at1000
          ? `${s.wallSeconds} s`
          : `${s.wallSeconds} s (${perCompany.toFixed(2)} s/company → ~${int(perCompany * TARGETS.scaleCompanies)} s for 1,000)`,
        at1000
          ? verdict(s.wallSeconds <= TARGETS.scaleSeconds, s.wallSeconds, TARGETS.scaleSeconds)
          : perCompany * TARGETS.scaleCompanies <= TARGETS.scaleSeconds
            ? '✅ on track'
            : `❌ off by ~${pct(perCompany * TARGETS.scaleCompanies, TARGETS.scaleSeconds)} (extrapolated)`,
      ]),
      row([
        5,
        `scale: ${int(s.companies)} companies: peak RSS, transitions/s, unfinished, stale reads`,
        `≤ 1.5 GiB (${int(TARGETS.scaleRssMb)} MiB) for 1,000; 0 unfinished; 0 stale reads`,
        `${int(s.peakRssMb)} MiB (${((s.peakRssMb * 1024 * 1024) / 1e9).toFixed(2)} GB), ${int(s.transitionsPerSecond)} transitions/s, ${s.unfinished} unfinished, ${s.failedExecutions} failed, ${s.staleReads ?? '–'} stale of ${s.recordReads !== undefined ? int(s.recordReads) : '–'} record reads`,
        s.unfinished === 0 && s.failedExecutions === 0 && !s.staleReads
          ? at1000
            ? verdict(s.peakRssMb <= TARGETS.scaleRssMb, s.peakRssMb, TARGETS.scaleRssMb)
            : s.peakRssMb <= TARGETS.scaleRssMb
              ? '✅ (RSS at this N)'
              : '❌ RSS'
          : '❌ unfinished',
      ]),
    );
  }
  const od = r.overdue;
  if (od) {
    const [one, ten] = od.runs;
    if (one && ten)
      lines.push(
        row([
          6,
          `overdue query, items read: ${int(one.companies)} vs ${int(ten.companies)} companies, ${od.overdue} overdue`,
          'flat',
          `${int(one.itemsRead)} vs ${int(ten.itemsRead)} items (${one.readUnits} vs ${ten.readUnits} RRU)`,
          od.growth <= 1.05 ? '✅ flat' : `❌ grows ${od.growth}×`,
        ]),
      );
  }
  return lines.join('\n');
}

export function coldTable(cs: ColdStartResult): string {
  const lines = [
    row([
      'handler',
      'bundle KB',
      'source map KB',
      'module init ms',
      'cold init ms',
      '× bare',
      '× bare + SDK',
      'largest parts (KB)',
    ]),
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---']),
  ];
  for (const x of [cs.bare, cs.bareSdk, ...cs.rows]) {
    lines.push(
      row([
        x.name,
        x.bundleKb,
        x.sourceMapKb,
        x.moduleInitMs,
        x.coldInitMs,
        x.ratio,
        x.ratioToSdk,
        x.largestInputs.map((i) => `${i.name} ${i.kb}`).join(', '),
      ]),
    );
  }
  return lines.join('\n');
}

export function loadTable(ld: LoadResult): string {
  const lines = [
    row(['scenario', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'errors']),
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:']),
  ];
  for (const s of ld.scenarios)
    lines.push(row([s.name, int(s.requests), int(s.requestsPerSecond), s.p50Ms, s.p99Ms, s.maxMs, s.errors]));
  return lines.join('\n');
}

export function scaleTable(s: ScaleResult): string {
  const lines = [row(['step (with the clock advance after it)', 'seconds']), row(['---', '---:'])];
  for (const [step, secs] of Object.entries(s.stepSeconds)) lines.push(row([step, secs]));
  lines.push(
    row(['of which clock advances (settle loop)', s.clockSeconds]),
    row(['**total**', `**${s.wallSeconds}**`]),
  );
  return lines.join('\n');
}

export function overdueTable(od: OverdueResult): string {
  const lines = [
    row(['companies', 'overdue', 'returned', 'pages', 'queries', 'items read', 'RRU', 'ms']),
    row(['---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
  ];
  for (const x of od.runs)
    lines.push(
      row([int(x.companies), x.overdue, x.returned, x.pages, x.queries, x.itemsRead, x.readUnits, x.ms]),
    );
  return lines.join('\n');
}

/** The whole report: the summary, then one table per measurement. */
export function report(r: Results): string {
  const parts = [
    `Measured ${r.generatedAt.slice(0, 16).replace('T', ' ')} UTC on ${machineLine(r.machine)}; \`npm run bench\` took ${Math.round(r.wallSeconds)} s.`,
    '',
    summaryTable(r),
  ];
  const runStart = Date.parse(r.generatedAt) - r.wallSeconds * 1000 - 60_000;
  const older = Object.entries(r.measuredAt ?? {}).filter(([, at]) => Date.parse(at) < runStart);
  if (older.length)
    parts.push(
      '',
      `From earlier runs: ${older.map(([s, at]) => `${s} (${at.slice(0, 16).replace('T', ' ')} UTC)`).join(', ')}.`,
    );
  if (r.cost) {
    parts.push(
      '',
      '**Per company per cycle**, by path (one company each, sign-up to the next cycle’s certificate; emails counted in the outbox by recipient address):',
      '',
      pathTable(r.cost),
      '',
      '**The daily-polling anchor** (bench/polling/: check the record, decide, wait one day; run on the same local engine and virtual clock, polling the same company from its sign-up to the end of its path):',
      '',
      pollingTable(r.cost),
      '',
      '**Cost per company per cycle** (list prices, bench/pricing.json; "est." lines are estimated from the counted units):',
      '',
      costTable(r.cost),
      '',
      '**Monthly bill** (per-cycle cost ÷ 36 months × companies; variable costs only):',
      '',
      billTable(r.cost),
    );
  }
  if (r.coldStart)
    parts.push('', '**Cold start** (Node ' + r.coldStart.node + '):', '', coldTable(r.coldStart));
  if (r.load) parts.push('', '**Local HTTP API under load:**', '', loadTable(r.load));
  if (r.scale)
    parts.push(
      '',
      `**Scale, ${int(r.scale.companies)} companies** (where the time goes):`,
      '',
      scaleTable(r.scale),
    );
  if (r.overdue) parts.push('', '**Overdue query:**', '', overdueTable(r.overdue));
  if (r.capacity)
    parts.push(
      '',
      '**Capacity: 100,000 companies** (simulated; docs/capacity.md):',
      '',
      capacityTable(r.capacity),
      '',
      capacityNotes(r.capacity),
    );
  return parts.join('\n');
}
