/** The ops CLI's output for people: aligned tables, `field  value` records, a company's status in a few lines. */
import type { CompanyStatus } from '../domain/status';

type Json = Record<string, unknown>;

/** The status as JSON carries it (timestamps and dates are strings). */
export type Status = CompanyStatus;

export const out = (s = ''): void => void process.stdout.write(`${s}\n`);
export const printJson = (value: unknown): void => out(JSON.stringify(value, null, 2));

function cell(v: unknown): string {
  if (v === undefined || v === null || v === '') return '-';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Aligned columns with a header row; `-` for empty cells. */
export function printTable(rows: Json[], columns: [key: string, title: string][]): void {
  const cells = rows.map((r) => columns.map(([k]) => cell(r[k])));
  const widths = columns.map(([, title], i) =>
    Math.max(title.length, ...cells.map((c) => (c[i] as string).length)),
  );
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  out(line(columns.map(([, title]) => title)));
  for (const c of cells) out(line(c));
}

/** A record as `field  value` lines. */
export function printFields(fields: [string, unknown][]): void {
  const width = Math.max(...fields.map(([k]) => k.length));
  for (const [k, v] of fields) out(`${k.padEnd(width)}  ${cell(v)}`);
}

/** A company's status as `field  value` lines: what operations look at first. */
export function describeStatus(s: Status): [string, unknown][] {
  const d = s.nextDeadline;
  const t = s.training;
  const lastAudit = s.audits.at(-1);
  const openActions = (s.correctiveActions ?? []).filter((a) => a.status === 'OPEN').length;
  return [
    ['company', s.companyId],
    ['legal name', s.legalName],
    ['region', `${s.region} (${s.employeeCount} employees${s.industry ? `, ${s.industry}` : ''})`],
    ['contact', s.contact ? `${s.contact.name} <${s.contact.email}>` : null],
    [
      'phase',
      `${s.phase}, cycle ${s.cycle}${s.maintenanceYear ? `, maintenance year ${s.maintenanceYear}` : ''}`,
    ],
    ['next deadline', d ? `${d.step} due ${d.dueOn}${d.opensOn ? ` (opens ${d.opensOn})` : ''}` : null],
    ['overdue', s.overdue ? 'yes' : 'no'],
    ['trainee', s.trainee ? `${s.trainee.name} <${s.trainee.email}>` : null],
    [
      'training',
      t.passedOn
        ? `passed ${t.passedOn}, expires ${t.expiresOn ?? '-'}`
        : s.trainee || t.attempts.length
          ? `${t.attempts.length} attempt(s), ${t.attemptsLeft} left`
          : null,
    ],
    [
      'program',
      s.program
        ? `${s.program.manualTitle} v${s.program.manualVersion}, since ${s.program.implementedSince}`
        : null,
    ],
    [
      'audits',
      lastAudit
        ? `${s.audits.length}; last: ${lastAudit.type} ${lastAudit.completedOn} ${lastAudit.overallScore} % ` +
          `${lastAudit.passed ? 'passed' : 'failed'}`
        : null,
    ],
    ['corrective', openActions ? `${openActions} open` : null],
    [
      'certificate',
      s.certificate
        ? `${s.certificate.certificateNumber} ${s.certificate.status}, ${s.certificate.issuedOn} → ${s.certificate.expiresOn}`
        : null,
    ],
    ...(s.failure
      ? ([['failure', `${s.failure.phase} at ${s.failure.at}: ${s.failure.cause}`]] as [string, unknown][])
      : []),
    ['execution', s.execution],
    ['events', `${s.history.length} (last: ${s.history.at(-1)?.type ?? '-'})`],
  ];
}
