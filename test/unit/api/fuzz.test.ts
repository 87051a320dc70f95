/**
 * Fuzzing every write route with fast-check (1,000 generated requests each): random JSON, objects with
 * prototype-pollution keys, valid bodies with one field broken, fully valid bodies with unicode, huge strings (up
 * to ~100 KB), and broken JSON sent raw. Every response must be a 2xx or a 4xx with the contract's error body —
 * never a 5xx, never a non-JSON body, never a crash — and Object.prototype must stay unpolluted.
 *
 * Nothing is kept out of the generated inputs: numbers too small for DynamoDB (0 < |x| < 1e-130, e.g. a score of
 * 5e-324) and legal names whose NFKD form is many times their length (U+FDFA decomposes into 18 characters) are
 * generated on purpose, next to everything else.
 */
import fc from 'fast-check';
import { REGIONS } from '../../../domain';
import {
  AB_ELEMENTS,
  designateTrainee,
  errorProblem,
  IMPLEMENTED_SINCE,
  newAssessor,
  NOW,
  passTraining,
  signUp,
  submitProgram,
  TODAY,
  type TestCompany,
} from './helpers';
import { startApi, type ApiFixture, type CallOptions } from './setup';

/** 1,000 per route; FUZZ_RUNS=… runs more (e.g. to hunt with a bigger budget). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

let api: ApiFixture;
let assessorKey: string;
const companies: Record<string, TestCompany> = {};
const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();

beforeAll(async () => {
  // The authorizer's result is cached per Authorization header, as API Gateway caches it: thousands of requests.
  api = await startApi({ cacheAuthorizer: true });
  api.setNow(NOW);
  assessorKey = await newAssessor(api);
  companies.trainee = await signUp(api);
  companies.enrolments = await signUp(api);
  await designateTrainee(api, companies.enrolments);
  for (let i = 0; i < 3; i++) {
    await api.call('POST', `/companies/${companies.enrolments.companyId}/training/attempts`, {
      key: assessorKey,
      body: { score: 10 },
    });
  }
  companies.attempts = await signUp(api);
  await designateTrainee(api, companies.attempts);
  companies.program = await signUp(api);
  await passTraining(api, companies.program, assessorKey);
  companies.audits = await signUp(api);
  await submitProgram(api, companies.audits, assessorKey);
  companies.withdrawal = await signUp(api);
}, 30_000);
afterAll(() => api.close());

// ——— arbitraries ———

const PROTO_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '__defineGetter__',
];
const text = (min: number, max: number) => fc.string({ unit: 'grapheme', minLength: min, maxLength: max });
const binaryText = fc.string({ unit: 'binary', maxLength: 40 });
const date = fc.date({ min: new Date('1990-01-01'), max: new Date('2035-12-31'), noInvalidDate: true });
/** A date, often TODAY (so that audits and programs also pass the business rules sometimes). */
const isoDate = fc.oneof(
  date.map((d) => d.toISOString().slice(0, 10)),
  fc.constantFrom(TODAY, IMPLEMENTED_SINCE),
);
/** A percentage, often one DynamoDB cannot store as is (a subnormal such as 5e-324, or below 1e-130). */
const percent = fc.oneof(
  fc.double({ min: 0, max: 100, noNaN: true }),
  fc.constantFrom(5e-324, 1e-300, 1e-200, 1e-131, 1e-130, 1e-10, -0, 100),
);
/** A legal name up to the schema's 200 characters: some NFKD-expand many times (U+FDFA → 18, U+3300 → 4). */
const legalName = fc.oneof(
  { weight: 4, arbitrary: text(1, 200) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('\uFDFA', '\u3300', '\uFB2C', 'é'), fc.integer({ min: 1, max: 200 }))
      .map(([ch, n]) => ch.repeat(n)),
  },
);
const email = fc.oneof(fc.emailAddress(), fc.constantFrom('a@example.com', 'x.y+z@sub.example.org'));

/** Any value a field could be given instead of the right one. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  binaryText,
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    1e308,
    -1e-308,
    '',
    ' ',
    '\u0000',
    '\ud800',
    '💥'.repeat(5),
    [],
    {},
  ),
  fc.double(),
  fc.integer(),
  fc.constantFrom(5e-324, -5e-324, 1e-200, 1e-131),
);

/** A huge string (1 K to ~100 K characters) of one character, some multi-byte. */
const huge = fc
  .record({
    n: fc.integer({ min: 1_000, max: 100_000 }),
    ch: fc.constantFrom('a', 'é', '😀', '\u0000', '"', '\\', '\ud800', ' ', '\u202e'),
  })
  .map(({ n, ch }) => ch.repeat(Math.ceil(n / ch.length)));

interface RouteSpec {
  name: string;
  method: string;
  path: () => string;
  /** The caller(s): one is picked per request. */
  keys: () => (string | undefined)[];
  /** Bodies the schema accepts (their fate is then the business rules'). */
  valid: fc.Arbitrary<Record<string, unknown>>;
  fields: string[];
}

