/**
 * Region policies: every number of the SECOR rules lives here as data (domain/policies/*.json), with, for
 * each value, whether a certifying partner published it ("sourced") or the project chose it ("default").
 */
import { DomainError } from './errors';

export type MaintenanceDue = 'anniversary' | 'december31';

export interface ProgramElement {
  id: string;
  name: string;
}

export interface RegionPolicy {
  /** Policy id: a province code (AB, BC, …) or `default`. */
  id: string;
  name: string;
  certifyingPartner: string;
  maxEmployees: number;
  examPassMark: number;
  examAttemptsPerCycle: number;
  trainingCertificateValidityYears: number;
  refresherWindowMonths: number;
  minImplementationMonths: number;
  auditPassMark: number;
  auditElementMinimum: number | null;
  maintenanceAuditDue: MaintenanceDue;
  maintenanceBelowPass: 'correctiveActionPlan';
  missedMaintenance: 'cancel';
  certificateValidityYears: number;
  trainingWithinMonths: number;
  programWithinMonths: number;
  certificationAuditWithinMonths: number;
  reminderDaysBeforeDeadline: number[];
  /** A recertification audit needs the trainee's SECOR training to be valid (partner regions). */
  recertificationNeedsValidTraining: boolean;
  programElements: ProgramElement[];
  /** For every field above: where the value comes from. */
  sources: Record<PolicyField, { source: 'sourced' | 'default'; reference?: string }>;
}

type Check = (value: unknown) => string | null;

const int =
  (min: number): Check =>
  (v) =>
    Number.isInteger(v) && (v as number) >= min ? null : `must be an integer >= ${min}`;
const percent: Check = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 100 ? null : 'must be a number from 0 to 100';
const oneOf =
  (...allowed: string[]): Check =>
  (v) =>
    typeof v === 'string' && allowed.includes(v) ? null : `must be one of ${allowed.join(', ')}`;
const nullable =
  (check: Check): Check =>
  (v) =>
    v === null ? null : check(v);
const intList: Check = (v) =>
  Array.isArray(v) && v.every((n) => Number.isInteger(n) && n >= 1)
    ? null
    : 'must be a list of integers >= 1 (days before the deadline)';
const elements: Check = (v) => {
  if (!Array.isArray(v) || v.length === 0) return 'must be a non-empty list of {id, name}';
  const ids = new Set<string>();
  for (const e of v) {
    if (typeof e !== 'object' || e === null) return 'every element must be an object {id, name}';
    const { id, name } = e as Record<string, unknown>;
    if (typeof id !== 'string' || !/^[a-z][a-z0-9-]*$/.test(id))
      return `element id ${JSON.stringify(id)} must be a kebab-case slug`;
    if (typeof name !== 'string' || name.trim() === '') return `element ${id} needs a name`;
    if (ids.has(id)) return `element id ${id} appears twice`;
    ids.add(id);
  }
  return null;
};

const FIELDS = {
  maxEmployees: int(1),
  examPassMark: percent,
  examAttemptsPerCycle: int(1),
  trainingCertificateValidityYears: int(1),
  refresherWindowMonths: int(0),
  minImplementationMonths: int(0),
  auditPassMark: percent,
  auditElementMinimum: nullable(percent),
  maintenanceAuditDue: oneOf('anniversary', 'december31'),
  maintenanceBelowPass: oneOf('correctiveActionPlan'),
  missedMaintenance: oneOf('cancel'),
  certificateValidityYears: int(1),
  trainingWithinMonths: int(1),
  programWithinMonths: int(1),
  certificationAuditWithinMonths: int(1),
  reminderDaysBeforeDeadline: intList,
  recertificationNeedsValidTraining: (v) => (typeof v === 'boolean' ? null : 'must be true or false'),
  programElements: elements,
} satisfies Record<string, Check>;

export type PolicyField = keyof typeof FIELDS;
export const POLICY_FIELDS = Object.keys(FIELDS) as PolicyField[];

export class PolicyError extends Error {
  constructor(file: string, problems: string[]) {
    super(`region policy ${file} is malformed:\n  - ${problems.join('\n  - ')}`);
    this.name = 'PolicyError';
  }
}

/**
 * Validates a policy document (the parsed JSON of a policy file) and returns the policy, or throws a
 * PolicyError listing every problem found.
 */
