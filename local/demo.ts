/**
 * `npm run demo`: a company through its whole SECOR cycle, through the HTTP API as real users would — the
 * owner, the training provider / auditor, and operations — on the running local runtime (or one it starts),
 * years passing on the virtual clock. It ends with what the cycle took: executions, state transitions, emails.
 *
 * `npm run demo -- --readme` runs on a runtime of its own (fresh data, so the output is reproducible) and writes
 * its output into README's demo block.
 */
import cliProgress from 'cli-progress';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { apiBaseUrl, ApiError, localOpsKey, type Json } from '../cli/api-client';
import { LocalRuntimeClient, localSesUrl, outbox, type OutboxEmail } from '../cli/local-runtime';
import { policies } from '../domain';

const DEMO_START = '<!-- demo-output:start (npm run demo -- --readme) -->';
const DEMO_END = '<!-- demo-output:end -->';
const README_MODE = process.argv.includes('--readme');
/** Today, read before a runtime started here installs its virtual clock (which moves `Date`). */
const RUN_ON = new Date().toISOString().slice(0, 10);

const printed: string[] = [];
const say = (s = '') => {
  printed.push(s);
  process.stdout.write(`${s}\n`);
};
const heading = (s: string) => {
  printed.push(s);
  process.stdout.write(process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m\n` : `${s}\n`);
};

/** The safety program elements of the demo's region (AB), from its policy. */
const AB_ELEMENTS = policies.forRegion('AB').programElements.map((e) => e.id);
const addDays = (d: string, n: number) =>
  new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** The running local runtime, or one started for the demo (its own temporary data folder). */
async function connect(): Promise<{
  api: LocalRuntimeClient;
  ses: string;
  opsKey: string;
  stop?: () => Promise<void>;
}> {
  const running = new LocalRuntimeClient(apiBaseUrl().url);
  if (!README_MODE && (await running.reachable())) {
    const { key, file } = localOpsKey();
    if (key === undefined)
      throw new Error(`the runtime at ${running.baseUrl.origin} runs, but ${file} does not exist`);
    say(`Using the running system at ${running.baseUrl.origin}`);
    return { api: running, ses: localSesUrl(), opsKey: key };
  }
  say('No system running: starting the local runtime for this demo (in a temporary data folder)…');
  const { startRuntime } = await import('./start');
  const rt = await startRuntime({
    port: 0,
    sesPort: 0,
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'secor-demo-')),
    quiet: true,
  });
  return { api: new LocalRuntimeClient(rt.apiUrl), ses: rt.sesUrl, opsKey: rt.opsKey, stop: rt.close };
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const { api, ses, opsKey, stop } = await connect();
  const call = <T = Json>(method: string, route: string, body?: unknown, key?: string) =>
    api.ok<T>(method, route, body, key);
  const seen = new Set<string>();
  const emailsSince = async () => {
    const all = await outbox(ses);
    const fresh = all.filter((e, i) => !seen.has(`${i}`) && (seen.add(`${i}`), true));
    const reminders = fresh.filter((e) => e.subject.startsWith('Reminder'));
    for (const e of fresh.filter((m) => !m.subject.startsWith('Reminder')))
      say(`    ✉  ${e.destination.to.join(', ')}: ${e.subject}`);
    if (reminders.length > 0) {
      const first = reminders[0] as OutboxEmail;
      say(`    ✉  ${first.destination.to.join(', ')}: ${first.subject}`);
      if (reminders.length > 1)
        say(`    ✉  … and ${reminders.length - 1} more reminder(s) on the policy's cadence`);
    }
    return fresh;
  };
  for (const [i] of (await outbox(ses)).entries()) seen.add(`${i}`);
  const clock = async (days: number, label: string) => {
    const now = await api.advance(days);
    say(`  ⏩ ${label}: ${days} days pass → ${now.slice(0, 10)}`);
    await emailsSince();
    return now.slice(0, 10);
  };
  const suffix = Math.random().toString(36).slice(2, 6).toUpperCase();
  const owner = `owner.${suffix.toLowerCase()}@northern-roofing.example`;
  const trainee = `sam.${suffix.toLowerCase()}@northern-roofing.example`;

  heading('\n1. Sign-up');
  const signUp = await call<{ companyId: string; apiKey: string; phase: string }>('POST', '/companies', {
    legalName: `Northern Roofing ${suffix} Ltd.`,
    region: 'AB',
    employeeCount: 7,
    industry: 'construction',
    contact: { name: 'Pat Owner', email: owner },
  });
  const { companyId, apiKey } = signUp;
  say(`  Northern Roofing ${suffix} Ltd. (AB, 7 employees) → ${companyId}, phase ${signUp.phase}`);
  await emailsSince();
  const status = () => call<Json & { phase: string }>('GET', `/companies/${companyId}`, undefined, apiKey);

  heading('\n2. Training');
  await call('PUT', `/companies/${companyId}/trainee`, { name: 'Sam Trainee', email: trainee }, apiKey);
  say('  Trainee designated: Sam Trainee');
  const assessor = await call<{ apiKey: string }>(
    'POST',
    '/ops/assessors',
    { name: 'Alberta Safety Training Inc.', email: 'exams@ast.example' },
    opsKey,
  );
  await emailsSince();
  await clock(10, 'the 16-hour course');
  const exam = (score: number) =>
    call('POST', `/companies/${companyId}/training/attempts`, { score }, assessor.apiKey);
  let attempt = await exam(72);
  say(
    `  Exam attempt ${String(attempt.attemptNumber)}: 72% → ${attempt.passed ? 'passed' : 'not passed'} (${String(attempt.attemptsLeft)} left)`,
  );
  await clock(0, 'settle');
  await clock(7, 'study');
  attempt = await exam(86);
  say(`  Exam attempt ${String(attempt.attemptNumber)}: 86% → ${attempt.passed ? 'passed' : 'not passed'}`);
  await clock(0, 'settle');

  heading('\n3. The safety program');
  await clock(10, 'writing the manual');
  const since = await api.today();
  await call(
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

  heading('\n4. Months of implementation, then the certification audit');
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
    call<T>(
      'POST',
      `/companies/${companyId}/audits`,
      {
        type,
        overallScore,
        elementScores: Object.fromEntries(AB_ELEMENTS.map((e) => [e, elementScore])),
        auditor: { name: type === 'maintenance' ? 'Sam Trainee' : 'A. Auditor' },
        completedOn: completedOn ?? (await api.today()),
      },
      key,
    );
  await clock(95, 'the minimum implementation period (3 months in AB)');
  const auditDay = addDays(await api.today(), -1);
  const cert = await audit<{
    passed: boolean;
    certificate?: { certificateNumber: string; expiresOn: string };
  }>('certification', 88, 85, assessor.apiKey, auditDay);
  say(
    `  Certification audit 88% → ${cert.passed ? 'PASSED' : 'failed'}; certificate ${cert.certificate?.certificateNumber}`,
  );
  await clock(0, 'settle');
  const number = cert.certificate?.certificateNumber ?? '';
  const verify = await call('GET', `/certificates/${number}`);
  say(`  Public verification: ${number} → ${String(verify.status)} until ${String(verify.expiresOn)}`);

  heading('\n5. Maintenance years');
  /** Years pass a month at a time, the progress bar showing the phase (on a terminal only). */
  const yearsPass = async (from: number, days: number) => {
    bar.start(3 * 365, from, { phase: (await status()).phase });
    for (let left = days; left > 0; left -= 30) {
      const step = Math.min(30, left);
      await api.advance(step);
      bar.increment(step, { phase: (await status()).phase });
    }
    bar.stop();
    await emailsSince();
  };
  await yearsPass(0, 330);
  const m2 = await audit('maintenance', 76, 75, apiKey);
  const stillValid = (await call('GET', `/certificates/${number}`)).status;
  say(
    `  Year-2 maintenance self-audit 76% → corrective action required: ${String(m2.correctiveActionRequired)}; certificate still ${String(stillValid)}`,
  );
  await clock(0, 'settle');
  await yearsPass(330, 60);
  const m3 = await audit('maintenance', 91, 90, apiKey);
  say(`  Year-3 maintenance self-audit 91% → passed: ${String(m3.passed)} (corrective action closed)`);
  await clock(0, 'settle');

  heading('\n6. Recertification');
  await yearsPass(390, 340);
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

  // What the cycle took: this company's emails (the outbox), executions and transitions (the ops API).
  const mine = (await outbox(ses)).filter(
    (e) => e.destination.to.some((to) => [owner, trainee].includes(to)) || e.subject.includes(suffix),
  );
  const perRecipient = new Map<string, number>();
  for (const e of mine)
    for (const to of e.destination.to) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
  const ops = `/ops/companies/${companyId}/executions`;
  const { items: executions } = await call<{ items: { name: string; status: string }[] }>(
    'GET',
    ops,
    undefined,
    opsKey,
  );
  let transitions = 0;
  for (const e of executions) {
    const history = await call<{ items: { type: string }[] }>(
      'GET',
      `${ops}/${encodeURIComponent(e.name)}/history`,
      undefined,
      opsKey,
    );
    transitions += history.items.filter((h) => h.type.endsWith('StateEntered')).length;
  }
  heading('\nSummary');
  say(`  Certificates      ${number} (cycle 1), ${recert.certificate?.certificateNumber ?? '?'} (cycle 2)`);
  say(
    `  Emails sent       ${mine.length}: ${[...perRecipient].map(([to, n]) => `${to} ${n}`).join(', ')} (+ operations)`,
  );
  say(
    `  Executions        ${executions.length}: ${executions.map((e) => `${e.name.replace(`${companyId}-`, '')} ${e.status}`).join(', ')}`,
  );
  say(`  State transitions ${transitions}`);
  say(`  Wall time         ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (stop) await stop();
  if (README_MODE) writeReadme();
}

/** Replaces README's demo block with this run's output, saying when, where and by what it was made. */
function writeReadme(): void {
  const file = path.resolve(__dirname, '..', 'README.md');
  const readme = readFileSync(file, 'utf8');
  const start = readme.indexOf(DEMO_START);
  const end = readme.indexOf(DEMO_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${DEMO_START} … ${DEMO_END} block`);
  const cpus = os.cpus();
  const machine = `${cpus.length} × ${cpus[0]?.model.trim() ?? 'CPU'}, ${os.type()} ${os.arch()}, Node ${process.version}`;
  const block = [
    DEMO_START,
    '',
    `Output of \`npm run demo -- --readme\`, run ${RUN_ON} on ${machine}:`,
    '',
    '```text',
    ...printed.map((l) => l.trimEnd()).filter((l, i) => i > 0 || l !== ''),
    '```',
    '',
    DEMO_END,
  ].join('\n');
  writeFileSync(file, readme.slice(0, start) + block + readme.slice(end + DEMO_END.length));
  process.stdout.write('README demo block updated\n');
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    const where = e instanceof ApiError && e.request ? `${e.request} → ${e.status} ${e.code}: ` : '';
    process.stderr.write(`demo failed: ${where}${e.message}\n`);
    process.exit(1);
  },
);