const SPECS: RouteSpec[] = [
  {
    name: 'POST /companies',
    method: 'POST',
    path: () => '/companies',
    keys: () => [undefined],
    fields: ['legalName', 'region', 'employeeCount', 'industry', 'contact'],
    valid: fc.record(
      {
        legalName,
        region: fc.constantFrom(...REGIONS),
        employeeCount: fc.integer({ min: 1, max: 30 }),
        industry: text(1, 100),
        contact: fc.record(
          { name: text(1, 200), email, phone: fc.stringMatching(/^[0-9 +().-]{1,40}$/) },
          { requiredKeys: ['name', 'email'] },
        ),
      },
      { requiredKeys: ['legalName', 'region', 'employeeCount', 'contact'] },
    ),
  },
  {
    name: 'PUT /companies/{companyId}/trainee',
    method: 'PUT',
    path: () => `/companies/${companies.trainee?.companyId}/trainee`,
    keys: () => [companies.trainee?.apiKey],
    fields: ['name', 'email'],
    valid: fc.record({ name: text(1, 200), email }),
  },
  {
    name: 'POST /companies/{companyId}/training/enrolments',
    method: 'POST',
    path: () => `/companies/${companies.enrolments?.companyId}/training/enrolments`,
    keys: () => [companies.enrolments?.apiKey],
    fields: [],
    valid: fc.constant({}),
  },
  {
    name: 'POST /companies/{companyId}/training/attempts',
    method: 'POST',
    path: () => `/companies/${companies.attempts?.companyId}/training/attempts`,
    keys: () => [assessorKey, api.opsKey],
    fields: ['score', 'takenAt'],
    valid: fc.record(
      { score: percent, takenAt: date.map((d) => d.toISOString()) },
      { requiredKeys: ['score'] },
    ),
  },
  {
    name: 'POST /companies/{companyId}/program',
    method: 'POST',
    path: () => `/companies/${companies.program?.companyId}/program`,
    keys: () => [companies.program?.apiKey],
    fields: ['manualTitle', 'manualVersion', 'elements', 'implementedSince'],
    valid: fc.record({
      manualTitle: text(1, 200),
      manualVersion: text(1, 50),
      elements: fc.oneof(
        fc.constant([...AB_ELEMENTS]),
        fc.uniqueArray(fc.oneof(fc.constantFrom(...AB_ELEMENTS), text(1, 100)), {
          minLength: 1,
          maxLength: 12,
        }),
      ),
      implementedSince: isoDate,
    }),
  },
  {
    name: 'POST /companies/{companyId}/audits',
    method: 'POST',
    path: () => `/companies/${companies.audits?.companyId}/audits`,
    keys: () => [assessorKey, companies.audits?.apiKey],
    fields: ['type', 'overallScore', 'elementScores', 'auditor', 'completedOn'],
    valid: fc.record({
      type: fc.constantFrom('certification', 'maintenance', 'recertification'),
      overallScore: percent,
      elementScores: fc.oneof(
        fc.constant(Object.fromEntries(AB_ELEMENTS.map((e) => [e, 90]))),
        fc.dictionary(
          fc.oneof(fc.constantFrom(...AB_ELEMENTS), fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/)),
          percent,
          {
            maxKeys: 10,
          },
        ),
      ),
      auditor: fc.record({ name: text(1, 200) }),
      completedOn: fc.oneof({ weight: 1, arbitrary: isoDate }, { weight: 4, arbitrary: fc.constant(TODAY) }),
    }),
  },
  {
    name: 'POST /companies/{companyId}/withdrawal',
    method: 'POST',
    path: () => `/companies/${companies.withdrawal?.companyId}/withdrawal`,
    keys: () => [companies.withdrawal?.apiKey],
    fields: ['reason'],
    valid: fc.record({ reason: text(1, 1000) }, { requiredKeys: [] }),
  },
  {
    name: 'POST /ops/assessors',
    method: 'POST',
    path: () => '/ops/assessors',
    keys: () => [api.opsKey],
    fields: ['name', 'email'],
    valid: fc.record({ name: text(1, 200), email }),
  },
];

type Request = Pick<CallOptions, 'body' | 'rawBody'> & { kind: string };

/** A valid body with one thing wrong: a field removed, retyped, made huge, or an unknown/prototype key added. */
function mutated(spec: RouteSpec): fc.Arbitrary<Request> {
  const keyArb = fc.oneof(
    fc.constantFrom(...PROTO_KEYS, ...spec.fields, 'extra'),
    fc.string({ maxLength: 12 }),
  );
  return fc
    .tuple(spec.valid, fc.constantFrom('delete', 'retype', 'huge', 'add'), fc.nat(), keyArb, wrongValue, huge)
    .map(([valid, how, i, key, value, big]) => {
      const body: Record<string, unknown> = { ...valid };
      const names = Object.keys(body);
      const field = names.length ? (names[i % names.length] as string) : key;
      if (how === 'delete') delete body[field];
      else if (how === 'retype') body[field] = value;
      else if (how === 'huge') body[field] = big;
      else Object.defineProperty(body, key, { value, enumerable: true, configurable: true, writable: true });
      return { kind: `mutated:${how}`, rawBody: JSON.stringify(body) };
    });
}

