/** The cost tables of the performance report (bench/report.ts): the paths, their polling anchors, the bill. */
import { monthly, PATHS, type CostSection, type PathName, type PricedCycle } from './cost-model';

export const usd = (n: number) => `$${n < 0.01 ? n.toFixed(5) : n < 100 ? n.toFixed(4) : n.toFixed(2)}`;
export const int = (n: number) => Math.round(n).toLocaleString('en-US');
export const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const times = (n: number) => `${n.toFixed(1)}×`;

/** The paths the section has (results from before the typical path have only happy and worst). */
export const pathsOf = (c: CostSection): PathName[] => PATHS.filter((p) => c.cycles[p] && c.priced[p]);

/** Per path: days, emails by recipient, transitions, Lambda invocations, cost. */
export function pathTable(c: CostSection): string {
  const paths = pathsOf(c);
  const each = (f: (p: PathName) => string | number) => paths.map(f);
  const mail = (p: PathName, r: 'contact' | 'trainee') => {
    const e = c.cycles[p].emailsByRecipient?.[r];
    return e ? `${int(e.emails)} (${int(e.reminders)} reminders)` : '–';
  };
  const tasks = (p: PathName) =>
    Object.entries(c.cycles[p].lambda)
      .filter(([m]) => m.startsWith('functions/tasks/'))
      .reduce((s, [, f]) => s + f.invocations, 0);
  return [
    row(['per company per cycle', ...paths]),
    row(['---', ...paths.map(() => '---:')]),
    row(['virtual days, sign-up → end of path', ...each((p) => int(c.cycles[p].virtualDays))]),
    row(['emails to the contact', ...each((p) => mail(p, 'contact'))]),
    row(['emails to the trainee', ...each((p) => mail(p, 'trainee'))]),
    row([
      'emails to operations / anyone else',
      ...each((p) => {
        const e = c.cycles[p].emailsByRecipient;
        return e ? `${int(e.ops.emails)} / ${int(e.other.emails)}` : '–';
      }),
    ]),
    row(['state transitions', ...each((p) => int(c.cycles[p].transitions))]),
    row([
      'Lambda invocations (tasks and the stream-fed signalling function + API handlers and authorizer)',
      ...each(
        (p) =>
          `${int(c.cycles[p].lambdaInvocations)} (${int(tasks(p))} + ${int(c.cycles[p].lambdaInvocations - tasks(p))})`,
      ),
    ]),
    row(['executions', ...each((p) => int(c.cycles[p].executions))]),
    row(['**cost per cycle**', ...each((p) => `**${usd(c.priced[p].usd)}**`)]),
  ].join('\n');
}

/** The measured daily-polling anchor against the lifecycle, per path. */
export function pollingTable(c: CostSection): string {
  const paths = pathsOf(c).filter((p) => c.cycles[p].polling && c.ratios?.[p]);
  const each = (f: (p: PathName) => string) => paths.map(f);
  const vs = (polling: number, ours: number, ratio: number) =>
    `${int(polling)} vs ${int(ours)} (**${times(ratio)}**)`;
  return [
    row(['daily polling vs the lifecycle (measured, same company, same days)', ...paths]),
    row(['---', ...paths.map(() => '---:')]),
    row([
      'days polled, executions (one per year)',
      ...each((p) => `${int(c.cycles[p].polling.days)}, ${c.cycles[p].polling.executions}`),
    ]),
    row([
      'state transitions',
      ...each((p) => vs(c.cycles[p].polling.transitions, c.cycles[p].transitions, c.ratios[p].transitions)),
    ]),
    row([
      'Lambda invocations, all (the API side is the same in both)',
      ...each((p) =>
        vs(
          c.polling[p].quantities.lambdaRequests,
          c.priced[p].quantities.lambdaRequests,
          c.ratios[p].lambdaInvocations,
        ),
      ),
    ]),
    row([
      'Lambda invocations behind the API (the check vs the lifecycle’s tasks and signalling function)',
      ...each((p) => {
        const tasks = c.priced[p].quantities.lambdaRequests - c.priced[p].quantities.apiLambdaInvocations;
        return vs(c.cycles[p].polling.checkInvocations, tasks, c.ratios[p].taskInvocations);
      }),
    ]),
    row([
      'record reads by the check (RRU, strongly consistent)',
      ...each((p) => `${int(c.cycles[p].polling.reads)} (${int(c.cycles[p].polling.readUnits)} RRU)`),
    ]),
    row([
      'cost per cycle',
      ...each((p) => `${usd(c.polling[p].usd)} vs ${usd(c.priced[p].usd)} (**${times(c.ratios[p].usd)}**)`),
    ]),
  ].join('\n');
}

/** Every priced line, for each path and each path's polling anchor. */
export function costTable(c: CostSection): string {
  const paths = pathsOf(c);
  const cols: PricedCycle[] = [...paths.map((p) => c.priced[p]), ...paths.map((p) => c.polling[p])];
  const head = [
    row([
      'per company per cycle',
      ...paths.map((p) => `${p} (${c.cycles[p].virtualDays} days)`),
      ...paths.map((p) => `daily polling, ${p} company`),
    ]),
    row(['---', ...cols.map(() => '---:')]),
  ];
  const body = (c.priced.happy.lines ?? []).map((l, i) =>
    row([
      `${l.item} (${l.unit})`,
      ...cols.map((p) => {
        const x = p.lines[i];
        if (!x) return '';
        const q = x.unit === 'GB-s' || x.unit === 'KB' ? x.quantity.toFixed(1) : int(x.quantity);
        return `${q} → ${usd(x.usd)}`;
      }),
    ]),
  );
  const total = row(['**total**', ...cols.map((p) => `**${usd(p.usd)}**`)]);
  const executions = row(['executions', ...cols.map((p) => int(p.quantities.executions))]);
  return [...head, ...body, executions, total].join('\n');
}

export function billTable(c: CostSection): string {
  const paths = pathsOf(c);
  const polled: PathName = paths.includes('typical') ? 'typical' : 'happy';
  const lines = [
    row(['companies', ...paths.map((p) => `monthly, all ${p} path`), `daily polling (${polled})`]),
    row(['---', ...paths.map(() => '---:'), '---:']),
  ];
  for (const n of [1_000, 10_000, 100_000])
    lines.push(
      row([
        int(n),
        ...paths.map((p) => usd(monthly(c.priced[p].usd, n))),
        usd(monthly(c.polling[polled].usd, n)),
      ]),
    );
  return lines.join('\n');
}
