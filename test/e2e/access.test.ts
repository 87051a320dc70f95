/**
 * Access, end to end through HTTP on the local runtime (`npm start` as a child process): a company signs in by
 * email with the link from the SES outbox, rotates its key (the old one is refused at the next request),
 * operations revoke an assessor (refused at once), and an unsigned /ops/* request gets what API Gateway
 * answers. Also the outbox: the sign-up's execution and the trainee's step are told to the workflow after the
 * commit (the execution is RUNNING, then in TRAINING, without any call to Step Functions from the API).
 */
import { newCompany, RuntimeProcess } from './runtime';

jest.setTimeout(60_000);

let rt: RuntimeProcess;

beforeAll(async () => {
  rt = await new RuntimeProcess().start();
}, 120_000);
afterAll(() => rt?.stop());

/** The executions of a company, as operations list them, until `done` says so (the stream is asynchronous). */
async function executionsUntil(
  c: Awaited<ReturnType<typeof newCompany>>,
  done: (items: { name: string; status: string; phase: string }[]) => boolean,
) {
  for (let i = 0; i < 100; i++) {
    const { items } = await c.executions();
    if (done(items)) return items;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`executions never settled: ${JSON.stringify((await c.executions()).items)}`);
}

test('sign in by email: the link from the outbox → a session that acts as the company → rotate the key', async () => {
  const c = await newCompany(rt);
  expect((await rt.call('POST', '/sign-in', { email: c.contact })).status).toBe(202);
  const email = (await rt.emails(c.contact)).find((e) => /sign-in link/.test(e.subject));
  const token = /#sign-in=([A-Za-z0-9_-]+)/.exec(email?.body.text ?? '')?.[1];
  expect(token).toBeDefined();
  expect(email?.body.text).toContain(`${rt.api}/#sign-in=`);

  const session = await rt.call<{ sessionKey: string; role: string }>('POST', '/sessions', { token });
  expect(session.status).toBe(201);
  expect(session.body.role).toBe('company');
  const status = await rt.call<{ companyId: string }>(
    'GET',
    `/companies/${c.id}`,
    undefined,
    session.body.sessionKey,
  );
  expect(status.body.companyId).toBe(c.id);
  expect((await rt.call('POST', '/sessions', { token })).status).toBe(401); // once only

  const rotated = await rt.call<{ apiKey: string }>(
    'POST',
    `/companies/${c.id}/keys`,
    {},
    session.body.sessionKey,
  );
  expect(rotated.status).toBe(201);
  expect((await rt.call('GET', `/companies/${c.id}`, undefined, c.key)).status).toBe(401);
  expect((await rt.call('GET', `/companies/${c.id}`, undefined, rotated.body.apiKey)).status).toBe(200);
  expect((await rt.call('DELETE', '/sessions/current', undefined, session.body.sessionKey)).status).toBe(204);
  expect((await rt.call('GET', `/companies/${c.id}`, undefined, session.body.sessionKey)).status).toBe(401);
});

test('a revoked assessor key is refused at the next request; unsigned /ops/* gets API Gateway’s 403', async () => {
  const issued = await rt.ok<{ assessorId: string; apiKey: string }>(
    'POST',
    '/ops/assessors',
    { name: 'Revoked Assessor', email: 'revoked@assessors.example', regions: ['AB'] },
    rt.opsKey,
  );
  const c = await newCompany(rt);
  await c.designate();
  const attempt = () => rt.call('POST', `/companies/${c.id}/training/attempts`, { score: 40 }, issued.apiKey);
  expect((await attempt()).status).toBe(201);
  expect((await rt.call('DELETE', `/ops/assessors/${issued.assessorId}`, undefined, rt.opsKey)).status).toBe(
    204,
  );
  expect((await attempt()).status).toBe(401);
  const listed = await rt.ok<{ items: { assessorId: string; revokedAt?: string }[] }>(
    'GET',
    '/ops/assessors',
    undefined,
    rt.opsKey,
  );
  expect(listed.items.find((a) => a.assessorId === issued.assessorId)?.revokedAt).toBeDefined();
  const unsigned = await rt.call('GET', '/ops/assessors');
  expect(unsigned).toEqual({
    status: 403,
    body: { error: { code: 'FORBIDDEN', message: expect.stringMatching(/SigV4/) } },
  });
  expect(await rt.call('GET', '/ops/assessors', undefined, issued.apiKey)).toEqual(unsigned);
});

test('the outbox: a sign-up gets its execution and a designated trainee moves the workflow on, after the commit', async () => {
  const c = await newCompany(rt);
  const started = await executionsUntil(c, (items) => items.some((e) => e.status === 'RUNNING'));
  expect(started.find((e) => e.status === 'RUNNING')?.phase).toBe('REGISTRATION');
  await c.designate();
  // The REGISTRATION execution hands over to TRAINING (both run for a moment), then ends.
  const moved = await executionsUntil(
    c,
    (items) =>
      items.some((e) => e.phase === 'TRAINING' && e.status === 'RUNNING') &&
      items.every((e) => e.phase === 'TRAINING' || e.status !== 'RUNNING'),
  );
  expect(moved.filter((e) => e.status === 'RUNNING').map((e) => e.phase)).toEqual(['TRAINING']);
});
