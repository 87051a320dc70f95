/**
 * `npm run demo`: a company through its whole SECOR cycle, through the HTTP API as real users would — the
 * owner, the training provider / auditor, and operations — on the running local runtime (or one it starts),
 * years passing on the virtual clock.
 */
import { SFNClient, GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import cliProgress from 'cli-progress';
import { policies } from '../domain';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

type Json = Record<string, unknown>;

const base = process.env.SECOR_URL ?? `http://127.0.0.1:${process.env.SECOR_PORT ?? 3000}`;
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const say = (s = '') => process.stdout.write(`${s}\n`);

interface Ctx {
  api: string;
  ses: string;
  opsKey: string;
  sfn?: string;
}

/** The safety program elements of the demo's region (AB), from its policy. */
const AB_ELEMENTS = policies.forRegion('AB').programElements.map((e) => e.id);
async function call(ctx: Ctx, method: string, p: string, body?: unknown, key?: string): Promise<Json> {
  const res = await fetch(`${ctx.api}${p}`, {
    method,
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  const json = (text ? JSON.parse(text) : {}) as Json;
  if (!res.ok) throw new Error(`${method} ${p} → ${res.status} ${text}`);
  return json;
}

async function reachable(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/_local/clock`)).ok;
  } catch {
    return false;
  }
}

interface Email {
  destination: { to: string[] };
  subject: string;
}

async function outbox(ctx: Ctx): Promise<Email[]> {
  const res = await fetch(`${ctx.ses}/store`);
  return ((await res.json()) as { emails: Email[] }).emails;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  let ctx: Ctx;
  let stop: (() => Promise<void>) | undefined;
  if (await reachable(base)) {
    const { readFileSync } = await import('node:fs');
    const dataDir = process.env.SECOR_DATA_DIR ?? path.resolve(__dirname, '..', '.secor');
    ctx = {
      api: base,
      ses: `http://127.0.0.1:${process.env.SECOR_SES_PORT ?? 8005}`,
      opsKey: readFileSync(path.join(dataDir, 'ops-key'), 'utf8').trim(),
    };
    say(`Using the running system at ${base}`);
  } else {
    say('No system running: starting the local runtime for this demo (in a temporary data folder)…');
    const { startRuntime } = await import('./start');
    const rt = await startRuntime({
      port: 0,
      sesPort: 0,
      dataDir: mkdtempSync(path.join(os.tmpdir(), 'secor-demo-')),
      quiet: true,
    });
    ctx = { api: rt.apiUrl, ses: rt.sesUrl, opsKey: rt.opsKey, sfn: rt.sfnUrl };
    stop = rt.close;
  }
  const seen = new Set<string>();
  const emailsSince = async () => {
    const all = await outbox(ctx);
    const fresh = all.filter((e, i) => !seen.has(`${i}`) && (seen.add(`${i}`), true));
    const reminders = fresh.filter((e) => e.subject.startsWith('Reminder'));
    for (const e of fresh.filter((m) => !m.subject.startsWith('Reminder')))
      say(`    ✉  ${e.destination.to.join(', ')}: ${e.subject}`);
    if (reminders.length > 0) {
      const first = reminders[0] as Email;
      say(`    ✉  ${first.destination.to.join(', ')}: ${first.subject}`);
      if (reminders.length > 1)
        say(`    ✉  … and ${reminders.length - 1} more reminder(s) on the policy's cadence`);
    }
    return fresh;
  };
  for (const [i] of (await outbox(ctx)).entries()) seen.add(`${i}`);
  const clock = async (days: number, label: string) => {
    const { now } = (await call(ctx, 'POST', '/_local/clock', { advanceDays: days })) as { now: string };
    say(`  ⏩ ${label}: ${days} days pass → ${now.slice(0, 10)}`);
    await emailsSince();
    return now.slice(0, 10);
  };
  const today = async () => ((await call(ctx, 'GET', '/_local/clock')) as { now: string }).now.slice(0, 10);
  const addDays = (d: string, n: number) =>
    new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
  const suffix = Math.random().toString(36).slice(2, 6).toUpperCase();
  const owner = `owner.${suffix.toLowerCase()}@northern-roofing.example`;
  const trainee = `sam.${suffix.toLowerCase()}@northern-roofing.example`;

  say(bold('\n1. Sign-up'));
  const signUp = (await call(ctx, 'POST', '/companies', {
    legalName: `Northern Roofing ${suffix} Ltd.`,
    region: 'AB',
    employeeCount: 7,
    industry: 'construction',
    contact: { name: 'Pat Owner', email: owner },
  })) as { companyId: string; apiKey: string; phase: string };
  const { companyId, apiKey } = signUp;
  say(`  Northern Roofing ${suffix} Ltd. (AB, 7 employees) → ${companyId}, phase ${signUp.phase}`);
  await emailsSince();
  const status = async () =>
    (await call(ctx, 'GET', `/companies/${companyId}`, undefined, apiKey)) as Json & { phase: string };

  say(bold('\n2. Training'));
  await call(ctx, 'PUT', `/companies/${companyId}/trainee`, { name: 'Sam Trainee', email: trainee }, apiKey);
  say('  Trainee designated: Sam Trainee');
  const assessor = (await call(
    ctx,
    'POST',
    '/ops/assessors',
    { name: 'Alberta Safety Training Inc.', email: 'exams@ast.example' },
    ctx.opsKey,
  )) as {
    apiKey: string;
  };
  await emailsSince();
  await clock(10, 'the 16-hour course');
  let attempt = (await call(
    ctx,
    'POST',
    `/companies/${companyId}/training/attempts`,
    { score: 72 },
    assessor.apiKey,
  )) as Json;
  say(
    `  Exam attempt ${String(attempt.attemptNumber)}: 72% → ${attempt.passed ? 'passed' : 'not passed'} (${String(attempt.attemptsLeft)} left)`,
  );
  await clock(0, 'settle');
  await clock(7, 'study');
  attempt = (await call(
    ctx,
    'POST',
    `/companies/${companyId}/training/attempts`,
    { score: 86 },
    assessor.apiKey,
  )) as Json;
  say(`  Exam attempt ${String(attempt.attemptNumber)}: 86% → ${attempt.passed ? 'passed' : 'not passed'}`);
  await clock(0, 'settle');

  say(bold('\n3. The safety program'));
  await clock(10, 'writing the manual');
  const since = await today();
  await call(
    ctx,
    'POST',
    `/companies/${companyId}/program`,
    {
      manualTitle: 'Northern Roofing Health & Safety Manual',
      manualVersion: '1.0',
      elements: AB_ELEMENTS,
      implementedSince: since,
    },
    apiKey,
  );
  say(`  Program submitted, implemented since ${since}; phase ${(await status()).phase}`);
  await clock(0, 'settle');

  say(bold('\n4. Months of implementation, then the certification audit'));
  const bar = new cliProgress.SingleBar(
    { format: '  years  [{bar}] {value}/{total} days  {phase}', hideCursor: true, noTTYOutput: false },
    cliProgress.Presets.shades_classic,
  );
  /** Records an audit completed on `completedOn` (today unless given), every element at `elementScore`. */
  const audit = async <T = Json>(
    type: 'certification' | 'maintenance' | 'recertification',
    overallScore: number,
    elementScore: number,
    key: string,
    completedOn?: string,
  ): Promise<T> =>
    (await call(
      ctx,
      'POST',
      `/companies/${companyId}/audits`,
      {
        type,
        overallScore,
        elementScores: Object.fromEntries(AB_ELEMENTS.map((e) => [e, elementScore])),
        auditor: { name: type === 'maintenance' ? 'Sam Trainee' : 'A. Auditor' },
        completedOn: completedOn ?? (await today()),
      },
      key,
    )) as T;
  await clock(95, 'the minimum implementation period (3 months in AB)');
  const auditDay = addDays(await today(), -1);
  const cert = await audit<{
    passed: boolean;
    certificate?: { certificateNumber: string; expiresOn: string };
  }>('certification', 88, 85, assessor.apiKey, auditDay);
  say(
    `  Certification audit 88% → ${cert.passed ? 'PASSED' : 'failed'}; certificate ${cert.certificate?.certificateNumber}`,
  );
  await clock(0, 'settle');
  const number = cert.certificate?.certificateNumber ?? '';
  const verify = (await call(ctx, 'GET', `/certificates/${number}`)) as Json;
  say(`  Public verification: ${number} → ${String(verify.status)} until ${String(verify.expiresOn)}`);

  say(bold('\n5. Maintenance years'));
  bar.start(3 * 365, 0, { phase: (await status()).phase });
  const yearsPass = async (days: number) => {
    for (let left = days; left > 0; left -= 30) {
      const step = Math.min(30, left);
      await call(ctx, 'POST', '/_local/clock', { advanceDays: step });
      bar.increment(step, { phase: (await status()).phase });
    }
  };
  await yearsPass(330);
  bar.stop();
  await emailsSince();
  const m2 = await audit('maintenance', 76, 75, apiKey);
  say(
    `  Year-2 maintenance self-audit 76% → corrective action required: ${String(m2.correctiveActionRequired)}; certificate still ${String(((await call(ctx, 'GET', `/certificates/${number}`)) as Json).status)}`,
  );
  await clock(0, 'settle');
  bar.start(3 * 365, 330, { phase: (await status()).phase });
  await yearsPass(60);
  bar.stop();
  await emailsSince();
  const m3 = await audit('maintenance', 91, 90, apiKey);
  say(`  Year-3 maintenance self-audit 91% → passed: ${String(m3.passed)} (corrective action closed)`);
  await clock(0, 'settle');

  say(bold('\n6. Recertification'));
  bar.start(3 * 365, 390, { phase: (await status()).phase });
  await yearsPass(340);
  bar.stop();
  await emailsSince();
  const recert = await audit<{ certificate?: { certificateNumber: string } }>(
    'recertification',
    93,
    90,
    assessor.apiKey,
  );
  await clock(0, 'settle');
  const final = await status();
  say(
    `  Recertified: ${recert.certificate?.certificateNumber}; phase ${final.phase}, cycle ${String(final.cycle)}`,
  );

  // Summary
  const all = await outbox(ctx);
  const mine = all.filter(
    (e) => e.destination.to.some((to) => [owner, trainee].includes(to)) || e.subject.includes(suffix),
  );
  const perRecipient = new Map<string, number>();
  for (const e of mine)
    for (const to of e.destination.to) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
  const executions = (await call(
    ctx,
    'GET',
    `/ops/companies/${companyId}/executions`,
    undefined,
    ctx.opsKey,
  )) as {
    items: { name: string; status: string; executionArn: string }[];
  };
  let transitions = 0;
  if (ctx.sfn || process.env.AWS_ENDPOINT_URL_SFN) {
    const sfn = new SFNClient({
      endpoint: ctx.sfn ?? process.env.AWS_ENDPOINT_URL_SFN,
      region: 'ca-central-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    for (const e of executions.items) {
      const h = await sfn.send(new GetExecutionHistoryCommand({ executionArn: e.executionArn }));
      transitions += (h.events ?? []).filter((ev) => String(ev.type).endsWith('StateEntered')).length;
    }
  }
  say(bold('\nSummary'));
  say(`  Certificates      ${number} (cycle 1), ${recert.certificate?.certificateNumber ?? '?'} (cycle 2)`);
  say(
    `  Emails sent       ${mine.length}: ${[...perRecipient].map(([to, n]) => `${to} ${n}`).join(', ')} (+ operations)`,
  );
  say(
    `  Executions        ${executions.items.length}: ${executions.items.map((e) => `${e.name.replace(`${companyId}-`, '')} ${e.status}`).join(', ')}`,
  );
  if (transitions) say(`  State transitions ${transitions}`);
  say(`  Wall time         ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (stop) await stop();
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(`demo failed: ${e.message}\n`);
    process.exit(1);
  },
);
