/**
 * Hidden-probe figures of the local runtime (`npm start` as a child process, on free ports, in temporary data
 * directories), measured through HTTP only:
 *
 * 1. fuzz: N requests over every route of ROUTES, unknown routes and wrong methods, with valid and invalid bodies,
 *    path parameters, query parameters, Idempotency-Key headers and keys (seeded: `--seed`); counts by status,
 *    every 5xx, every non-2xx body that is not the contract's `{error: {code, message}}`;
 * 2. concurrent sign-ups: N companies at once, a client that retries (network error, 5xx, 409 in progress, 429)
 *    and replays ~30% after success; then none lost or duplicated, replays answer the same company, each company's
 *    execution started;
 * 3. cross-tenant and cross-region: another company's key, a region-scoped assessor, a reviewer → 403;
 * 4. kill -9: sign-ups while the virtual clock advances, killed at seeded moments and restarted on the same data:
 *    no 201 lost, the clock never behind what was observed, no execution event later than the clock.
 *
 * Prints a markdown summary (stdout), progress (stderr), writes bench/probe-results.json; exits 1 if a target
 * fails. `node --import tsx bench/probe.ts --help` for the options.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest, type ClientRequest, type IncomingHttpHeaders } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Command, InvalidArgumentError } from 'commander';
import * as fc from 'fast-check';
import * as prettier from 'prettier';
import { REGIONS } from '../domain';
import { operationOf } from '../functions/api/contract';
import { ROUTES, type RouteBinding } from '../functions/api/route-table';
import { ELEMENTS, RuntimeProcess } from '../test/e2e/runtime';

// ---------------------------------------------------------------------------------------------------------------
// Options

interface Options {
  fuzz: number;
  seed: number;
  signups: number;
  killCompanies: number;
  kills: number;
  concurrency: number;
  only: string;
  out: string;
  keepData: boolean;
}

const PHASES = ['fuzz', 'signups', 'tenant', 'kill'] as const;
type ProbePhase = (typeof PHASES)[number];

const integer = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be an integer ≥ 0');
  return n;
};

// ---------------------------------------------------------------------------------------------------------------
// Small utilities

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** mulberry32: a small seeded PRNG (the fuzz cases, backoffs and kill moments all come from it). */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)] as T;
  }
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    const total = choices.reduce((s, [w]) => s + w, 0);
    let r = this.next() * total;
    for (const [w, v] of choices) {
      r -= w;
      if (r < 0) return v;
    }
    return (choices.at(-1) as readonly [number, T])[1];
  }
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[this.int(16)];
    return s;
  }
  token(n: number): string {
    const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let s = '';
    for (let i = 0; i < n; i++) s += abc[this.int(abc.length)];
    return s;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};
/** Keys are shown by their kind only: the report and the JSON hold none (even of a throw-away runtime). */
const redact = (s: string) =>
  s.replace(/\b(secor_(?:company|assessor|reviewer|ops|session)_)[A-Za-z0-9_-]{20,}/g, '$1…');
const excerpt = (s: string | undefined, n = 300): string =>
  s === undefined ? '' : redact(s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);
const log = (message: string) => process.stderr.write(`[probe] ${message}\n`);
const seconds = (ms: number) => Math.round(ms / 100) / 10;

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[i] as number);
}