export function parsePolicy(file: string, raw: unknown): RegionPolicy {
  const problems: string[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new PolicyError(file, ['must be a JSON object']);
  const doc = raw as Record<string, unknown>;
  for (const key of ['id', 'name', 'certifyingPartner'] as const) {
    if (typeof doc[key] !== 'string' || (doc[key] as string).trim() === '')
      problems.push(`"${key}" must be a non-empty string`);
  }
  if (typeof doc.id === 'string' && !/^([A-Z]{2}|default)$/.test(doc.id))
    problems.push('"id" must be a 2-letter province code or "default"');
  const fields = doc.fields;
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    problems.push('"fields" must be an object of {value, source}');
    throw new PolicyError(file, problems);
  }
  const f = fields as Record<string, unknown>;
  for (const key of Object.keys(f)) {
    if (!(key in FIELDS)) problems.push(`unknown field "${key}"`);
  }
  const values: Record<string, unknown> = {};
  const sources: Record<string, { source: 'sourced' | 'default'; reference?: string }> = {};
  for (const key of POLICY_FIELDS) {
    const entry = f[key];
    if (typeof entry !== 'object' || entry === null || !('value' in entry)) {
      problems.push(`missing field "${key}" ({"value": …, "source": "sourced" | "default"})`);
      continue;
    }
    const { value, source, reference } = entry as Record<string, unknown>;
    const problem = FIELDS[key](value);
    if (problem) problems.push(`"${key}" ${problem} (got ${JSON.stringify(value)})`);
    if (source !== 'sourced' && source !== 'default')
      problems.push(`"${key}".source must be "sourced" or "default"`);
    if (source === 'sourced' && (typeof reference !== 'string' || reference.trim() === '')) {
      problems.push(`"${key}" is marked sourced but names no reference`);
    }
    values[key] = value;
    sources[key] = {
      source: source as 'sourced' | 'default',
      ...(typeof reference === 'string' ? { reference } : {}),
    };
  }
  if (
    problems.length === 0 &&
    (values.certificationAuditWithinMonths as number) <= (values.minImplementationMonths as number)
  ) {
    problems.push(
      '"certificationAuditWithinMonths" must exceed "minImplementationMonths" (else no audit date is possible)',
    );
  }
  if (problems.length > 0) throw new PolicyError(file, problems);
  return {
    id: doc.id as string,
    name: doc.name as string,
    certifyingPartner: doc.certifyingPartner as string,
    ...(values as Omit<RegionPolicy, 'id' | 'name' | 'certifyingPartner' | 'sources'>),
    sources: sources as RegionPolicy['sources'],
  };
}

const normalName = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();

/**
 * The element id a key names in this policy: its id, or its published name (any letter case and spacing).
 * Null when the policy has no such element.
 */
export function resolveElement(policy: RegionPolicy, key: string): string | null {
  const k = normalName(key);
  const found = policy.programElements.find(
    (e) => e.id === key || normalName(e.id) === k || normalName(e.name) === k,
  );
  return found ? found.id : null;
}

/** "management-leadership (Management leadership and commitment), …": the elements as people can name them. */
export function describeElements(policy: RegionPolicy): string {
  return policy.programElements.map((e) => `${e.id} (${e.name})`).join(', ');
}

/** Canadian provinces and territories. Those without a policy file use the default (seed) policy. */
export const REGIONS = [
  'AB',
  'BC',
  'MB',
  'NB',
  'NL',
  'NS',
  'NT',
  'NU',
  'ON',
  'PE',
  'QC',
  'SK',
  'YT',
] as const;
export type Region = (typeof REGIONS)[number];

export function isRegion(value: string): value is Region {
  return (REGIONS as readonly string[]).includes(value);
}

export class PolicyRegistry {
  private readonly byId = new Map<string, RegionPolicy>();

  constructor(policies: RegionPolicy[]) {
    for (const p of policies) {
      if (this.byId.has(p.id)) throw new Error(`two policies with id ${p.id}`);
      this.byId.set(p.id, p);
    }
    if (!this.byId.has('default')) throw new Error('the default policy is missing');
  }

  /** The policy for a region: its own file when there is one, else the default (seed) policy. */
  forRegion(region: string): RegionPolicy {
    if (!isRegion(region)) {
      throw new DomainError(
        'NOT_ELIGIBLE',
        `region "${region}" is not a Canadian province or territory; use one of ${REGIONS.join(', ')}`,
      );
    }
    return this.byId.get(region) ?? (this.byId.get('default') as RegionPolicy);
  }

  ids(): string[] {
    return [...this.byId.keys()].sort();
  }
}
