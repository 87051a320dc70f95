/**
 * docs/rules.md's region policy table, rendered from the policy files (domain/policies/*.json): the docs test
 * compares the marked block with this, so the table cannot drift from the data the code enforces.
 */
import { parsePolicy, POLICY_FILES, type PolicyField, type RegionPolicy } from '../../../domain';

export const POLICY_TABLE_START = '<!-- policy-table:start (checked by test/unit/docs/docs.test.ts) -->';
export const POLICY_TABLE_END = '<!-- policy-table:end -->';

const months = (n: unknown) => `${String(n)} month${n === 1 ? '' : 's'}`;
const years = (n: unknown) => `${String(n)} year${n === 1 ? '' : 's'}`;
/** "60, 30, 14, 7 and 1" */
const list = (ns: number[]) =>
  ns.length > 1 ? `${ns.slice(0, -1).join(', ')} and ${String(ns.at(-1))}` : ns.map(String).join('');

/** Each row: the field, how people read it, and how its value reads. */
const ROWS: [PolicyField, string, (v: unknown) => string][] = [
  ['maxEmployees', 'max employees (eligibility)', String],
  ['examPassMark', 'exam pass mark', (v) => `${String(v)} %`],
  ['examAttemptsPerCycle', 'exam attempts per enrolment', String],
  ['trainingCertificateValidityYears', 'training certificate valid', years],
  ['refresherWindowMonths', 'refresher opens before training expiry', months],
  ['trainingWithinMonths', 'trainee named and exam passed within (from sign-up)', months],
  ['programWithinMonths', 'program submitted within (from exam passed)', months],
  ['minImplementationMonths', 'program running before the certification audit', months],
  ['certificationAuditWithinMonths', 'certification audit within (from program submitted)', months],
  ['auditPassMark', 'audit pass: overall', (v) => `${String(v)} %`],
  ['auditElementMinimum', 'audit pass: every element', (v) => (v === null ? 'no minimum' : `${String(v)} %`)],
  ['certificateValidityYears', 'certificate valid', years],
  [
    'maintenanceAuditDue',
    'maintenance audit due',
    (v) => (v === 'december31' ? '31 December' : 'anniversary'),
  ],
  ['maintenanceBelowPass', 'maintenance audit below the pass mark', () => 'corrective action'],
  ['missedMaintenance', 'maintenance audit missed', () => 'certificate cancelled'],
  [
    'reminderDaysBeforeDeadline',
    'reminders before the due date',
    (v) => `${list(v as number[])} days before`,
  ],
  ['recertificationNeedsValidTraining', 'recertification needs valid training', (v) => (v ? 'yes' : 'no')],
  ['programElements', 'program elements', (v) => `${(v as unknown[]).length}`],
];

export function allPolicies(): RegionPolicy[] {
  const all = Object.entries(POLICY_FILES).map(([file, raw]) => parsePolicy(file, raw));
  return [...all.filter((p) => p.id === 'default'), ...all.filter((p) => p.id !== 'default')];
}

/** The Markdown table: one column per policy file; `†` marks a project default (not published by the partner). */
export function renderPolicyTable(policies = allPolicies()): string {
  const header = ['', ...policies.map((p) => (p.id === 'default' ? 'default' : `${p.id} (${p.name})`))];
  const partner = ['certifying partner', ...policies.map((p) => p.certifyingPartner)];
  const rows = ROWS.map(([field, label, show]) => [
    label,
    ...policies.map((p) => `${show(p[field])}${p.sources[field].source === 'default' ? ' †' : ''}`),
  ]);
  const lines = [header, header.map(() => '---'), partner, ...rows].map((r) => `| ${r.join(' | ')} |`);
  return `${POLICY_TABLE_START}\n\n${lines.join('\n')}\n\n${POLICY_TABLE_END}`;
}