/** Runs fn over items with at most n in flight. */
async function inPool<T>(items: readonly T[], n: number, fn: (item: T, index: number) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP: node:http, so any method, raw path and body can be sent as is.

interface HttpRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

interface HttpResponse {
  /** 0: no HTTP answer (connection refused or reset, timeout); -1: the client refused to send the request. */
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  ms: number;
  error?: string;
}

interface Answer extends HttpResponse {
  data: unknown;
}

class Http {
  private readonly url: URL;
  readonly agent: Agent;

  constructor(base: string, maxSockets: number) {
    this.url = new URL(base);
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  send(req: HttpRequest, timeoutMs = 60_000): Promise<HttpResponse> {
    const started = performance.now();
    return new Promise((resolve) => {
      let settled = false;
      const done = (r: Omit<HttpResponse, 'ms'>) => {
        if (settled) return;
        settled = true;
        resolve({ ...r, ms: performance.now() - started });
      };
      const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
      let r: ClientRequest;
      try {
        r = httpRequest(
          {
            hostname: this.url.hostname,
            port: this.url.port,
            method: req.method,
            path: req.path,
            agent: this.agent,
            headers: { ...(req.headers ?? {}), ...(body ? { 'content-length': String(body.length) } : {}) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              done({
                status: res.statusCode ?? 0,
                headers: res.headers,
                text: Buffer.concat(chunks).toString('utf8'),
              }),
            );
            res.on('error', (e) => done({ status: 0, headers: {}, text: '', error: e.message }));
          },
        );
      } catch (e) {
        done({ status: -1, headers: {}, text: '', error: (e as Error).message });
        return;
      }
      r.setTimeout(timeoutMs, () => r.destroy(new Error(`no answer in ${timeoutMs} ms`)));
      r.on('error', (e) => done({ status: 0, headers: {}, text: '', error: e.message }));
      r.end(body);
    });
  }

  /** A JSON request (body serialized, Bearer key), its answer parsed. */
  async call(
    method: string,
    p: string,
    body?: unknown,
    key?: string,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const res = await this.send({
      method,
      path: p,
      headers: {
        'content-type': 'application/json',
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { ...res, data: parseJson(res.text) };
  }

  /** As call, but a non-2xx answer throws (the probe's own set-up). */
  async ok<T>(method: string, p: string, body?: unknown, key?: string): Promise<T> {
    const res = await this.call(method, p, body, key);
    if (res.status < 200 || res.status >= 300) {
      throw new Error(`${method} ${p} → ${res.status} ${excerpt(res.text)} ${res.error ?? ''}`);
    }
    return res.data as T;
  }

  close() {
    this.agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The contract: error bodies (API.md "Errors") and the route table.

/** The codes each error status may carry (API.md); 500 is INTERNAL (docs/api.md). */
const CONTRACT_CODES: Record<number, readonly string[]> = {
  400: ['MALFORMED_JSON', 'VALIDATION_FAILED'],
  401: ['UNAUTHENTICATED'],
  403: ['FORBIDDEN'],
  404: ['NOT_FOUND'],
  409: ['CONFLICT'],
  422: ['NOT_ELIGIBLE', 'WRONG_PHASE', 'ATTEMPTS_EXHAUSTED', 'TOO_EARLY'],
  429: ['THROTTLED'],
  500: ['INTERNAL'],
};
const ALL_CODES = new Set(Object.values(CONTRACT_CODES).flat());

/** docs/api.md: an unsigned /ops/* request gets what API Gateway answers it (the one documented other body). */
const GATEWAY_FORBIDDEN = JSON.stringify({ message: 'Forbidden' });

interface ShapeCheck {
  /** The body is the contract's error body (or the documented exception). */
  shape: boolean;
  /** The status and code agree with API.md's error table. */
  codeMatches: boolean;
  code?: string;
  why?: string;
}

function checkErrorBody(status: number, text: string, binding: RouteBinding | undefined): ShapeCheck {
  const data = parseJson(text);
  if (
    status === 403 &&
    binding?.auth === 'iam' &&
    data !== undefined &&
    JSON.stringify(data) === GATEWAY_FORBIDDEN
  )
    return { shape: true, codeMatches: true, code: '(gateway {"message":"Forbidden"})' };
  if (data === undefined) return { shape: false, codeMatches: false, why: 'the body is not JSON' };
  if (!isRecord(data) || !isRecord(data.error))
    return { shape: false, codeMatches: false, why: 'no error object' };
  const { code, message, details } = data.error;
  if (typeof code !== 'string')
    return { shape: false, codeMatches: false, why: 'error.code is not a string' };
  if (typeof message !== 'string' || message === '')
    return { shape: false, codeMatches: false, code, why: 'error.message is not a non-empty string' };
  if (
    details !== undefined &&
    (!Array.isArray(details) ||
      !details.every((d) => isRecord(d) && typeof d.path === 'string' && typeof d.message === 'string'))
  )
    return { shape: false, codeMatches: false, code, why: 'error.details is not [{path, message}]' };
  if (!ALL_CODES.has(code)) return { shape: false, codeMatches: false, code, why: `unknown code ${code}` };
  const allowed = CONTRACT_CODES[status];
  if (!allowed)
    return { shape: true, codeMatches: false, code, why: `status ${status} is not in the contract` };
  if (!allowed.includes(code))
    return { shape: true, codeMatches: false, code, why: `${code} is not a code of ${status}` };
  return { shape: true, codeMatches: true, code };
}

const templateOf = (b: RouteBinding) => b.routeKey.split(' ')[1] as string;
const methodOf = (b: RouteBinding) => b.routeKey.split(' ')[0] as string;

/** The route a raw path (query stripped) is for, as the gateway matches it (segments, no decoding). */
function routeFor(method: string, rawPath: string): RouteBinding | undefined {
  // As the runtime's server reads it (new URL: dot segments, also %2e, resolved), then without trailing slashes.
  let pathname: string;
  try {
    pathname = new URL(rawPath, 'http://127.0.0.1').pathname;
  } catch {
    return undefined;
  }
  const p = pathname.replace(/\/+$/, '') || '/';
  const segs = p.split('/');
  return ROUTES.find((r) => {
    if (methodOf(r) !== method.toUpperCase()) return false;
    const t = templateOf(r).split('/');
    return (
      t.length === segs.length &&
      t.every((s, i) => (s.startsWith('{') ? (segs[i] as string) !== '' : s === segs[i]))
    );
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Fixtures: real companies, keys, ids to aim requests at.

interface CompanyFixture {
  id: string;
  key: string;
  region: string;
  contact: string;
}

interface Fixtures {
  tag: string;
  opsKey: string;
  companies: CompanyFixture[];
  /** Companies whose keys may be rotated or which may withdraw (POST …/keys, …/withdrawal with their key). */
  sacrificial: CompanyFixture[];
  /** A company key rotated away (401 from then on). */
  oldKey: string;
  assessor: { id: string; key: string };
  assessorAB: { id: string; key: string };
  reviewer: { id: string; key: string };
  /** Assessors and reviewers the fuzz may revoke (DELETE /ops/assessors/{id}). */
  spareAssessors: string[];
  spareReviewers: string[];
  executions: Map<string, string[]>;
  cursor?: string;
  sessionKey?: string;
}

let signUpCounter = 0;
async function signUp(http: Http, tag: string, region: string, label: string): Promise<CompanyFixture> {
  signUpCounter += 1;
  const contact = `owner-${tag}-${label}-${signUpCounter}@probe.example`;
  const r = await http.ok<{ companyId: string; apiKey: string }>('POST', '/companies', {
    legalName: `Probe ${tag} ${label} ${signUpCounter} Ltd.`,
    region,
    employeeCount: 6,
    contact: { name: 'Owner', email: contact },
  });
  return { id: r.companyId, key: r.apiKey, region, contact };
}

async function setUpFixtures(rt: RuntimeProcess, http: Http, tag: string): Promise<Fixtures> {
  const companies: CompanyFixture[] = [];
  for (const region of ['AB', 'BC', 'MB', 'ON', 'SK', 'AB'])
    companies.push(await signUp(http, tag, region, 'fix'));
  const sacrificial: CompanyFixture[] = [];
  for (const region of ['AB', 'BC', 'NS', 'AB']) sacrificial.push(await signUp(http, tag, region, 'sac'));
  const holder = async (route: string, body: Record<string, unknown>) => {
    const r = await http.ok<Record<string, unknown>>('POST', route, body, rt.opsKey);
    return { id: String(r.assessorId ?? r.reviewerId), key: String(r.apiKey) };
  };
  const assessor = await holder('/ops/assessors', {
    name: 'Fuzz Assessor',
    email: `as-${tag}@probe.example`,
  });
  const assessorAB = await holder('/ops/assessors', {
    name: 'AB Assessor',
    email: `as-ab-${tag}@probe.example`,
    regions: ['AB'],
  });
  const reviewer = await holder('/ops/reviewers', {
    name: 'Fuzz Reviewer',
    email: `rv-${tag}@probe.example`,
    regions: ['AB'],
  });
  const spareAssessors: string[] = [];
  const spareReviewers: string[] = [];
  for (let i = 0; i < 3; i++) {
    spareAssessors.push(
      (await holder('/ops/assessors', { name: `Spare ${i}`, email: `as${i}-${tag}@probe.example` })).id,
    );
    spareReviewers.push(
      (
        await holder('/ops/reviewers', {
          name: `Spare ${i}`,
          email: `rv${i}-${tag}@probe.example`,
          regions: ['BC'],
        })
      ).id,
    );
  }
  // Some companies further along: a trainee designated (TRAINING), an exam passed (IMPLEMENTATION).
  for (const c of companies.slice(0, 4)) {
    await http.ok(
      'PUT',
      `/companies/${c.id}/trainee`,
      { name: 'Trainee', email: `trainee-${c.id}@probe.example` },
      c.key,
    );
  }
  await http.ok('POST', `/companies/${companies[1]?.id}/training/attempts`, { score: 90 }, assessor.key);
  // A rotated-away key.
  const rotated = sacrificial[3] as CompanyFixture;
  const oldKey = rotated.key;
  rotated.key = (
    await http.ok<{ apiKey: string }>('POST', `/companies/${rotated.id}/keys`, {}, oldKey)
  ).apiKey;
  const list = await http.ok<{ cursor?: string }>('GET', '/ops/companies?limit=1', undefined, rt.opsKey);
  await sleep(1500); // the executions start after the answers (the outbox)
  const executions = new Map<string, string[]>();
  for (const c of [...companies, ...sacrificial]) {
    const r = await http.ok<{ items: { name: string }[] }>(
      'GET',
      `/ops/companies/${c.id}/executions`,
      undefined,
      rt.opsKey,
    );
    executions.set(
      c.id,
      r.items.map((e) => e.name),
    );
  }
  // A session key from a sign-in link (best effort: the fuzz uses it as one more key).
  let sessionKey: string | undefined;
  try {
    const contact = (companies[5] as CompanyFixture).contact;
    await http.ok('POST', '/sign-in', { email: contact });
    for (let i = 0; i < 20 && !sessionKey; i++) {
      const emails = (await rt.emails(contact)).filter((e) => /sign-in/i.test(e.subject));
      const token = /#sign-in=([A-Za-z0-9_-]+)/.exec(emails.at(-1)?.body.text ?? '')?.[1];
      if (token)
        sessionKey = (await http.ok<{ sessionKey: string }>('POST', '/sessions', { token })).sessionKey;
      else await sleep(200);
    }
  } catch (e) {
    log(`no session key for the fuzz: ${(e as Error).message}`);
  }
  return {
    tag,
    opsKey: rt.opsKey,
    companies,
    sacrificial,
    oldKey,
    assessor,
    assessorAB,
    reviewer,
    spareAssessors,
    spareReviewers,
    executions,
    ...(list.cursor ? { cursor: list.cursor } : {}),
    ...(sessionKey ? { sessionKey } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Valid bodies, by request schema name (functions/api/schemas/requests.ts).

const isoDate = (rng: Rng) => `20${rng.range(26, 28)}-0${rng.range(1, 9)}-1${rng.range(0, 9)}`;

function validBody(schema: string | undefined, rng: Rng, tag: string, i: number, region: string): Json {
  switch (schema) {
    case 'SignUp':
      return {
        legalName: `Probe ${tag} Fuzz ${i} Ltd.`,
        region,
        employeeCount: rng.chance(0.9) ? rng.range(1, 8) : rng.range(9, 2_000_000),
        contact: {
          name: 'Fuzz Owner',
          email: `fz-${tag}-${i}@probe.example`,
          ...(rng.chance(0.3) ? { phone: '+1 (403) 555-0100' } : {}),
        },
        ...(rng.chance(0.3) ? { industry: 'Roofing' } : {}),
      };
    case 'Trainee':
      return { name: 'Fuzz Trainee', email: `tr-${tag}-${i}@probe.example` };
    case 'ExamAttempt':
      return {
        score: rng.int(101),
        ...(rng.chance(0.3) ? { takenAt: `${isoDate(rng)}T09:30:00.000Z` } : {}),
      };
    case 'Program':
      return {
        manualTitle: 'Manual',
        manualVersion: '1',
        elements: [...ELEMENTS],
        implementedSince: isoDate(rng),
      };
    case 'Audit': {
      const overall = rng.int(101);
      return {
        type: rng.pick(['certification', 'maintenance', 'recertification']),
        overallScore: overall,
        elementScores: Object.fromEntries(ELEMENTS.map((e) => [e, rng.chance(0.9) ? overall : rng.int(101)])),
        auditor: { name: 'Auditor' },
        completedOn: isoDate(rng),
      };
    }
    case 'Withdrawal':
      return rng.chance(0.5) ? { reason: 'fuzz' } : {};
    case 'Assessor':
      return {
        name: 'Fuzz Assessor',
        email: `as-${tag}-${i}@probe.example`,
        ...(rng.chance(0.5) ? { regions: [rng.pick(REGIONS)] } : {}),
      };
    case 'Reviewer':
      return { name: 'Fuzz Reviewer', email: `rv-${tag}-${i}@probe.example`, regions: [rng.pick(REGIONS)] };
    case 'SignIn':
      return { email: `nobody-${rng.hex(6)}@probe.example` };
    case 'SessionRequest':
      return { token: rng.token(43) };
    default:
      return {};
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Fuzz

interface FuzzCase {
  i: number;
  kind: 'route' | 'wrong-method' | 'unknown-route';
  /** The route it was aimed at (for wrong methods: the route whose path it used). */
  aimed?: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  labels: Record<string, string>;
  unknownQuery: boolean;
}

interface Example {
  method: string;
  path: string;
  labels: Record<string, string>;
  requestHeaders: Record<string, string>;
  requestBody: string;
  status: number;
  responseBody: string;
  why?: string;
}

interface FuzzResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  byStatus: Record<string, number>;
  byRoute: Record<string, Record<string, number>>;
  /** Statuses by the Idempotency-Key variant sent. */
  byIdempotency: Record<string, Record<string, number>>;
  by5xx: { signature: string; count: number; example: Example }[];
  count5xx: number;
  throttled: number;
  networkErrors: number;
  clientRefused: number;
  shapeViolations: number;
  shapeExamples: { signature: string; count: number; example: Example }[];
  codeMismatches: number;
  codeMismatchExamples: { signature: string; count: number; example: Example }[];
  unknownQueryAccepted: number;
  unknownQueryExamples: { signature: string; count: number; example: Example }[];
  undeclaredStatuses: number;
  undeclaredStatusExamples: { signature: string; count: number; example: Example }[];
  serverCauses: ServerCause[];
  idempotency: IdempotencyCheck[];
  routesCovered: number;
  routesTotal: number;
}

class Grouped {
  private readonly groups = new Map<string, { signature: string; count: number; example: Example }>();
  total = 0;
  add(signature: string, example: Example) {
    this.total += 1;
    const g = this.groups.get(signature);
    if (g) g.count += 1;
    else this.groups.set(signature, { signature, count: 1, example });
  }
  list(max = 25) {
    return [...this.groups.values()].sort((a, b) => b.count - a.count).slice(0, max);
  }
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

/** Routes API.md (v1.1) lists that are not in ROUTES, and paths no route serves. */
const UNKNOWN_PATHS = (c: string) => [
  ['GET', '/'],
  ['GET', '/regions'],
  ['GET', '/regions/AB/policy'],
  ['PATCH', `/companies/${c}`],
  ['GET', `/companies/${c}/audits/a0123456789abcdef0123`],
  ['POST', `/companies/${c}/audits/a0123456789abcdef0123/review`],
  ['GET', '/reviews'],
  ['GET', `/companies/${c}/letters/good-standing`],
  ['PUT', `/companies/${c}/corrective-actions/x`],
  ['GET', '/ops'],
  ['GET', '/ops/unknown'],
  ['GET', '/companiesX'],
  ['GET', '/v1/companies'],
  ['GET', `/companies/${c}/extra/segments/here`],
  ['POST', '/companies/'],
  ['GET', '//companies'],
  ['GET', '/openapi.json/x'],
  ['GET', '/docs'],
  ['PUT', '/_local/clock'],
  ['DELETE', '/_local/clock'],
  ['POST', '/_local/clock'],
];

class FuzzGenerator {
  private readonly rng: Rng;
  private readonly jsonPool: Json[];
  private readonly stringPool: string[];
  private readonly usedKeys: { route: string; auth: string; key: string; body: string | undefined }[] = [];
  private i = 0;

  constructor(
    seed: number,
    private readonly fx: Fixtures,
  ) {
    this.rng = new Rng(seed);
    this.jsonPool = fc.sample(fc.jsonValue({ maxDepth: 4 }), { seed, numRuns: 400 }) as Json[];
    this.stringPool = [
      ...fc.sample(fc.string({ unit: 'binary', maxLength: 40 }), { seed: seed + 1, numRuns: 200 }),
      ...fc.sample(fc.string({ unit: 'grapheme', maxLength: 40 }), { seed: seed + 2, numRuns: 100 }),
    ];
  }

  private garbageSegment(): { value: string; label: string } {
    const r = this.rng;
    const real = r.pick(this.fx.companies).id;
    return r.weighted<() => { value: string; label: string }>([
      [4, () => ({ value: `c${r.hex(20)}`, label: 'unknown-company-id' })],
      [2, () => ({ value: `C${r.hex(20).toUpperCase()}`, label: 'uppercase-id' })],
      [2, () => ({ value: `c${r.hex(r.pick([0, 19, 21, 40]))}`, label: 'wrong-length-id' })],
      [2, () => ({ value: `c${'a'.repeat(r.range(500, 3000))}`, label: 'very-long' })],
      [2, () => ({ value: `%63${real.slice(1)}`, label: 'percent-encoded-real-id' })],
      [1, () => ({ value: encodeURIComponent(real + ' '), label: 'real-id-plus-space' })],
      [
        3,
        () => ({
          value: r.pick(['%', '%zz', '%E0%A4%A', '%C0%AF', '%FF', '%u0041', '%%']),
          label: 'bad-percent',
        }),
      ],
      [
        2,
        () => ({
          value: r.pick(['%2F', '..%2F..%2Fops', '%00', '%0A', '%20', '%2e%2e']),
          label: 'encoded-special',
        }),
      ],
      [3, () => ({ value: encodeURIComponent(r.pick(this.stringPool) || 'x'), label: 'random-string' })],
      [
        2,
        () => ({
          value: encodeURIComponent(
            r.pick([
              '..',
              '.',
              'null',
              'undefined',
              '0',
              '-1',
              '__proto__',
              'constructor',
              "' OR 1=1 --",
              'ç',
              '🙂',
            ]),
          ),
          label: 'special-word',
        }),
      ],
    ])();
  }

  private param(name: string, route: string, companyId: string): { value: string; label: string } {
    const r = this.rng;
    if (!r.chance(0.7)) return this.garbageSegment();
    switch (name) {
      case 'companyId':
        return { value: companyId, label: 'company' };
      case 'assessorId':
        return r.chance(0.8)
          ? { value: r.pick(this.fx.spareAssessors), label: 'spare-assessor' }
          : { value: `as${r.hex(20)}`, label: 'unknown-assessor' };
      case 'reviewerId':
        return r.chance(0.8)
          ? { value: r.pick(this.fx.spareReviewers), label: 'spare-reviewer' }
          : { value: `rv${r.hex(20)}`, label: 'unknown-reviewer' };
      case 'name': {
        const names = this.fx.executions.get(companyId) ?? [];
        return names.length && r.chance(0.7)
          ? { value: r.pick(names), label: 'execution' }
          : {
              value: `${companyId}-c1-${r.pick(['TRAINING', 'REGISTRATION', 'X'])}`,
              label: 'other-execution',
            };
      }
      case 'certificateNumber':
        return {
          value: r.pick(['SECOR-AB-2027-000001', 'SECOR-BC-2026-000123', 'SECOR-XX-0000-000000']),
          label: 'certificate',
        };
      default:
        return { value: `${route.length}`, label: 'other' };
    }
  }

  private query(route: string): { q: string[]; labels: string[]; unknown: boolean } {
    const r = this.rng;
    const q: string[] = [];
    const labels: string[] = [];
    let unknown = false;
    if (route === 'GET /ops/companies' && r.chance(0.7)) {
      const n = r.range(1, 3);
      for (let k = 0; k < n; k++) {
        const [name, value, label] = r.weighted<() => [string, string, string]>([
          [3, () => ['limit', String(r.range(1, 500)), 'limit-ok']],
          [
            3,
            () => [
              'limit',
              r.pick(['0', 'abc', '501', '-1', '1.5', '', '1e2', '99999999999999999999']),
              'limit-bad',
            ],
          ],
          [2, () => ['phase', r.pick(['REGISTERED', 'TRAINING', 'IMPLEMENTATION', 'WITHDRAWN']), 'phase-ok']],
          [1, () => ['phase', r.pick(['foo', 'training', '', '__proto__']), 'phase-bad']],
          [1, () => ['overdue', r.pick(['true', 'false']), 'overdue-ok']],
          [1, () => ['overdue', r.pick(['yes', '1', '']), 'overdue-bad']],
          [2, () => ['cursor', this.fx.cursor ?? 'eyJwaGFzZSI6MX0', 'cursor-real']],
          [3, () => ['cursor', this.badCursor(), 'cursor-bad']],
        ])();
        q.push(`${name}=${encodeURIComponent(value)}`);
        labels.push(label);
      }
    }
    if (r.chance(0.12)) {
      const [name, value] = r.pick<[string, string]>([
        ['foo', 'bar'],
        ['__proto__', 'x'],
        ['constructor', 'x'],
        ['limit', 'abc'],
        ['x'.repeat(300), 'y'.repeat(2000)],
        ['cursor', 'garbage'],
        ['debug', 'true'],
      ]);
      const known = Object.keys(operationOf(route)?.query ?? {});
      if (!known.includes(name)) unknown = true;
      q.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
      labels.push(known.includes(name) ? `param-${name}` : 'unknown-param');
    }
    return { q, labels, unknown };
  }

  private badCursor(): string {
    const r = this.rng;
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    return r.pick([
      'garbage',
      '!!!',
      b64({ phase: 99 }),
      b64({ phase: -1 }),
      b64({ phase: 0.5 }),
      b64([1, 2]),
      b64(null),
      b64({ phase: 0, key: { PK: 1 } }),
      b64({ phase: 0, key: { PK: 'x', SK: 'y', gsiPhase: 'z', gsiDue: 'w' } }),
      b64({ phase: 1, key: { PK: 'COMPANY#x', SK: 'PROFILE', gsiPhase: 'TRAINING', gsiDue: '2027-01-01' } }),
      b64({ phase: 0, key: { PK: '', SK: '', gsiPhase: '', gsiDue: '' } }),
      'x'.repeat(3000),
    ]);
  }

  /** Which key the request carries, given the route's roles and the company in its path. */
  private auth(binding: RouteBinding | undefined, companyId: string): { header?: string; label: string } {
    const r = this.rng;
    const op = binding ? operationOf(binding.routeKey) : undefined;
    const roles: readonly string[] = op?.roles ?? [];
    const own = [...this.fx.companies, ...this.fx.sacrificial].find((c) => c.id === companyId);
    const other = r.pick(this.fx.companies.filter((c) => c.id !== companyId));
    const right =
      binding?.auth === 'iam'
        ? 'ops'
        : roles.includes('company') && own
          ? 'own'
          : roles.includes('assessor')
            ? r.pick(['assessor', 'assessorAB'])
            : roles.includes('company') || roles.includes('trainee')
              ? 'session'
              : 'none';
    const label = r.weighted<string>([
      [binding?.auth === 'none' ? 10 : 12, right],
      [2, 'none'],
      [1, 'garbage'],
      [1, 'bearer-only'],
      [1, 'bearer-garbage'],
      [1, 'basic'],
      [1, 'lowercase-bearer'],
      [1, 'own'],
      [2, 'other-company'],
      [1, 'assessor'],
      [1, 'assessorAB'],
      [1, 'reviewer'],
      [2, 'ops'],
      [1, 'old-key'],
      [1, 'session'],
    ]);
    const b = (k: string) => `Bearer ${k}`;
    switch (label) {
      case 'none':
        return { label };
      case 'garbage':
        return { header: r.pick(['garbage', 'x'.repeat(500), 'Token abc', '"Bearer abc"']), label };
      case 'bearer-only':
        return { header: r.pick(['Bearer', 'Bearer ', 'Bearer  ']), label };
      case 'bearer-garbage':
        return {
          header: b(
            r.pick([r.token(43), `secor_company_${r.token(43)}`, `secor_session_${r.token(43)}`, 'a b']),
          ),
          label,
        };
      case 'basic':
        return { header: `Basic ${Buffer.from('user:pass').toString('base64')}`, label };
      case 'lowercase-bearer':
        return { header: `bearer ${own?.key ?? other.key}`, label };
      case 'own':
        return { header: b(own?.key ?? other.key), label: own ? 'own' : 'other-company' };
      case 'other-company':
        return { header: b(other.key), label };
      case 'assessor':
        return { header: b(this.fx.assessor.key), label };
      case 'assessorAB':
        return { header: b(this.fx.assessorAB.key), label };
      case 'reviewer':
        return { header: b(this.fx.reviewer.key), label };
      case 'ops':
        return { header: b(this.fx.opsKey), label };
      case 'old-key':
        return { header: b(this.fx.oldKey), label };
      case 'session':
        return this.fx.sessionKey
          ? { header: b(this.fx.sessionKey), label }
          : { header: b(other.key), label: 'other-company' };
      default:
        return { label: 'none' };
    }
  }

  /** A body for a route with a request schema: valid, mutated, malformed, empty, scalar, random. */
  private body(schema: string | undefined, region: string): { body?: string; label: string } {
    const r = this.rng;
    const valid = validBody(schema, r, this.fx.tag, this.i, region);
    const mode = r.weighted<string>([
      [35, 'valid'],
      [30, 'mutated'],
      [10, 'malformed'],
      [5, 'empty'],
      [10, 'scalar'],
      [10, 'random-json'],
    ]);
    switch (mode) {
      case 'valid':
        return { body: JSON.stringify(valid), label: 'valid' };
      case 'mutated':
        return this.mutate(valid);
      case 'malformed': {
        const text = JSON.stringify(valid);
        return {
          body: r.pick([
            text.slice(0, Math.max(1, r.int(text.length))),
            '{',
            '{"a":}',
            "{'a':1}",
            'undefined',
            'NaN',
            '\u0000',
            `\ufeff${text}`,
            `${text.slice(0, -1)},}`,
            `${text}${text}`,
            '{"a":1,"a":2',
            '[1,2',
            '"unterminated',
          ]),
          label: 'malformed-json',
        };
      }
      case 'empty':
        return { ...(r.chance(0.5) ? { body: r.pick(['', ' ', '\n\t ']) } : {}), label: 'empty' };
      case 'scalar':
        return {
          body: r.pick([
            'null',
            '[]',
            '0',
            '-1',
            '"str"',
            'true',
            'false',
            '{}',
            `[${JSON.stringify(valid)}]`,
            '1e309',
          ]),
          label: 'json-scalar',
        };
      default:
        return { body: JSON.stringify(r.pick(this.jsonPool)), label: 'random-json' };
    }
  }

  private mutate(valid: Json): { body: string; label: string } {
    const r = this.rng;
    const obj: Record<string, Json> = isRecord(valid) ? (structuredClone(valid) as Record<string, Json>) : {};
    // A field to change: top level, or one level down (contact, auditor, elementScores).
    let target: Record<string, Json> = obj;
    const nested = Object.entries(obj).filter(([, v]) => isRecord(v));
    if (nested.length && r.chance(0.3)) target = r.pick(nested)[1] as Record<string, Json>;
    const keys = Object.keys(target);
    const field = keys.length ? r.pick(keys) : 'field';
    const raw: Record<string, string> = {};
    const kind = r.weighted<string>([
      [4, 'wrong-type'],
      [3, 'missing-field'],
      [3, 'unknown-field'],
      [2, 'huge-string'],
      [2, 'deep-nesting'],
      [2, 'over-64KB'],
      [2, 'odd-number'],
      [2, 'odd-string'],
    ]);
    switch (kind) {
      case 'wrong-type': {
        const v = target[field];
        target[field] =
          typeof v === 'string'
            ? r.pick([42, true, null, [v], { v }])
            : typeof v === 'number'
              ? r.pick([String(v), null, [v], true, {}])
              : Array.isArray(v)
                ? r.pick(['x', {}, 1, null])
                : r.pick(['x', 1, [], null, false]);
        break;
      }
      case 'missing-field':
        delete target[field];
        break;
      case 'unknown-field':
        target[r.pick(['extra', '__proto__', 'constructor', 'companyId', 'apiKey', 'phase', ''])] = r.pick(
          this.jsonPool,
        );
        break;
      case 'huge-string':
        target[field] = 'x'.repeat(r.range(1_000, 60_000));
        break;
      case 'deep-nesting': {
        // Balanced most of the time (valid JSON, deeply nested); unbalanced otherwise (malformed).
        const depth = r.range(1_000, 12_000);
        const closing = r.chance(0.8) ? depth : r.range(0, depth);
        target[field] = '__DEEP__';
        raw.__DEEP__ = r.chance(0.5)
          ? '['.repeat(depth * 2) + ']'.repeat(closing * 2)
          : '{"a":'.repeat(depth) + '1' + '}'.repeat(closing);
        break;
      }
      case 'over-64KB':
        target[field] = 'y'.repeat(r.range(66_000, 200_000));
        break;
      case 'odd-number':
        target[field] = '__NUM__';
        raw.__NUM__ = r.pick([
          '1e309',
          '-0',
          '1.5',
          '-1',
          '101',
          '9007199254740993',
          '1e-400',
          '0.1e1',
          '1000001',
        ]);
        break;
      default:
        target[field] = r.pick([
          '',
          ' ',
          '\u0000',
          '\ud800',
          '🙂'.repeat(60),
          '<script>alert(1)</script>',
          '   padded   ',
          'a@b',
          'x'.repeat(201),
          r.pick(this.stringPool),
        ]);
    }
    let text = JSON.stringify(obj);
    // The deep-nesting value has matched brackets only when both counts agree: an unbalanced one is malformed.
    for (const [placeholder, value] of Object.entries(raw)) text = text.replace(`"${placeholder}"`, value);
    return { body: text, label: kind };
  }

  next(): FuzzCase {
    const r = this.rng;
    const i = this.i++;
    const kind = r.weighted<FuzzCase['kind']>([
      [85, 'route'],
      [8, 'wrong-method'],
      [7, 'unknown-route'],
    ]);
    const company = r.pick(this.fx.companies);
    if (kind === 'unknown-route') {
      const [method, p] = r.pick(UNKNOWN_PATHS(company.id)) as [string, string];
      const auth = r.chance(0.5) ? this.auth(undefined, company.id) : { label: 'none' };
      const body =
        method === 'GET' || method === 'DELETE'
          ? undefined
          : r.pick(['{}', '{"advanceDays":"x"}', '{', '{"advanceDays":0}']);
      return {
        i,
        kind,
        method,
        path: p,
        headers: {
          'content-type': 'application/json',
          ...(auth.header ? { authorization: auth.header } : {}),
        },
        ...(body !== undefined ? { body } : {}),
        labels: { auth: auth.label },
        unknownQuery: false,
      };
    }
    const binding = r.pick(ROUTES);
    const op = operationOf(binding.routeKey);
    // Rotating a key or withdrawing: on the sacrificial companies, so the other fixtures' keys keep working.
    const risky = /\/(keys|withdrawal)$/.test(templateOf(binding));
    const target = risky && r.chance(0.8) ? r.pick(this.fx.sacrificial) : company;
    const labels: Record<string, string> = {};
    const segments = templateOf(binding)
      .split('/')
      .map((seg) => {
        const m = /^\{(.+)\}$/.exec(seg);
        if (!m) return seg;
        const p = this.param(m[1] as string, binding.routeKey, target.id);
        labels[`param:${m[1]}`] = p.label;
        return p.value;
      });
    const { q, labels: qLabels, unknown } = this.query(binding.routeKey);
    if (qLabels.length) labels.query = qLabels.join(',');
    let method = methodOf(binding);
    if (kind === 'wrong-method') {
      const used = ROUTES.filter((x) => templateOf(x) === templateOf(binding)).map(methodOf);
      method = r.pick(METHODS.filter((m) => !used.includes(m)));
    }
    const auth = this.auth(binding, target.id);
    labels.auth = auth.label;
    let body: string | undefined;
    if (op?.request && kind === 'route') {
      const b = this.body(op.request, target.region);
      body = b.body;
      labels.body = b.label;
    } else if (r.chance(0.15)) {
      body = r.pick(['{}', '{"x":1}', 'garbage', '[]', 'null', JSON.stringify(r.pick(this.jsonPool))]);
      labels.body = 'unexpected-body';
    }
    const headers: Record<string, string> = {};
    const ct = r.weighted<string | undefined>([
      [90, 'application/json'],
      [3, 'text/plain'],
      [3, undefined],
      [2, 'application/x-www-form-urlencoded'],
      [2, 'application/json; charset=utf-16'],
    ]);
    if (ct) headers['content-type'] = ct;
    if (auth.header !== undefined) headers.authorization = auth.header;
    if ((op?.idempotent && r.chance(0.35)) || r.chance(0.03)) {
      const previous = this.usedKeys.filter((u) => u.route === binding.routeKey && u.auth === auth.label);
      const idem = r.weighted<string>([
        [50, 'fresh'],
        [10, 'empty'],
        [10, '300-chars'],
        [5, '200-chars'],
        [15, previous.length ? 'reused-other-body' : 'fresh'],
        [10, previous.length ? 'reused-same-body' : 'fresh'],
      ]);
      let key: string;
      switch (idem) {
        case 'empty':
          key = '';
          break;
        case '300-chars':
          key = 'k'.repeat(300);
          break;
        case '200-chars':
          key = `${r.token(10)}${'k'.repeat(190)}`;
          break;
        case 'reused-other-body': {
          const u = r.pick(previous);
          key = u.key;
          // Another valid body (an invalid one is refused before the idempotency check).
          const alt = JSON.stringify(validBody(op?.request, r, this.fx.tag, i + 1_000_000, target.region));
          body = alt !== u.body ? alt : JSON.stringify({ extra: i });
          break;
        }
        case 'reused-same-body': {
          const u = r.pick(previous);
          key = u.key;
          body = u.body;
          break;
        }
        default:
          key = `fz-${this.fx.tag}-${i}-${r.token(8)}`;
      }
      headers['idempotency-key'] = key;
      labels.idempotency = idem;
      if (idem === 'fresh') this.usedKeys.push({ route: binding.routeKey, auth: auth.label, key, body });
    }
    return {
      i,
      kind,
      aimed: binding.routeKey,
      method,
      path: segments.join('/') + (q.length ? `?${q.join('&')}` : ''),
      headers,
      ...(body !== undefined ? { body } : {}),
      labels,
      unknownQuery: unknown,
    };
  }
}

/** An unexpected error the runtime logged: where (a route, or the local gateway), what, how many times. */
interface ServerCause {
  where: string;
  cause: string;
  count: number;
  example: string;
}

/**
 * The runtime's own log of unexpected errors, by cause: the HTTP server's "error serving M P: stack" lines (the
 * local gateway failed before a handler ran) and the handlers' Powertools "unhandled error" entries (pretty-printed
 * JSON blocks, POWERTOOLS_DEV).
 */
function serverCauses(output: string): ServerCause[] {
  const lines = output.split('\n');
  const causes = new Map<string, ServerCause>();
  const add = (where: string, cause: string, example: string) => {
    const key = `${where} ${cause}`;
    const c = causes.get(key);
    if (c) c.count += 1;
    else causes.set(key, { where, cause, count: 1, example: excerpt(example, 300) });
  };
  const ownFrame = (stack: string[]) =>
    stack.find((f) => /\/(local|functions|domain)\//.test(f) && !f.includes('node_modules'))?.trim() ?? '';
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k] as string;
    const serving = /error serving (\S+) (\S+): (.*)$/.exec(line);
    if (serving) {
      const stack = lines.slice(k + 1, k + 8).filter((l) => /^\s+at /.test(l));
      add('local HTTP server / gateway', `${serving[3]} ${ownFrame(stack)}`, `${serving[1]} ${serving[2]}`);
      continue;
    }
    if (line === '{') {
      const close = lines.indexOf('}', k);
      if (close < 0) continue;
      const entry = parseJson(lines.slice(k, close + 1).join('\n'));
      k = close;
      if (!isRecord(entry) || entry.level !== 'ERROR') continue;
      const error = isRecord(entry.error) ? entry.error : {};
      const stack = Array.isArray(error.stack) ? error.stack.map(String) : [];
      add(
        // The function (the logger's route key is not reliable: a local worker serves requests concurrently).
        String(entry.function_name ?? 'a function'),
        `${String(entry.message)}: ${String(error.name ?? '')}: ${String(error.message ?? '')} ${ownFrame(stack)}`,
        String(entry.timestamp ?? ''),
      );
    }
  }
  return [...causes.values()].sort((a, b) => b.count - a.count);
}

// ---------------------------------------------------------------------------------------------------------------
// Idempotency-Key, checked deliberately (the fuzz sends the same variants at random)

interface IdempotencyCheck {
  what: string;
  expected: string;
  status: number;
  ok: boolean;
  body: string;
}

async function runIdempotency(rt: RuntimeProcess, fx: Fixtures, tag: string): Promise<IdempotencyCheck[]> {
  const http = new Http(rt.api, 4);
  const checks: IdempotencyCheck[] = [];
  const check = (what: string, expected: string, res: Answer, ok: boolean) =>
    checks.push({ what, expected, status: res.status, ok, body: excerpt(res.text, 200) });
  const field = (res: Answer, name: string) => (isRecord(res.data) ? res.data[name] : undefined);
  const replayed = (res: Answer) => res.headers['idempotent-replay'] === 'true';
  const triple = async (
    label: string,
    p: string,
    method: string,
    a: Json,
    b: Json,
    key: string | undefined,
    idField: string | undefined,
  ) => {
    const k = `probe-${tag}-idem-${label}`;
    const first = await http.call(method, p, a, key, { 'idempotency-key': k });
    check(`${label}: first request`, '2xx', first, first.status >= 200 && first.status < 300);
    const other = await http.call(method, p, b, key, { 'idempotency-key': k });
    check(
      `${label}: same key, another body`,
      '409 CONFLICT',
      other,
      other.status === 409 && field(other, 'error') !== undefined,
    );
    const again = await http.call(method, p, a, key, { 'idempotency-key': k });
    check(
      `${label}: same key and body again`,
      `${first.status}, Idempotent-Replay: true, same ${idField ?? 'body'}, no apiKey`,
      again,
      again.status === first.status &&
        replayed(again) &&
        (idField ? field(again, idField) === field(first, idField) : true) &&
        field(again, 'apiKey') === undefined,
    );
  };
  const signUpBody = (n: number): Json => ({
    legalName: `Probe ${tag} Idem ${n} Ltd.`,
    region: 'AB',
    employeeCount: 3,
    contact: { name: 'Owner', email: `idem-${tag}-${n}@probe.example` },
  });
  await triple('POST /companies', '/companies', 'POST', signUpBody(1), signUpBody(2), undefined, 'companyId');
  const c = fx.companies[4] as CompanyFixture;
  const d = fx.companies[5] as CompanyFixture;
  await triple(
    'PUT /companies/{id}/trainee',
    `/companies/${c.id}/trainee`,
    'PUT',
    { name: 'Trainee', email: `t1-${tag}@probe.example` },
    { name: 'Trainee', email: `t2-${tag}@probe.example` },
    c.key,
    undefined,
  );
  await triple(
    'POST /ops/assessors',
    '/ops/assessors',
    'POST',
    { name: 'Idem', email: `idem-a-${tag}@probe.example` },
    { name: 'Idem', email: `idem-b-${tag}@probe.example` },
    fx.opsKey,
    'assessorId',
  );
  // A key is scoped to the caller: another company may use the same value.
  const shared = `probe-${tag}-idem-shared`;
  const t = { name: 'Trainee', email: `shared-${tag}@probe.example` };
  const first = await http.call('PUT', `/companies/${c.id}/trainee`, t, c.key, { 'idempotency-key': shared });
  const second = await http.call('PUT', `/companies/${d.id}/trainee`, t, d.key, {
    'idempotency-key': shared,
  });
  check('same key value, company 1', '200', first, first.status === 200);
  check(
    'same key value, company 2 (scoped to the caller)',
    '200, not a replay',
    second,
    second.status === 200 && !replayed(second) && field(second, 'companyId') === d.id,
  );
  for (const [label, value, expect] of [
    ['empty Idempotency-Key', '', 400],
    ['300-character Idempotency-Key', 'k'.repeat(300), 400],
    ['200-character Idempotency-Key', `${tag}${'k'.repeat(200 - tag.length)}`, 201],
  ] as const) {
    const res = await http.call('POST', '/companies', signUpBody(10 + checks.length), undefined, {
      'idempotency-key': value,
    });
    check(label, String(expect), res, res.status === expect);
  }
  http.close();
  return checks;
}

async function runFuzz(rt: RuntimeProcess, fx: Fixtures, o: Options): Promise<FuzzResult> {
  const http = new Http(rt.api, o.concurrency);
  const gen = new FuzzGenerator(o.seed, fx);
  const byStatus: Record<string, number> = {};
  const byRoute: Record<string, Record<string, number>> = {};
  const byIdempotency: Record<string, Record<string, number>> = {};
  const fivexx = new Grouped();
  const shape = new Grouped();
  const mismatch = new Grouped();
  const unknownQuery = new Grouped();
  const undeclared = new Grouped();
  let throttled = 0;
  let networkErrors = 0;
  let clientRefused = 0;
  let done = 0;
  const outputStart = rt.output.length;
  const idempotency = await runIdempotency(rt, fx, fx.tag);
  const started = performance.now();
  const worker = async () => {
    while (done + inFlight < o.fuzz) {
      inFlight += 1;
      const c = gen.next();
      const res = await http.send({
        method: c.method,
        path: c.path,
        headers: c.headers,
        ...(c.body !== undefined ? { body: c.body } : {}),
      });
      inFlight -= 1;
      done += 1;
      if (done % 1000 === 0) log(`fuzz: ${done}/${o.fuzz} (${seconds(performance.now() - started)} s)`);
      const status = String(res.status);
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      const routeLabel = c.kind === 'route' ? (c.aimed as string) : c.kind;
      const rs = (byRoute[routeLabel] ??= {});
      rs[status] = (rs[status] ?? 0) + 1;
      if (c.labels.idempotency) {
        const is = (byIdempotency[c.labels.idempotency] ??= {});
        is[status] = (is[status] ?? 0) + 1;
      }
      const binding = routeFor(c.method, c.path);
      const example = (why?: string): Example => ({
        method: c.method,
        path: excerpt(c.path, 300),
        labels: c.labels,
        requestHeaders: Object.fromEntries(Object.entries(c.headers).map(([k, v]) => [k, excerpt(v, 80)])),
        requestBody: excerpt(c.body, 300),
        status: res.status,
        responseBody: excerpt(res.text || res.error, 400),
        ...(why ? { why } : {}),
      });
      const where = binding?.routeKey ?? `${c.method} ${c.kind}(${c.aimed ?? c.path.split('?')[0]})`;
      if (res.status === 0) {
        networkErrors += 1;
        fivexx.add(`no answer: ${where}: ${res.error}`, example(res.error));
        continue;
      }
      if (res.status === -1) {
        clientRefused += 1;
        continue;
      }
      const check =
        res.status >= 300 && c.method !== 'HEAD' ? checkErrorBody(res.status, res.text, binding) : undefined;
      if (res.status === 429 && check?.code === 'THROTTLED') throttled += 1;
      if (res.status >= 500) fivexx.add(`${where} → ${res.status} ${excerpt(res.text, 120)}`, example());
      if (check && !check.shape) shape.add(`${where} → ${res.status}: ${check.why}`, example(check.why));
      else if (check && !check.codeMatches)
        mismatch.add(`${res.status} ${check.code}: ${check.why}`, example(check.why));
      if (c.unknownQuery && res.status >= 200 && res.status < 300)
        unknownQuery.add(`${where} → ${res.status}`, example('unknown query parameter accepted'));
      const op = binding ? operationOf(binding.routeKey) : undefined;
      if (
        op &&
        res.status >= 400 &&
        res.status < 500 &&
        res.status !== 429 &&
        !(op.errors as readonly number[]).includes(res.status)
      )
        undeclared.add(`${binding?.routeKey} → ${res.status} (declares ${op.errors.join(', ')})`, example());
    }
  };
  let inFlight = 0;
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const ms = performance.now() - started;
  http.close();
  const covered = ROUTES.filter((b) => Object.values(byRoute[b.routeKey] ?? {}).some((n) => n > 0)).length;
  return {
    requests: done,
    seconds: seconds(ms),
    requestsPerSecond: Math.round(done / (ms / 1000)),
    byStatus,
    byRoute,
    byIdempotency,
    by5xx: fivexx.list(),
    count5xx: Object.entries(byStatus)
      .filter(([s]) => Number(s) >= 500)
      .reduce((n, [, v]) => n + v, 0),
    throttled,
    networkErrors,
    clientRefused,
    shapeViolations: shape.total,
    shapeExamples: shape.list(10),
    codeMismatches: mismatch.total,
    codeMismatchExamples: mismatch.list(10),
    unknownQueryAccepted: unknownQuery.total,
    unknownQueryExamples: unknownQuery.list(10),
    undeclaredStatuses: undeclared.total,
    undeclaredStatusExamples: undeclared.list(10),
    serverCauses: serverCauses(rt.output.slice(outputStart)),
    idempotency,
    routesCovered: covered,
    routesTotal: ROUTES.length,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Retrying client (sign-ups in 2 and 4)

interface Attempted {
  res: Answer;
  attempts: number;
  retriedFor: string[];
  ms: number;
}

const inProgress = (res: Answer) => res.status === 409 && /in progress/i.test(res.text);
const retryable = (res: Answer) =>
  res.status <= 0 || res.status >= 500 || res.status === 429 || inProgress(res);

async function withRetries(
  send: () => Promise<Answer>,
  rng: Rng,
  o: { maxAttempts: number; maxBackoffMs: number; giveUp?: () => boolean },
): Promise<Attempted> {
  const started = performance.now();
  const retriedFor: string[] = [];
  for (let attempt = 1; ; attempt++) {
    const res = await send();
    if (!retryable(res) || attempt >= o.maxAttempts || o.giveUp?.()) {
      return { res, attempts: attempt, retriedFor, ms: performance.now() - started };
    }
    retriedFor.push(res.status <= 0 ? 'network' : inProgress(res) ? '409-in-progress' : String(res.status));
    await sleep(Math.min(o.maxBackoffMs, 50 * 2 ** attempt) * (0.5 + rng.next()));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 2. Concurrent sign-ups

interface SignupResult {
  companies: number;
  created: number;
  failed: { i: number; status: number; body: string }[];
  found: number;
  lost: number;
  duplicated: number;
  idMismatches: number;
  replays: number;
  replaysSameCompany: number;
  replayMismatches: { i: number; first: string; replay: string; status: number; body: string }[];
  replaysWithoutReplayHeader: number;
  replaysCarryingApiKey: number;
  retries: Record<string, number>;
  attempts: number;
  latencyMs: { p50: number; p95: number; max: number };
  attemptLatencyMs: { p50: number; p95: number };
  executionsStarted: number;
  executionsNotStarted: { companyId: string; items: string }[];
  secondsUntilAllStarted: number;
  seconds: number;
}

async function listAll(http: Http, opsKey: string): Promise<{ companyId: string; legalName: string }[]> {
  const items: { companyId: string; legalName: string }[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const r = await http.ok<{ items: { companyId: string; legalName: string }[]; cursor?: string }>(
      'GET',
      `/ops/companies?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      undefined,
      opsKey,
    );
    items.push(...r.items);
    cursor = r.cursor;
    if (!cursor) break;
  }
  return items;
}

async function runSignups(rt: RuntimeProcess, tag: string, o: Options): Promise<SignupResult> {
  const started = performance.now();
  const http = new Http(rt.api, Math.max(o.signups, 1) * 2);
  const prefix = `Probe ${tag} Signup `;
  const rng = new Rng(o.seed ^ 0x5151);
  const plan = Array.from({ length: o.signups }, (_, i) => ({
    i,
    body: {
      legalName: `${prefix}${i} Ltd.`,
      region: REGIONS[i % REGIONS.length] as string,
      employeeCount: 1 + (i % 8), // SECOR is for small employers (at most 8 to 10)
      contact: { name: `Owner ${i}`, email: `signup-${tag}-${i}@probe.example` },
    },
    key: `probe-${tag}-signup-${i}`,
    replay: rng.chance(0.3),
    rng: new Rng(o.seed * 7919 + i),
  }));
  const send = (p: (typeof plan)[number]) => () =>
    http.call('POST', '/companies', p.body, undefined, { 'idempotency-key': p.key });
  const retries: Record<string, number> = {};
  const latencies: number[] = [];
  const attemptLatencies: number[] = [];
  let attempts = 0;
  const outcomes = await Promise.all(
    plan.map(async (p) => {
      const timed = () => async () => {
        const r = await send(p)();
        attemptLatencies.push(r.ms);
        return r;
      };
      const first = await withRetries(timed(), p.rng, { maxAttempts: 30, maxBackoffMs: 3000 });
      attempts += first.attempts;
      for (const why of first.retriedFor) retries[why] = (retries[why] ?? 0) + 1;
      const companyId = isRecord(first.res.data)
        ? (first.res.data.companyId as string | undefined)
        : undefined;
      if (first.res.status === 201) latencies.push(first.ms);
      let replay: Attempted | undefined;
      if (p.replay && first.res.status === 201) {
        replay = await withRetries(timed(), p.rng, { maxAttempts: 30, maxBackoffMs: 3000 });
        attempts += replay.attempts;
        for (const why of replay.retriedFor) retries[why] = (retries[why] ?? 0) + 1;
      }
      return { p, first, companyId, replay };
    }),
  );
  log(`sign-ups: ${outcomes.filter((x) => x.first.res.status === 201).length}/${o.signups} answered 201`);
  const replays = outcomes.filter((x) => x.replay);
  const replayMismatches = replays
    .filter((x) => {
      const d = x.replay?.res.data;
      return !(x.replay?.res.status === 201 && isRecord(d) && d.companyId === x.companyId);
    })
    .map((x) => ({
      i: x.p.i,
      first: x.companyId ?? '',
      replay: isRecord(x.replay?.res.data) ? String(x.replay?.res.data.companyId ?? '') : '',
      status: x.replay?.res.status ?? 0,
      body: excerpt(x.replay?.res.text, 300),
    }));
  await sleep(3000);
  const listed = (await listAll(http, rt.opsKey)).filter((c) => c.legalName.startsWith(prefix));
  const byName = new Map<string, string[]>();
  for (const c of listed) byName.set(c.legalName, [...(byName.get(c.legalName) ?? []), c.companyId]);
  const wanted = new Set(plan.map((p) => p.body.legalName));
  const found = [...wanted].filter((n) => byName.has(n)).length;
  const duplicated = [...byName.values()].reduce((n, ids) => n + ids.length - 1, 0);
  const idMismatches = outcomes.filter(
    (x) => x.companyId && !(byName.get(x.p.body.legalName) ?? []).includes(x.companyId),
  ).length;
  // Each company's execution started (the outbox delivers it after the answer).
  const createdIds = outcomes.map((x) => x.companyId).filter((id): id is string => Boolean(id));
  const startedIds = new Set<string>();
  const lastItems = new Map<string, string>();
  const deadline = performance.now() + 60_000;
  const checkStart = performance.now();
  while (startedIds.size < createdIds.length && performance.now() < deadline) {
    await inPool(
      createdIds.filter((id) => !startedIds.has(id)),
      8,
      async (id) => {
        const r = await http.call('GET', `/ops/companies/${id}/executions`, undefined, rt.opsKey);
        const items = isRecord(r.data) && Array.isArray(r.data.items) ? (r.data.items as unknown[]) : [];
        lastItems.set(id, excerpt(r.text, 200));
        if (items.some((e) => isRecord(e) && (e.status === 'RUNNING' || e.status === 'SUCCEEDED')))
          startedIds.add(id);
      },
    );
    if (startedIds.size < createdIds.length) await sleep(1000);
  }
  http.close();
  return {
    companies: o.signups,
    created: outcomes.filter((x) => x.first.res.status === 201).length,
    failed: outcomes
      .filter((x) => x.first.res.status !== 201)
      .map((x) => ({
        i: x.p.i,
        status: x.first.res.status,
        body: excerpt(x.first.res.text || x.first.res.error, 300),
      })),
    found,
    lost: wanted.size - found,
    duplicated,
    idMismatches,
    replays: replays.length,
    replaysSameCompany: replays.length - replayMismatches.length,
    replayMismatches: replayMismatches.slice(0, 10),
    replaysWithoutReplayHeader: replays.filter((x) => x.replay?.res.headers['idempotent-replay'] !== 'true')
      .length,
    replaysCarryingApiKey: replays.filter(
      (x) => isRecord(x.replay?.res.data) && 'apiKey' in (x.replay?.res.data as object),
    ).length,
    retries,
    attempts,
    latencyMs: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      max: percentile(latencies, 100),
    },
    attemptLatencyMs: { p50: percentile(attemptLatencies, 50), p95: percentile(attemptLatencies, 95) },
    executionsStarted: startedIds.size,
    executionsNotStarted: createdIds
      .filter((id) => !startedIds.has(id))
      .slice(0, 10)
      .map((id) => ({ companyId: id, items: lastItems.get(id) ?? '' })),
    secondsUntilAllStarted: seconds(performance.now() - checkStart),
    seconds: seconds(performance.now() - started),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// 3. Cross-tenant and cross-region

interface TenantCheck {
  group: string;
  method: string;
  path: string;
  caller: string;
  variant: string;
  status: number;
  body: string;
  ok: boolean;
  /** A valid request (the target); the malformed and invalid bodies only tell which check comes first. */
  strict: boolean;
}

interface TenantResult {
  attempts: number;
  forbidden: number;
  /** The malformed and invalid body variants: answered 403 (authorization first) or 400 (the body first). */
  invalidBodyVariants: { attempts: number; forbidden: number; byStatus: Record<string, number> };
  notForbidden: TenantCheck[];
  byGroup: Record<string, { attempts: number; forbidden: number }>;
  controls: { what: string; status: number; ok: boolean; body: string }[];
}

async function runTenant(rt: RuntimeProcess, fx: Fixtures, tag: string, o: Options): Promise<TenantResult> {
  const http = new Http(rt.api, 8);
  const rng = new Rng(o.seed ^ 0x7e7e);
  const a = await signUp(http, tag, 'AB', 'tenantA');
  const b = await signUp(http, tag, 'BC', 'tenantB');
  for (const c of [a, b])
    await http.ok(
      'PUT',
      `/companies/${c.id}/trainee`,
      { name: 'Trainee', email: `trainee-${c.id}@probe.example` },
      c.key,
    );
  const checks: TenantCheck[] = [];
  const is403 = (status: number, text: string, iam: boolean) => {
    if (status !== 403) return false;
    const d = parseJson(text);
    return (
      (isRecord(d) && isRecord(d.error) && d.error.code === 'FORBIDDEN') ||
      (iam && JSON.stringify(d) === GATEWAY_FORBIDDEN)
    );
  };
  const attempt = async (
    group: string,
    binding: RouteBinding,
    target: CompanyFixture,
    caller: string,
    key: string,
  ) => {
    const op = operationOf(binding.routeKey);
    const p = templateOf(binding)
      .replace('{companyId}', target.id)
      .replace('{name}', `${target.id}-c1-TRAINING`)
      .replace('{assessorId}', fx.spareAssessors[0] ?? 'x')
      .replace('{reviewerId}', fx.spareReviewers[0] ?? 'x');
    let body = op?.request
      ? validBody(op.request, rng, tag, 900_000 + checks.length, target.region)
      : undefined;
    if (binding.routeKey === 'POST /companies/{companyId}/audits' && isRecord(body))
      body = { ...body, type: caller.startsWith('company') ? 'maintenance' : 'certification' };
    if (binding.routeKey === 'POST /companies/{companyId}/training/attempts') body = { score: 90 };
    const variants: [string, Record<string, string>, string | undefined][] = [
      ['valid body', {}, body === undefined ? undefined : JSON.stringify(body)],
      [
        'valid body + Idempotency-Key',
        { 'idempotency-key': `xt-${tag}-${checks.length}` },
        body === undefined ? undefined : JSON.stringify(body),
      ],
      ...(op?.request
        ? ([
            ['malformed JSON', {}, '{"oops"'],
            ['invalid body', {}, JSON.stringify({ unknown: true })],
          ] as [string, Record<string, string>, string][])
        : []),
    ];
    for (const [variant, extra, text] of variants) {
      const res = await http.send({
        method: methodOf(binding),
        path: p,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...extra },
        ...(text !== undefined ? { body: text } : {}),
      });
      const ok = is403(res.status, res.text, binding.auth === 'iam');
      checks.push({
        group,
        method: methodOf(binding),
        path: p,
        caller,
        variant,
        strict: variant.startsWith('valid'),
        status: res.status,
        body: excerpt(res.text || res.error, 300),
        ok,
      });
    }
  };
  // GETs first, then writes; rotating a key and withdrawing last (if one were let through, it changes the target).
  const order = (r: RouteBinding) => (methodOf(r) === 'GET' ? 0 : /keys|withdrawal/.test(r.routeKey) ? 2 : 1);
  const companyRoutes = ROUTES.filter((r) => templateOf(r).includes('{companyId}')).sort(
    (x, y) => order(x) - order(y),
  );
  const keyRoutes = companyRoutes.filter((r) => r.auth === 'key');
  const opsRoutes = companyRoutes.filter((r) => r.auth === 'iam');
  // Controls: each key works on what it may do (otherwise a 403 would prove nothing).
  const controls: TenantResult['controls'] = [];
  const control = async (
    what: string,
    method: string,
    p: string,
    body: unknown,
    key: string,
    ok: (s: number) => boolean,
  ) => {
    const r = await http.call(method, p, body, key);
    controls.push({ what, status: r.status, ok: ok(r.status), body: excerpt(r.text, 200) });
  };
  await control('A reads A', 'GET', `/companies/${a.id}`, undefined, a.key, (s) => s === 200);
  await control('B reads B', 'GET', `/companies/${b.id}`, undefined, b.key, (s) => s === 200);
  await control(
    'AB assessor records an exam on A (AB)',
    'POST',
    `/companies/${a.id}/training/attempts`,
    { score: 40 },
    fx.assessorAB.key,
    (s) => s === 201,
  );
  for (const r of keyRoutes) await attempt('company key on another company', r, b, 'company A', a.key);
  for (const r of opsRoutes)
    await attempt('company key on /ops/* of another company', r, b, 'company A', a.key);
  for (const r of keyRoutes) await attempt('company key on another company', r, a, 'company B', b.key);
  const attemptsRoute = ROUTES.find((r) => r.routeKey === 'POST /companies/{companyId}/training/attempts');
  const auditsRoute = ROUTES.find((r) => r.routeKey === 'POST /companies/{companyId}/audits');
  for (const r of [attemptsRoute, auditsRoute])
    if (r) await attempt('AB assessor on a BC company', r, b, 'assessor [AB]', fx.assessorAB.key);
  for (const target of [a, b])
    for (const r of keyRoutes)
      await attempt('reviewer key on company routes', r, target, 'reviewer [AB]', fx.reviewer.key);
  const companyOnly = keyRoutes.filter((r) => {
    const roles: readonly string[] = operationOf(r.routeKey)?.roles ?? [];
    return !roles.includes('assessor');
  });
  for (const r of companyOnly)
    await attempt('assessor key on company-only routes', r, b, 'assessor', fx.assessor.key);
  http.close();
  const byGroup: TenantResult['byGroup'] = {};
  const strict = checks.filter((c) => c.strict);
  const loose = checks.filter((c) => !c.strict);
  const looseByStatus: Record<string, number> = {};
  for (const c of loose) looseByStatus[c.status] = (looseByStatus[c.status] ?? 0) + 1;
  for (const c of strict) {
    const g = (byGroup[c.group] ??= { attempts: 0, forbidden: 0 });
    g.attempts += 1;
    if (c.ok) g.forbidden += 1;
  }
  return {
    attempts: strict.length,
    forbidden: strict.filter((c) => c.ok).length,
    invalidBodyVariants: {
      attempts: loose.length,
      forbidden: loose.filter((c) => c.ok).length,
      byStatus: looseByStatus,
    },
    notForbidden: checks.filter((c) => !c.ok),
    byGroup,
    controls,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// 4. kill -9

interface KillResult {
  companies: number;
  kills: number;
  created201: number;
  recordsLost: number;
  lost: { companyId: string; status: number; body: string }[];
  /**
   * Sign-ups in flight at a kill whose retry (same Idempotency-Key and body) answered 409 CONFLICT (not "in
   * progress", not the replay): the client cannot tell it from a real duplicate.
   */
  conflictAfterKill: number;
  conflictAfterKillExamples: {
    i: number;
    key: string;
    status: number;
    body: string;
    retriedFor: string[];
    /** The company GET /ops/companies lists under that legal name, if any. */
    listedAs?: string;
  }[];
  /** Companies listed whose sign-up never got a 201 (committed, the answer lost with the process). */
  existWithout201: number;
  unresolved: number;
  duplicated: number;
  clockAdvances: number;
  clockBackwards: boolean;
  restarts: {
    observedMaxBefore: string;
    clockAfterRestart: string;
    backwards: boolean;
    restartSeconds: number;
    /** What was running when the process was killed. */
    mode: string;
    advanceInFlight: boolean;
    signupsInFlight: number;
  }[];
  finalClock: string;
  eventsChecked: number;
  eventsInFuture: number;
  futureEvents: { companyId: string; execution?: string; timestamp: string; type: string }[];
  statusHistoryInFuture: number;
  seconds: number;
}

async function runKill(o: Options, tag: string, dataDirs: string[]): Promise<KillResult> {
  const started = performance.now();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'secor-probe-kill-'));
  dataDirs.push(dataDir);
  const rt = new RuntimeProcess(dataDir);
  const rng = new Rng(o.seed ^ 0x4b11);
  const prefix = `Probe ${tag} Kill `;
  const bodyOf = (i: number) => ({
    legalName: `${prefix}${i} Ltd.`,
    region: REGIONS[i % REGIONS.length] as string,
    employeeCount: 5,
    contact: { name: `Owner ${i}`, email: `kill-${tag}-${i}@probe.example` },
  });
  let queue = Array.from({ length: o.killCompanies }, (_, i) => i);
  const created = new Map<number, string>();
  let conflictAfterKill = 0;
  const conflictAfterKillExamples: KillResult['conflictAfterKillExamples'] = [];
  const gaveUp = new Set<number>();
  let observedMax = 0;
  let clockAdvances = 0;
  const restarts: KillResult['restarts'] = [];
  const kills: { mode: string; advanceInFlight: boolean; signupsInFlight: number }[] = [];
  const rounds = o.kills + 1;
  for (let round = 0; round < rounds; round++) {
    const final = round === rounds - 1;
    const t0 = performance.now();
    await rt.start();
    const restartSeconds = seconds(performance.now() - t0);
    const http = new Http(rt.api, 16);
    let alive = true;
    const observe = (v: unknown) => {
      if (alive && isRecord(v) && typeof v.now === 'string')
        observedMax = Math.max(observedMax, Date.parse(v.now));
    };
    if (round > 0) {
      const now = await http.ok<{ now: string }>('GET', '/_local/clock');
      restarts.push({
        observedMaxBefore: new Date(observedMax).toISOString(),
        clockAfterRestart: now.now,
        backwards: Date.parse(now.now) < observedMax,
        restartSeconds,
        mode: kills.at(-1)?.mode ?? '',
        advanceInFlight: kills.at(-1)?.advanceInFlight ?? false,
        signupsInFlight: kills.at(-1)?.signupsInFlight ?? 0,
      });
      log(
        `kill: restart ${round}: clock ${now.now}, latest observed before the kill ${new Date(observedMax).toISOString()}`,
      );
      observe(now);
    }
    const share = Math.max(1, Math.ceil(o.killCompanies / rounds));
    // Two kinds of kill moment, the first kill of each and then seeded: "sign-ups" kills while sign-ups run
    // (after a random number of them answered 201, 0-1 s later; up to twice the share may start, so some are in
    // flight), "advance" kills while a clock advance is moving the clock (this round's share signed up, then once
    // the clock was read at least a day past where it was, 0-0.5 s later).
    const mode: 'sign-ups' | 'advance' | 'none' = final
      ? 'none'
      : round === 0
        ? 'sign-ups'
        : round === 1
          ? 'advance'
          : rng.pick(['sign-ups', 'advance'] as const);
    const quota = final ? queue.length : Math.min(queue.length, mode === 'sign-ups' ? share * 2 : share);
    const killAfter = mode === 'sign-ups' ? rng.range(1, share) : Infinity;
    const killDelay = rng.int(mode === 'sign-ups' ? 1000 : 500);
    let createdThisRound = 0;
    let advancing = false;
    let signupsInFlight = 0;
    let signersDone = false;
    let killing: Promise<void> | undefined;
    const scheduleKill = () => {
      killing ??= (async () => {
        if (mode === 'advance') {
          for (let k = 0; k < 600 && !signersDone; k++) await sleep(50);
          const base = observedMax;
          for (let k = 0; k < 600 && observedMax < base + 86_400_000; k++) await sleep(50);
        }
        await sleep(killDelay);
        alive = false;
        kills.push({ mode, advanceInFlight: advancing, signupsInFlight });
        await rt.kill();
        log(
          `kill: kill -9 ${round + 1}/${o.kills} during ${mode} (${created.size} sign-ups answered 201 so far)`,
        );
      })();
    };
    if (mode === 'advance') scheduleKill();
    const roundQueue = queue.slice(0, quota);
    const requeue: number[] = [];
    queue = queue.slice(quota);
    let signingUp = true;
    const clockLoop = (async () => {
      while (alive && (signingUp || !final)) {
        advancing = true;
        const r = await http.call('POST', '/_local/clock', { advanceDays: 30 });
        advancing = false;
        if (r.status === 200) {
          clockAdvances += 1;
          observe(r.data);
        } else if (alive) await sleep(100);
        if (alive) observe((await http.call('GET', '/_local/clock')).data);
      }
    })();
    // The clock read while everything runs (also mid-advance): each value read must survive the kill.
    const readerLoop = (async () => {
      while (alive && (signingUp || !final)) {
        observe((await http.call('GET', '/_local/clock')).data);
        await sleep(150);
      }
    })();
    const signer = async () => {
      while (alive && roundQueue.length) {
        const i = roundQueue.shift() as number;
        // Sign-ups spread over the round (not one burst), so they overlap the clock's advances.
        await sleep(new Rng(o.seed * 131 + i).range(150, 700));
        if (!alive) {
          requeue.push(i);
          break;
        }
        signupsInFlight += 1;
        const res = await withRetries(
          () =>
            http.call('POST', '/companies', bodyOf(i), undefined, {
              'idempotency-key': `probe-${tag}-kill-${i}`,
            }),
          new Rng(o.seed * 31 + i),
          { maxAttempts: final ? 40 : 10, maxBackoffMs: 2000, giveUp: () => !alive },
        );
        signupsInFlight -= 1;
        const id = isRecord(res.res.data) ? res.res.data.companyId : undefined;
        if (res.res.status === 201 && typeof id === 'string') {
          created.set(i, id);
          createdThisRound += 1;
          if (createdThisRound >= killAfter) scheduleKill();
        } else if (res.res.status === 409 && !inProgress(res.res)) {
          conflictAfterKill += 1;
          conflictAfterKillExamples.push({
            i,
            key: `probe-${tag}-kill-${i}`,
            status: res.res.status,
            body: excerpt(res.res.text, 300),
            retriedFor: res.retriedFor,
          });
        } else if (!final) requeue.push(i);
        else gaveUp.add(i);
      }
    };
    await Promise.all(Array.from({ length: 3 }, signer));
    signingUp = false;
    signersDone = true;
    // Every sign-up of the round finished before the kill moment: kill now, with the clock still moving.
    if (!final) scheduleKill();
    await killing;
    await clockLoop;
    await readerLoop;
    queue = [...requeue, ...roundQueue, ...queue];
    if (!final) {
      http.close();
      continue;
    }
    // Final round: every company that got a 201 is there; no event later than the clock.
    log(`kill: verifying ${created.size} companies after ${o.kills} kills`);
    const lost: KillResult['lost'] = [];
    const histories: { companyId: string; execution?: string; timestamp: string; type: string }[] = [];
    const statusAts: { companyId: string; at: string; type: string }[] = [];
    await inPool([...created.values()], 6, async (id) => {
      const r = await http.call('GET', `/ops/companies/${id}`, undefined, rt.opsKey);
      if (r.status !== 200) {
        lost.push({ companyId: id, status: r.status, body: excerpt(r.text, 200) });
        return;
      }
      const hist = isRecord(r.data) && Array.isArray(r.data.history) ? (r.data.history as unknown[]) : [];
      for (const e of hist)
        if (isRecord(e)) statusAts.push({ companyId: id, at: String(e.at), type: String(e.type) });
      const ex = await http.call('GET', `/ops/companies/${id}/executions`, undefined, rt.opsKey);
      const items = isRecord(ex.data) && Array.isArray(ex.data.items) ? (ex.data.items as unknown[]) : [];
      for (const item of items) {
        if (!isRecord(item) || typeof item.name !== 'string') continue;
        for (const t of [item.startedAt, item.stoppedAt])
          if (typeof t === 'string')
            histories.push({
              companyId: id,
              execution: item.name,
              timestamp: t,
              type: 'execution.startedAt/stoppedAt',
            });
        const h = await http.call(
          'GET',
          `/ops/companies/${id}/executions/${encodeURIComponent(item.name)}/history`,
          undefined,
          rt.opsKey,
        );
        const events = isRecord(h.data) && Array.isArray(h.data.items) ? (h.data.items as unknown[]) : [];
        for (const e of events)
          if (isRecord(e) && typeof e.timestamp === 'string')
            histories.push({
              companyId: id,
              execution: item.name,
              timestamp: e.timestamp,
              type: String(e.type),
            });
      }
    });
    // The clock read after every event was read: none may be later than it.
    const clock = await http.ok<{ now: string }>('GET', '/_local/clock');
    const now = Date.parse(clock.now);
    const future = histories.filter((e) => Date.parse(e.timestamp) > now);
    const statusHistoryInFuture = statusAts.filter((e) => Date.parse(e.at) > now).length;
    const listed = (await listAll(http, rt.opsKey)).filter((c) => c.legalName.startsWith(prefix));
    const names = new Map<string, number>();
    for (const c of listed) names.set(c.legalName, (names.get(c.legalName) ?? 0) + 1);
    const duplicated = [...names.values()].reduce((n, k) => n + k - 1, 0);
    const answered = new Set([...created.keys()].map((i) => bodyOf(i).legalName));
    const existWithout201 = [...names.keys()].filter((n) => !answered.has(n)).length;
    for (const c of conflictAfterKillExamples) {
      const id = listed.find((l) => l.legalName === bodyOf(c.i).legalName)?.companyId;
      if (id) c.listedAs = id;
    }
    http.close();
    await stopRuntime(rt);
    return {
      companies: o.killCompanies,
      kills: o.kills,
      created201: created.size,
      recordsLost: lost.length,
      lost: lost.slice(0, 10),
      conflictAfterKill,
      conflictAfterKillExamples: conflictAfterKillExamples.slice(0, 10),
      existWithout201,
      unresolved: gaveUp.size,
      duplicated,
      clockAdvances,
      clockBackwards: restarts.some((r) => r.backwards) || now < observedMax,
      restarts,
      finalClock: clock.now,
      eventsChecked: histories.length,
      eventsInFuture: future.length,
      futureEvents: future.slice(0, 10),
      statusHistoryInFuture,
      seconds: seconds(performance.now() - started),
    };
  }
  throw new Error('unreachable');
}

async function stopRuntime(rt: RuntimeProcess): Promise<void> {
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 20_000).unref());
  if ((await Promise.race([rt.stop().then(() => 'stopped' as const), timer])) === 'timeout') await rt.kill();
}

// ---------------------------------------------------------------------------------------------------------------
// Report

interface Target {
  name: string;
  value: string;
  target: string;
  pass: boolean;
}

function markdown(
  targets: Target[],
  observations: [string, string][],
  r: { fuzz?: FuzzResult; signups?: SignupResult; tenant?: TenantResult; kill?: KillResult },
  totalSeconds: number,
): string {
  const out: string[] = [
    '',
    '## Hidden probe',
    '',
    '| probe | measured | target | |',
    '| --- | --- | --- | --- |',
  ];
  for (const t of targets)
    out.push(`| ${t.name} | ${t.value} | ${t.target} | ${t.pass ? 'pass' : '**FAIL**'} |`);
  out.push('', '| observation | value |', '| --- | --- |');
  for (const [k, v] of observations) out.push(`| ${k} | ${v} |`);
  out.push('', `Total: ${totalSeconds} s`);
  const block = (title: string, lines: string[]) => {
    if (lines.length) out.push('', `### ${title}`, '', ...lines);
  };
  const ex = (e: Example) =>
    `  \`${e.method} ${e.path}\` ${JSON.stringify(e.labels)} headers ${JSON.stringify(e.requestHeaders)} body \`${e.requestBody}\` → ${e.status} \`${e.responseBody}\``;
  if (r.fuzz) {
    block(
      'Root causes of the 5xx, from the runtime log',
      r.fuzz.serverCauses
        .slice(0, 15)
        .map((c) => `- ${c.count}× ${c.where}: \`${c.cause}\` (e.g. ${c.example})`),
    );
    block('5xx and unanswered requests, by route (the first 12 groups; all in the JSON)', [
      ...r.fuzz.by5xx.slice(0, 12).flatMap((g) => [`- ${g.count}× ${g.signature}`, ex(g.example)]),
    ]);
    block(
      'Error-body violations',
      r.fuzz.shapeExamples.flatMap((g) => [`- ${g.count}× ${g.signature}`, ex(g.example)]),
    );
    block(
      'Status/code not in the contract table',
      r.fuzz.codeMismatchExamples.flatMap((g) => [`- ${g.count}× ${g.signature}`, ex(g.example)]),
    );
    block(
      'Unknown query parameters accepted',
      r.fuzz.unknownQueryExamples.flatMap((g) => [`- ${g.count}× ${g.signature}`, ex(g.example)]),
    );
    block(
      'Statuses the route does not declare (contract/openapi)',
      r.fuzz.undeclaredStatusExamples.map((g) => `- ${g.count}× ${g.signature}`),
    );
    block(
      'Idempotency-Key checks that failed',
      r.fuzz.idempotency
        .filter((c) => !c.ok)
        .map((c) => `- ${c.what}: expected ${c.expected}, got ${c.status} \`${c.body}\``),
    );
  }
  if (r.tenant) {
    block(
      'Cross-tenant answers that were not 403',
      r.tenant.notForbidden
        .slice(0, 25)
        .map(
          (c) =>
            `- ${c.strict ? '**target**' : 'observation'}: ${c.group}: ${c.caller} \`${c.method} ${c.path}\` (${c.variant}) → ${c.status} \`${c.body}\``,
        ),
    );
  }
  if (r.signups) {
    block('Sign-up anomalies', [
      ...r.signups.failed.slice(0, 10).map((f) => `- sign-up ${f.i} → ${f.status} \`${f.body}\``),
      ...r.signups.replayMismatches.map(
        (m) => `- replay ${m.i}: first ${m.first}, replay → ${m.status} \`${m.body}\``,
      ),
      ...r.signups.executionsNotStarted.map((e) => `- ${e.companyId}: no started execution: \`${e.items}\``),
    ]);
  }
  if (r.kill) {
    block('kill -9', [
      ...r.kill.restarts.map(
        (x, k) =>
          `- restart ${k + 1} (${x.restartSeconds} s): clock ${x.clockAfterRestart}, latest observed before ${x.observedMaxBefore}${x.backwards ? ' **BACKWARDS**' : ''}; killed during ${x.mode}, with ${x.advanceInFlight ? 'a clock advance' : 'no clock advance'} and ${x.signupsInFlight} sign-up(s) in flight`,
      ),
      ...r.kill.lost.map((l) => `- lost ${l.companyId} → ${l.status} \`${l.body}\``),
      ...r.kill.conflictAfterKillExamples.map(
        (c) =>
          `- sign-up ${c.i} (Idempotency-Key ${c.key}) in flight at a kill; its retry (same key and body, after ${c.retriedFor.join(', ') || 'no'} retries) → ${c.status} \`${c.body}\`; a company with that name: ${c.listedAs ?? 'none listed'}`,
      ),
      ...r.kill.futureEvents.map(
        (e) => `- event in the future: ${e.companyId} ${e.execution ?? ''} ${e.type} ${e.timestamp}`,
      ),
    ]);
  }
  return out.join('\n') + '\n';
}

async function main() {
  const program = new Command()
    .name('probe')
    .description(
      'Hidden-probe figures of the local runtime: fuzz, concurrent sign-ups, cross-tenant, kill -9',
    )
    .option('--fuzz <n>', 'fuzz requests', integer, 10_000)
    .option('--seed <n>', 'PRNG seed (requests, bodies, backoffs, kill moments)', integer, 1)
    .option('--signups <n>', 'concurrent sign-ups', integer, 200)
    .option('--kill-companies <n>', 'sign-ups during the kill -9 probe', integer, 30)
    .option('--kills <n>', 'kill -9 count', integer, 3)
    .option('--concurrency <n>', 'fuzz requests in flight', integer, 16)
    .option('--only <phases>', `comma-separated subset of ${PHASES.join(',')}`, PHASES.join(','))
    .option('--out <file>', 'the JSON results', path.join(__dirname, 'probe-results.json'))
    .option('--keep-data', "keep the runtimes' data directories", false);
  program.parse();
  const o = program.opts<Options>();
  const only = new Set(o.only.split(',').map((s) => s.trim()));
  for (const p of only)
    if (!(PHASES as readonly string[]).includes(p)) throw new InvalidArgumentError(`unknown phase ${p}`);
  const run = (p: ProbePhase) => only.has(p);
  const started = performance.now();
  const tag = `${o.seed}${Date.now().toString(36)}`;
  const dataDirs: string[] = [];
  const results: { fuzz?: FuzzResult; signups?: SignupResult; tenant?: TenantResult; kill?: KillResult } = {};
  let rt: RuntimeProcess | undefined;
  try {
    if (run('fuzz') || run('signups') || run('tenant')) {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'secor-probe-'));
      dataDirs.push(dataDir);
      rt = new RuntimeProcess(dataDir);
      const t0 = performance.now();
      await rt.start();
      log(`runtime at ${rt.api} (started in ${seconds(performance.now() - t0)} s), data in ${dataDir}`);
      const http = new Http(rt.api, 4);
      const fx = await setUpFixtures(rt, http, tag);
      http.close();
      log(
        `fixtures: ${fx.companies.length + fx.sacrificial.length} companies, keys, ${fx.sessionKey ? 'a session' : 'no session'}`,
      );
      if (run('tenant')) {
        log('cross-tenant and cross-region');
        results.tenant = await runTenant(rt, fx, tag, o);
      }
      if (run('signups')) {
        log(`${o.signups} concurrent sign-ups`);
        results.signups = await runSignups(rt, tag, o);
      }
      if (run('fuzz')) {
        log(`fuzz: ${o.fuzz} requests, ${o.concurrency} in flight, seed ${o.seed}`);
        results.fuzz = await runFuzz(rt, fx, o);
        const alive = await new Http(rt.api, 1).call('GET', '/_local/clock');
        if (alive.status !== 200)
          log(`the runtime does not answer after the fuzz: ${alive.status} ${alive.error ?? ''}`);
      }
      await stopRuntime(rt);
      rt = undefined;
    }
    if (run('kill')) {
      log(`kill -9: ${o.killCompanies} sign-ups, ${o.kills} kills`);
      results.kill = await runKill(o, tag, dataDirs);
    }
  } finally {
    if (rt) await rt.kill();
  }
  const totalSeconds = seconds(performance.now() - started);

  const targets: Target[] = [];
  const observations: [string, string][] = [];
  const t = (name: string, value: string | number, target: string, pass: boolean) =>
    targets.push({ name, value: String(value), target, pass });
  if (results.fuzz) {
    const f = results.fuzz;
    observations.push(
      [
        'fuzz requests',
        `${f.requests} in ${f.seconds} s (${f.requestsPerSecond}/s), ${f.routesCovered}/${f.routesTotal} routes`,
      ],
      [
        'fuzz statuses',
        Object.entries(f.byStatus)
          .map(([s, n]) => `${s}: ${n}`)
          .join(', '),
      ],
      ['fuzz 429 THROTTLED (accepted)', String(f.throttled)],
      [
        'fuzz statuses by Idempotency-Key sent',
        Object.entries(f.byIdempotency)
          .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
          .join('; '),
      ],
      ['fuzz status/code outside the contract table', String(f.codeMismatches)],
      ['fuzz unknown query parameter answered 2xx (API.md: 400)', String(f.unknownQueryAccepted)],
      ['fuzz 4xx a route does not declare', String(f.undeclaredStatuses)],
      ['fuzz requests the client could not send', String(f.clientRefused)],
    );
    t('fuzz: 5xx responses', f.count5xx, '0', f.count5xx === 0);
    const idemOk = f.idempotency.filter((c) => c.ok).length;
    t('Idempotency-Key checks', `${idemOk}/${f.idempotency.length}`, 'all', idemOk === f.idempotency.length);
    t('fuzz: requests without an answer', f.networkErrors, '0', f.networkErrors === 0);
    t('fuzz: non-2xx bodies not the contract error shape', f.shapeViolations, '0', f.shapeViolations === 0);
  }
  if (results.signups) {
    const s = results.signups;
    t('sign-ups: answered 201', `${s.created}/${s.companies}`, 'all', s.created === s.companies);
    t('sign-ups: lost', s.lost, '0', s.lost === 0);
    t('sign-ups: duplicated', s.duplicated, '0', s.duplicated === 0);
    t('sign-ups: id listed ≠ id answered', s.idMismatches, '0', s.idMismatches === 0);
    t(
      'sign-ups: replay answers the same companyId',
      `${s.replaysSameCompany}/${s.replays}`,
      'all',
      s.replaysSameCompany === s.replays,
    );
    t(
      'sign-ups: execution started',
      `${s.executionsStarted}/${s.created}`,
      'all',
      s.executionsStarted === s.created,
    );
    observations.push(
      [
        'sign-up latency (first send → 201, with retries)',
        `p50 ${s.latencyMs.p50} ms, p95 ${s.latencyMs.p95} ms, max ${s.latencyMs.max} ms`,
      ],
      [
        'sign-up single request latency',
        `p50 ${s.attemptLatencyMs.p50} ms, p95 ${s.attemptLatencyMs.p95} ms`,
      ],
      [
        'sign-up requests (with retries and replays)',
        `${s.attempts}; retried for ${JSON.stringify(s.retries)}`,
      ],
      [
        'replays without Idempotent-Replay: true / carrying apiKey',
        `${s.replaysWithoutReplayHeader} / ${s.replaysCarryingApiKey}`,
      ],
      ['every execution started within', `${s.secondsUntilAllStarted} s (after a 3 s pause)`],
    );
  }
  if (results.tenant) {
    const x = results.tenant;
    t(
      'cross-tenant/region/role (valid requests): answered 403',
      `${x.forbidden}/${x.attempts}`,
      'all',
      x.forbidden === x.attempts,
    );
    for (const [g, v] of Object.entries(x.byGroup))
      observations.push([`403: ${g}`, `${v.forbidden}/${v.attempts}`]);
    observations.push([
      'cross-tenant with a malformed/invalid body: 403 (authorization first) of',
      `${x.invalidBodyVariants.forbidden}/${x.invalidBodyVariants.attempts} (statuses ${JSON.stringify(x.invalidBodyVariants.byStatus)})`,
    ]);
    observations.push([
      'controls (the keys work where allowed)',
      x.controls.map((c) => `${c.what}: ${c.status}${c.ok ? '' : ' (unexpected)'}`).join('; '),
    ]);
  }
  if (results.kill) {
    const k = results.kill;
    t('kill -9: 201 records lost', `${k.recordsLost} of ${k.created201}`, '0', k.recordsLost === 0);
    t('kill -9: clock went backwards', k.clockBackwards ? 'yes' : 'no', 'no', !k.clockBackwards);
    t(
      'kill -9: execution events later than the clock',
      `${k.eventsInFuture} of ${k.eventsChecked}`,
      '0',
      k.eventsInFuture === 0,
    );
    t('kill -9: duplicated companies', k.duplicated, '0', k.duplicated === 0);
    observations.push(
      [
        'kill -9: sign-ups / kills / clock advances',
        `${k.companies} / ${k.kills} / ${k.clockAdvances} × 30 days`,
      ],
      [
        'kill -9: in flight at a kill, retried with the same Idempotency-Key → 409 CONFLICT (no replay, no 201)',
        String(k.conflictAfterKill),
      ],
      ['kill -9: companies that exist without their sign-up ever answering 201', String(k.existWithout201)],
      ['kill -9: sign-ups never resolved', String(k.unresolved)],
      ['kill -9: status history entries later than the clock', String(k.statusHistoryInFuture)],
      ['kill -9: restart times', k.restarts.map((r) => `${r.restartSeconds} s`).join(', ')],
    );
  }
  const report = markdown(targets, observations, results, totalSeconds);
  process.stdout.write(report);
  // Formatted as the repository's Prettier settings say, so `prettier --check .` passes on the results file.
  const json = JSON.stringify({
    at: new Date().toISOString(),
    options: o,
    seconds: totalSeconds,
    targets,
    observations,
    results,
  });
  const config = (await prettier.resolveConfig(path.join(__dirname, 'probe-results.json'))) ?? {};
  writeFileSync(o.out, await prettier.format(json, { ...config, parser: 'json' }));
  log(`results in ${o.out} (${totalSeconds} s)`);
  if (!o.keepData) for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
  process.exitCode = targets.every((x) => x.pass) ? 0 : 1;
}

main().catch((e: Error) => {
  process.stderr.write(`[probe] failed: ${e.stack ?? e.message}\n`);
  process.exitCode = 2;
});
