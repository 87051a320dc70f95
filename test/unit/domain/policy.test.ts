import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  isRegion,
  parsePolicy,
  policies,
  POLICY_FIELDS,
  POLICY_FILES,
  PolicyError,
  PolicyRegistry,
  REGIONS,
  type RegionPolicy,
} from '../../../domain';

const POLICY_DIR = join(__dirname, '../../../domain/policies');
const jsonFiles = readdirSync(POLICY_DIR).filter((f) => f.endsWith('.json'));
const readPolicyFile = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(POLICY_DIR, file), 'utf8')) as Record<string, unknown>;

/** A fresh, valid policy document (the default file) to break one thing at a time. */
function validDoc(): {
  id: unknown;
  name: unknown;
  certifyingPartner: unknown;
  fields: Record<string, unknown>;
} {
  return structuredClone(readPolicyFile('default.json')) as ReturnType<typeof validDoc>;
}
function field(doc: ReturnType<typeof validDoc>, key: string): Record<string, unknown> {
  return doc.fields[key] as Record<string, unknown>;
}
function problemsOf(doc: unknown): string {
  try {
    parsePolicy('test.json', doc);
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    expect((e as Error).message).toMatch(/^region policy test\.json is malformed:/);
    return (e as Error).message;
  }
  throw new Error('expected parsePolicy to refuse the document');
}

describe('the policy files', () => {
  test('every *.json in domain/policies is listed in POLICY_FILES, and nothing else is', () => {
    expect(jsonFiles.length).toBeGreaterThanOrEqual(5);
    expect(Object.keys(POLICY_FILES).sort()).toEqual([...jsonFiles].sort());
  });

  test('AB: each sourced field names its own source (a page of a certifying partner), not one sentence for all', () => {
    const ab = policies.forRegion('AB');
    const sourced = Object.entries(ab.sources).filter(([, s]) => s.source === 'sourced');
    expect(sourced.length).toBeGreaterThanOrEqual(10);
    const references = sourced.map(([, s]) => s.reference ?? '');
    expect(new Set(references).size).toBe(references.length);
    for (const reference of references)
      expect(reference).toMatch(/^(youracsa\.ca|energysafetycanada\.com|safetycouncil\.ab\.ca|Cortek)\b/);
  });

  test.each(jsonFiles)('%s is a valid policy whose id matches its file name', (file) => {
    const policy = parsePolicy(file, readPolicyFile(file));
    expect(policy.id).toBe(file.replace(/\.json$/, ''));
    expect(policies.ids()).toContain(policy.id);
    // the registry holds what the file says
    const fromRegistry = policy.id === 'default' ? policies.forRegion('ON') : policies.forRegion(policy.id);
    expect(fromRegistry).toEqual(policy);
  });

  test.each(jsonFiles)(
    '%s says for every field whether it is sourced (with a reference) or a default',
    (file) => {
      const raw = readPolicyFile(file);
      const fields = raw.fields as Record<string, { source?: unknown; reference?: unknown }>;
      expect(Object.keys(fields).sort()).toEqual([...POLICY_FIELDS].sort());
      for (const key of POLICY_FIELDS) {
        const entry = fields[key];
        expect(['sourced', 'default']).toContain(entry?.source);
        if (entry?.source === 'sourced') expect(String(entry.reference ?? '').trim()).not.toBe('');
      }
      const policy = parsePolicy(file, raw);
      expect(Object.keys(policy.sources).sort()).toEqual([...POLICY_FIELDS].sort());
    },
  );

  // The region policy table (docs/rules.md)
  test.each<[string, Partial<RegionPolicy>]>([
    [
      'default',
      {
        maxEmployees: 9,
        minImplementationMonths: 6,
        auditElementMinimum: null,
        maintenanceAuditDue: 'anniversary',
        certificationAuditWithinMonths: 12,
      },
    ],
    [
      'AB',
      {
        maxEmployees: 10,
        minImplementationMonths: 3,
        auditElementMinimum: 50,
        maintenanceAuditDue: 'anniversary',
        certificationAuditWithinMonths: 12,
      },
    ],
    [
      'BC',
      {
        maxEmployees: 19,
        minImplementationMonths: 3,
        auditElementMinimum: 50,
        maintenanceAuditDue: 'december31',
        certificationAuditWithinMonths: 12,
      },
    ],
    [
      'MB',
      {
        maxEmployees: 9,
        minImplementationMonths: 3,
        auditElementMinimum: 50,
        maintenanceAuditDue: 'anniversary',
        certificationAuditWithinMonths: 12,
      },
    ],
    [
      'SK',
      {
        maxEmployees: 8,
        minImplementationMonths: 12,
        auditElementMinimum: 50,
        maintenanceAuditDue: 'anniversary',
        certificationAuditWithinMonths: 18,
      },
    ],
  ])('%s has the values of the domain table', (id, expected) => {
    const policy = id === 'default' ? policies.forRegion('ON') : policies.forRegion(id);
    expect(policy.id).toBe(id);
    expect(policy).toMatchObject({
      ...expected,
      examPassMark: 80,
      examAttemptsPerCycle: 3,
      trainingCertificateValidityYears: 3,
      auditPassMark: 80,
      maintenanceBelowPass: 'correctiveActionPlan',
      missedMaintenance: 'cancel',
      certificateValidityYears: 3,
      trainingWithinMonths: 6,
      programWithinMonths: 6,
      reminderDaysBeforeDeadline: [60, 30, 14, 7, 1],
    });
    expect(policy).not.toHaveProperty('reminderIntervalDays');
  });

  test('values the partners did not publish are marked default', () => {
    expect(policies.forRegion('SK').sources.maxEmployees.source).toBe('default');
    expect(policies.forRegion('AB').sources.examAttemptsPerCycle.source).toBe('default');
    expect(policies.forRegion('AB').sources.maxEmployees).toMatchObject({ source: 'sourced' });
  });
});

