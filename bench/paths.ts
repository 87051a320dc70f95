/**
 * The company journeys the benchmarks drive through the HTTP API (as the owner, the assessor and operations
 * would), years passing on the virtual clock. AB policy, 6 employees.
 *
 * - happy: every step done once, right, and promptly — within the first reminder interval (14 days) of its
 *   window opening, so no reminder is ever due. Sign-up → trainee → exam passed (day 3) → program (day 10) →
 *   certification audit when the 3-month implementation window opens (day 105) → year-2 maintenance audit
 *   10 days after the certificate → year-3 ten days after the first anniversary → recertification ten days
 *   after the second → the next cycle's certificate is issued and its first maintenance year starts.
 * - worst: every reminder the cadence can send, and every detour: the trainee is named only after 90 days,
 *   the exam fails three times (attempt cycle exhausted, re-enrolment), each step is done on its due date,
 *   the first certification audit fails, the year-2 maintenance audit scores below 80 % (corrective action),
 *   the trainee's refresher is taken on the day the training certificate expires, recertification on the
 *   day the certificate expires.
 * - typical (bench/typical.ts): every step done right the first time, 30 days before its due date (or on the
 *   day its window opens, if that is later), the trainee's refresher too — all the reminders of each window
 *   up to then.
 *
 * The journeys' own bookkeeping (reading the record to know the due dates) goes to DynamoDB through a separate
 * client that nothing counts.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { policies, type Company, type Deadline, type Step } from '../domain';
import { addDays, ApiClient, pool } from './lib/client';

/** AB's safety program elements, from its policy. */
export const ELEMENTS = policies.forRegion('AB').programElements.map((e) => e.id);

const scores = (v: number) => Object.fromEntries(ELEMENTS.map((e) => [e, v]));

export interface CompanyHandle {
  id: string;
  key: string;
  tag: string;
}

export interface Actors {
  api: ApiClient;
  assessorKey: string;
  /** Makes legal names unique across runs on the same data. */
  runTag: string;
  /** Companies acted on at once (HTTP requests in flight). */
  concurrency: number;
  onStep?: (step: string) => void;
  /** Called with each company as soon as it has signed up (the polling anchor starts watching it). */
  onSignUp?: (c: CompanyHandle) => void;
}

/** Reads company records directly (uncounted): the journeys' bookkeeping. */
export class Records {
  private readonly doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));

  constructor(private readonly tableName: string) {}

  async company(id: string): Promise<Company> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { PK: `COMPANY#${id}`, SK: 'PROFILE' } }),
    );
    if (!out.Item) throw new Error(`company ${id} not found`);
    return out.Item.record as Company;
  }

  /** The company's next deadline, which must be of step `expected`. */
  async deadline(id: string, expected: Step): Promise<Deadline> {
    const d = (await this.company(id)).nextDeadline;
    if (!d || d.step !== expected)
      throw new Error(`expected ${expected}, the record says ${d?.step ?? 'none'}`);
    return d;
  }
}

/** The owner's (contact's) and the trainee's email addresses of the company tagged `tag`. */
export const contactEmail = (tag: string) => `owner-${tag}@bench.example`;
export const traineeEmail = (tag: string) => `trainee-${tag}@bench.example`;

export async function signUp(a: Actors, index: number): Promise<CompanyHandle> {
  const tag = `${a.runTag}-${index}`;
  const r = await a.api.ok<{ companyId: string; apiKey: string }>('POST', '/companies', {
    legalName: `Bench Roofing ${tag} Ltd.`,
    region: 'AB',
    employeeCount: 6,
    industry: 'construction',
    contact: { name: 'Pat Owner', email: contactEmail(tag) },
  });
  const c = { id: r.companyId, key: r.apiKey, tag };
  a.onSignUp?.(c);
  return c;
}

export const designate = (a: Actors, c: CompanyHandle) =>
  a.api.ok('PUT', `/companies/${c.id}/trainee`, { name: 'Sam Trainee', email: traineeEmail(c.tag) }, c.key);

export async function exam(a: Actors, c: CompanyHandle, score: number, expectPass: boolean): Promise<void> {
  const r = await a.api.ok<{ passed: boolean }>(
    'POST',
    `/companies/${c.id}/training/attempts`,
    { score },
    a.assessorKey,
  );
  if (r.passed !== expectPass) throw new Error(`exam ${score}: passed=${String(r.passed)}`);
}

export const enrol = (a: Actors, c: CompanyHandle) =>
  a.api.ok('POST', `/companies/${c.id}/training/enrolments`, {}, c.key);

export const program = (a: Actors, c: CompanyHandle, implementedSince: string) =>
  a.api.ok(
    'POST',
    `/companies/${c.id}/program`,
    {
      manualTitle: 'Health & Safety Manual',
      manualVersion: '1.0',
      elements: ELEMENTS,
      implementedSince,
    },
    c.key,
  );

interface AuditReply {
  passed: boolean;
  certificate?: { certificateNumber: string };
  correctiveActionRequired: boolean;
}

export async function audit(
  a: Actors,
  c: CompanyHandle,
  type: 'certification' | 'maintenance' | 'recertification',
  score: number,
  completedOn: string,
): Promise<AuditReply> {
  return a.api.ok<AuditReply>(
    'POST',
    `/companies/${c.id}/audits`,
    {
      type,
      overallScore: score,
      elementScores: scores(score),
      auditor: { name: type === 'maintenance' ? 'Sam Trainee' : 'A. Auditor' },
      completedOn,
    },
    type === 'maintenance' ? c.key : a.assessorKey,
  );
}