/** Prototype pollution attempts, sent as raw JSON so the keys reach the parser as written. */
function pollution(spec: RouteSpec): fc.Arbitrary<Request> {
  const payloads = [
    '"__proto__":{"polluted":"yes","isAdmin":true}',
    '"constructor":{"prototype":{"polluted":"yes"}}',
    '"prototype":{"polluted":"yes"}',
    '"__proto__":[1,2,3]',
    '"__proto__":null',
  ];
  return fc.tuple(spec.valid, fc.constantFrom(...payloads), fc.boolean()).map(([valid, payload, nested]) => {
    const json = JSON.stringify(valid);
    // Top level, or inside the first nested object of the body (contact, auditor, elementScores…).
    const at = nested ? json.indexOf('{', 1) : -1;
    const rawBody =
      at > 0
        ? `${json.slice(0, at + 1)}${payload}${json[at + 1] === '}' ? '' : ','}${json.slice(at + 1)}`
        : `{${payload}${json === '{}' ? '' : ','}${json.slice(1)}`;
    return { kind: 'pollution', rawBody };
  });
}

/** Not JSON (or not quite). */
function brokenJson(spec: RouteSpec): fc.Arbitrary<Request> {
  return fc
    .oneof(
      fc.tuple(spec.valid, fc.nat()).map(([v, n]) => {
        const t = JSON.stringify(v);
        return t.slice(0, n % t.length);
      }),
      fc.tuple(spec.valid, fc.nat(), binaryText).map(([v, n, junk]) => {
        const t = JSON.stringify(v);
        const at = n % (t.length + 1);
        return t.slice(0, at) + junk + t.slice(at);
      }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.constantFrom(
        'NaN',
        'Infinity',
        '-',
        "{'a':1}",
        '{"a":1,}',
        '{"a":1}}',
        '\ufeff{}',
        '{"score": 1e400}',
        '{"score": -0}',
        '{"a":"\\ud800"}',
        '{"a":"\\u0000"}',
        '['.repeat(30_000) + ']'.repeat(30_000),
        '{"a":'.repeat(20_000),
        `{"reason":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
      ),
      huge.map((s) => JSON.stringify(s)),
    )
    .map((rawBody) => ({ kind: 'broken', rawBody }));
}

function requests(spec: RouteSpec): fc.Arbitrary<Request> {
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.jsonValue({ maxDepth: 3 }).map((body) => ({ kind: 'json', body })),
    },
    {
      weight: 3,
      arbitrary: fc
        .object({
          key: fc.oneof(fc.constantFrom(...PROTO_KEYS, ...spec.fields)),
          values: [wrongValue],
          maxDepth: 2,
        })
        .map((body) => ({ kind: 'object', rawBody: JSON.stringify(body) })),
    },
    { weight: 6, arbitrary: mutated(spec) },
    { weight: 2, arbitrary: pollution(spec) },
    { weight: 3, arbitrary: brokenJson(spec) },
    { weight: 1, arbitrary: spec.valid.map((body) => ({ kind: 'valid', body })) },
  );
}

const prototypeIsClean = () =>
  Object.getOwnPropertyNames(Object.prototype).sort().join() === prototypeBefore.join() &&
  ({} as Record<string, unknown>).polluted === undefined &&
  ({} as Record<string, unknown>).isAdmin === undefined;

describe.each(SPECS)('fuzz $name', (spec) => {
  test(`${RUNS} generated requests: a 2xx or a contract 4xx, never a 5xx`, async () => {
    const seen: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(requests(spec), fc.nat(), async (req, pick) => {
        const keys = spec.keys();
        const key = keys[pick % keys.length];
        const res = await api.call(spec.method, spec.path(), {
          ...(key ? { key } : {}),
          ...(req.rawBody !== undefined ? { rawBody: req.rawBody } : { body: req.body }),
        });
        seen[`${req.kind} ${res.status}`] = (seen[`${req.kind} ${res.status}`] ?? 0) + 1;
        if (res.status >= 200 && res.status < 300) {
          if (typeof res.body !== 'object' || res.body === null || 'error' in res.body) return false;
        } else {
          const problem = errorProblem(res);
          if (problem) throw new Error(`${res.status} ${problem}: ${res.raw.slice(0, 300)}`);
        }
        if (!prototypeIsClean()) throw new Error('Object.prototype was polluted');
        return true;
      }),
      { numRuns: RUNS },
    );
    // Every kind of input was generated and answered.
    for (const kind of ['json', 'object', 'mutated', 'pollution', 'broken', 'valid']) {
      expect(Object.keys(seen).some((k) => k.startsWith(kind))).toBe(true);
    }
    expect(Object.keys(seen).filter((k) => / 5\d\d$/.test(k))).toEqual([]);
  }, 60_000);
});

describe('after fuzzing', () => {
  test('Object.prototype is unpolluted', () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    const probe: Record<string, unknown> = {};
    expect(probe.polluted).toBeUndefined();
    expect(probe.isAdmin).toBeUndefined();
    expect(Object.prototype.toString.call([])).toBe('[object Array]');
  });
});