describe('the registry', () => {
  test.each(['ON', 'QC', 'NS', 'NB', 'NL', 'PE', 'NT', 'NU', 'YT'])(
    '%s has no file and uses default',
    (r) => {
      expect(policies.forRegion(r).id).toBe('default');
    },
  );
  test.each(['AB', 'BC', 'MB', 'SK'])('%s uses its own file', (r) => {
    expect(policies.forRegion(r).id).toBe(r);
  });
  test('a region that is not a province or territory is NOT_ELIGIBLE', () => {
    expect(() => policies.forRegion('ZZ')).toThrow(expect.objectContaining({ code: 'NOT_ELIGIBLE' }));
    expect(() => policies.forRegion('default')).toThrow(/not a Canadian province or territory/);
  });
  test('ids lists the loaded policies in order', () => {
    expect(policies.ids()).toEqual(['AB', 'BC', 'MB', 'SK', 'default']);
  });
  test('isRegion knows the 13 provinces and territories', () => {
    expect(REGIONS).toHaveLength(13);
    expect(isRegion('AB')).toBe(true);
    expect(isRegion('ab')).toBe(false);
    expect(isRegion('XX')).toBe(false);
  });
  test('refuses two policies with one id, and a registry without default', () => {
    const def = policies.forRegion('ON');
    const ab = policies.forRegion('AB');
    expect(() => new PolicyRegistry([def, ab, ab])).toThrow('two policies with id AB');
    expect(() => new PolicyRegistry([ab])).toThrow('the default policy is missing');
    expect(new PolicyRegistry([def]).forRegion('AB').id).toBe('default');
  });
});