/**
 * `count` companies through the happy path, each step for all of them at once (at most `concurrency`). A
 * company whose step is refused is not retried: the refusal is kept in `failures` (by company id) and the
 * company skips the later steps, so one stranded company is reported rather than ending the run.
 */
export async function happyCycle(
  a: Actors,
  count: number,
  failures = new Map<string, string>(),
): Promise<CompanyHandle[]> {
  const { api } = a;
  const companies: CompanyHandle[] = [];
  const each = async (step: string, fn: (c: CompanyHandle) => Promise<unknown>) => {
    a.onStep?.(step);
    await pool(companies, a.concurrency, async (c) => {
      if (failures.has(c.id)) return;
      try {
        await fn(c);
      } catch (e) {
        failures.set(c.id, `${step}: ${(e as Error).message}`);
      }
    });
  };
  a.onStep?.('sign-up');
  await pool(
    Array.from({ length: count }, (_, i) => i),
    a.concurrency,
    async (i) => void companies.push(await signUp(a, i)),
  );
  await each('trainee designated', (c) => designate(a, c));
  await api.advance(3); // the 16-hour course
  await each('exam passed', (c) => exam(a, c, 85, true));
  await api.advance(7);
  const since = await api.today();
  await each('program submitted', (c) => program(a, c, since));
  await api.advance(95); // AB: 3 months of implementation before the audit
  const auditDay = await api.today();
  await each('certification audit passed', async (c) => {
    const r = await audit(a, c, 'certification', 90, auditDay);
    if (!r.certificate) throw new Error(`certification audit of ${c.id}: no certificate`);
  });
  await api.advance(10);
  let today = await api.today();
  await each('year-2 maintenance audit', (c) => audit(a, c, 'maintenance', 88, today));
  await api.advance(365);
  today = await api.today();
  await each('year-3 maintenance audit', (c) => audit(a, c, 'maintenance', 90, today));
  await api.advance(365);
  today = await api.today();
  await each('recertification audit passed', async (c) => {
    const r = await audit(a, c, 'recertification', 92, today);
    if (!r.certificate) throw new Error(`recertification of ${c.id}: no certificate`);
  });
  await api.advance(0);
  return companies;
}

/** One company through the worst path (see the top of this file). */
export async function worstCycle(a: Actors, records: Records): Promise<CompanyHandle> {
  const { api } = a;
  const step = (s: string) => a.onStep?.(s);
  const c = await signUp(a, 0);
  const record = () => records.company(c.id);
  const deadline = (expected: Step) => records.deadline(c.id, expected);
  let refresherTaken = false;
  /** Advances to `date`, taking the trainee's refresher on its due date on the way if it falls before. */
  const advanceTo = async (date: string) => {
    const t = (await record()).training;
    if (!refresherTaken && t.expiresOn && t.expiresOn <= date) {
      await api.advanceTo(t.expiresOn);
      step(`refresher on its due date ${t.expiresOn}`);
      await enrol(a, c);
      await exam(a, c, 85, true);
      refresherTaken = true;
    }
    await api.advanceTo(date);
  };

  step('trainee named after 90 days');
  await api.advance(90);
  await designate(a, c);
  step('three failed exam attempts, re-enrolment');
  for (const score of [60, 70, 75]) {
    await api.advance(20);
    await exam(a, c, score, false);
  }
  await enrol(a, c);
  let d = await deadline('TRAINING_EXAM');
  await advanceTo(d.dueOn);
  step(`exam passed on its due date ${d.dueOn}`);
  await exam(a, c, 85, true);
  await api.advance(0);

  d = await deadline('PROGRAM_SUBMISSION');
  await advanceTo(d.dueOn);
  step(`program submitted on its due date ${d.dueOn}`);
  await program(a, c, d.dueOn);
  await api.advance(0);

  d = await deadline('CERTIFICATION_AUDIT');
  await advanceTo(addDays(d.opensOn, 30));
  step('certification audit failed');
  const failed = await audit(a, c, 'certification', 70, await api.today());
  if (failed.passed) throw new Error('the failing certification audit passed');
  await advanceTo(d.dueOn);
  step(`certification audit passed on its due date ${d.dueOn}`);
  if (!(await audit(a, c, 'certification', 90, d.dueOn)).certificate) throw new Error('no certificate');
  await api.advance(0);

  d = await deadline('MAINTENANCE_AUDIT');
  await advanceTo(d.dueOn);
  step(`year-2 maintenance audit below 80 % on its due date ${d.dueOn}: corrective action`);
  const m2 = await audit(a, c, 'maintenance', 72, d.dueOn);
  if (!m2.correctiveActionRequired) throw new Error('no corrective action after a 72 % maintenance audit');
  await api.advance(0);

  d = await deadline('MAINTENANCE_AUDIT');
  await advanceTo(d.dueOn);
  step(`year-3 maintenance audit on its due date ${d.dueOn}`);
  await audit(a, c, 'maintenance', 88, d.dueOn);
  await api.advance(0);

  d = await deadline('RECERTIFICATION_AUDIT');
  await advanceTo(d.dueOn);
  step(`recertification on the certificate's expiry ${d.dueOn}`);
  if (!(await audit(a, c, 'recertification', 90, d.dueOn)).certificate) throw new Error('no new certificate');
  await api.advance(0);
  return c;
}