describe('parsePolicy refuses malformed documents and names the problem', () => {
  test('accepts the valid document it is given', () => {
    expect(parsePolicy('test.json', validDoc()).id).toBe('default');
  });

  test('not an object', () => {
    expect(problemsOf(null)).toContain('must be a JSON object');
    expect(problemsOf([])).toContain('must be a JSON object');
    expect(problemsOf('policy')).toContain('must be a JSON object');
  });

  test('missing or empty header strings', () => {
    const doc = validDoc();
    delete (doc as Partial<typeof doc>).name;
    doc.certifyingPartner = '  ';
    const message = problemsOf(doc);
    expect(message).toContain('"name" must be a non-empty string');
    expect(message).toContain('"certifyingPartner" must be a non-empty string');
  });

  test.each(['ab', 'Alberta', 'A1', 'DEFAULT'])('bad id %s', (id) => {
    const doc = validDoc();
    doc.id = id;
    expect(problemsOf(doc)).toContain('"id" must be a 2-letter province code or "default"');
  });

  test('id of the wrong type', () => {
    const doc = validDoc();
    doc.id = 7;
    expect(problemsOf(doc)).toContain('"id" must be a non-empty string');
  });

  test('fields missing or not an object', () => {
    const doc = validDoc();
    delete (doc as Partial<typeof doc>).fields;
    expect(problemsOf(doc)).toContain('"fields" must be an object of {value, source}');
    expect(problemsOf({ ...validDoc(), fields: [] })).toContain('"fields" must be an object');
  });

  test('missing field', () => {
    const doc = validDoc();
    delete doc.fields.maxEmployees;
    expect(problemsOf(doc)).toContain('missing field "maxEmployees"');
  });

  test('a field without a value', () => {
    const doc = validDoc();
    doc.fields.examPassMark = { source: 'default' };
    expect(problemsOf(doc)).toContain('missing field "examPassMark"');
  });

  test('unknown field', () => {
    const doc = validDoc();
    doc.fields.maxEmployes = { value: 9, source: 'default' };
    expect(problemsOf(doc)).toContain('unknown field "maxEmployes"');
  });

  test('the interval reminders are gone: a file still setting reminderIntervalDays is refused', () => {
    const doc = validDoc();
    expect(doc.fields).not.toHaveProperty('reminderIntervalDays');
    expect(POLICY_FIELDS).not.toContain('reminderIntervalDays');
    doc.fields.reminderIntervalDays = { value: 14, source: 'default' };
    expect(problemsOf(doc)).toContain('unknown field "reminderIntervalDays"');
  });

  test.each<[string, unknown, string]>([
    ['maxEmployees', '9', '"maxEmployees" must be an integer >= 1 (got "9")'],
    ['maxEmployees', 0, '"maxEmployees" must be an integer >= 1 (got 0)'],
    ['maxEmployees', 9.5, '"maxEmployees" must be an integer >= 1'],
    ['refresherWindowMonths', -1, '"refresherWindowMonths" must be an integer >= 0'],
    ['examPassMark', 101, '"examPassMark" must be a number from 0 to 100 (got 101)'],
    ['examPassMark', '80', '"examPassMark" must be a number from 0 to 100'],
    ['auditElementMinimum', -5, '"auditElementMinimum" must be a number from 0 to 100'],
    ['maintenanceAuditDue', 'monthly', '"maintenanceAuditDue" must be one of anniversary, december31'],
    ['missedMaintenance', 'warn', '"missedMaintenance" must be one of cancel'],
    ['reminderDaysBeforeDeadline', [7, 0], '"reminderDaysBeforeDeadline" must be a list of integers >= 1'],
    ['reminderDaysBeforeDeadline', 7, '"reminderDaysBeforeDeadline" must be a list of integers >= 1'],
    ['programElements', [], '"programElements" must be a non-empty list of {id, name}'],
    ['programElements', ['hazard-control'], 'every element must be an object {id, name}'],
    [
      'programElements',
      [{ id: 'Hazard Control', name: 'x' }],
      'element id "Hazard Control" must be a kebab-case slug',
    ],
    ['programElements', [{ id: 'hazard-control', name: ' ' }], 'element hazard-control needs a name'],
    [
      'programElements',
      [
        { id: 'inspections', name: 'Inspections' },
        { id: 'inspections', name: 'Inspections again' },
      ],
      'element id inspections appears twice',
    ],
  ])('%s = %j is the wrong type or out of range', (key, value, expected) => {
    const doc = validDoc();
    field(doc, key).value = value;
    expect(problemsOf(doc)).toContain(expected);
  });

  test('a nullable field accepts null, another does not', () => {
    const doc = validDoc();
    field(doc, 'auditElementMinimum').value = null;
    expect(parsePolicy('test.json', doc).auditElementMinimum).toBeNull();
    field(doc, 'auditPassMark').value = null;
    expect(problemsOf(doc)).toContain('"auditPassMark" must be a number from 0 to 100 (got null)');
  });

  test('source must be sourced or default', () => {
    const doc = validDoc();
    field(doc, 'auditPassMark').source = 'guess';
    delete field(doc, 'examPassMark').source;
    const message = problemsOf(doc);
    expect(message).toContain('"auditPassMark".source must be "sourced" or "default"');
    expect(message).toContain('"examPassMark".source must be "sourced" or "default"');
  });

  test('a sourced value without a reference', () => {
    const doc = validDoc();
    field(doc, 'maxEmployees').source = 'sourced';
    delete field(doc, 'maxEmployees').reference;
    field(doc, 'examPassMark').source = 'sourced';
    field(doc, 'examPassMark').reference = '';
    const message = problemsOf(doc);
    expect(message).toContain('"maxEmployees" is marked sourced but names no reference');
    expect(message).toContain('"examPassMark" is marked sourced but names no reference');
  });

  test('a default value needs no reference, and the reference is kept when given', () => {
    const doc = validDoc();
    field(doc, 'reminderDaysBeforeDeadline').source = 'default';
    delete field(doc, 'reminderDaysBeforeDeadline').reference;
    const given = field(doc, 'maxEmployees').reference;
    const policy = parsePolicy('test.json', doc);
    expect(policy.sources.reminderDaysBeforeDeadline).toEqual({ source: 'default' });
    expect(typeof given).toBe('string');
    expect(policy.sources.maxEmployees.reference).toBe(given);
  });

  test('an audit window that cannot follow the minimum implementation period', () => {
    const doc = validDoc();
    field(doc, 'certificationAuditWithinMonths').value = 6;
    field(doc, 'minImplementationMonths').value = 6;
    expect(problemsOf(doc)).toContain(
      '"certificationAuditWithinMonths" must exceed "minImplementationMonths"',
    );
  });

  test('lists every problem at once, one per line', () => {
    const doc = validDoc();
    doc.id = 'alberta';
    delete doc.fields.examPassMark;
    doc.fields.extra = { value: 1, source: 'default' };
    field(doc, 'maxEmployees').value = -1;
    const lines = problemsOf(doc).split('\n').slice(1);
    expect(lines).toHaveLength(4);
    expect(lines.every((l) => l.startsWith('  - '))).toBe(true);
  });
});
