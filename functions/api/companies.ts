/**
 * The company resource: sign-up, status, trainee, training, program, audits, withdrawal. Each route is thin:
 * parse (the middy stack) → authorize → domain → persist (conditional, with the outbox signal) → respond.
 */
import { attemptsLeft, decide, policies, type Command } from '../../domain';
import { act, clock, keys, loadCompany, newId, repo, statusOf } from './company-service';
import { forbidden, HttpError } from './errors';
import { createApi, defineRoutes, metrics, type Ctx, type Reply } from './http';
import { actorOf, authorizeRegion, hashApiKey, newApiKey } from './principal';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger } from '../lib/logger';
import { SessionRepository } from '../lib/repositories/sessions';

const sessions = new SessionRepository();

/**
 * Sign-ups a day that may name one contact email (each sends it a welcome), so no one can mail a stranger in bulk:
 * SIGN_UPS_PER_ADDRESS_PER_DAY, which the stack sets.
 */
export function signUpsPerAddressPerDay(): number {
  const n = Number(process.env.SIGN_UPS_PER_ADDRESS_PER_DAY);
  if (!Number.isInteger(n) || n < 1)
    throw new Error('SIGN_UPS_PER_ADDRESS_PER_DAY must be set to a whole number of at least 1');
  return n;
}

async function signUp({ body }: Ctx<'POST /companies'>): Promise<Reply<'POST /companies'>> {
  const now = clock.now();
  const companyId = newId('c');
  const { company } = decide(
    null,
    { type: 'register', companyId, ...body, legalName: body.legalName.trim() },
    { now, by: 'public' },
  );
  // The contact address's allowance of sign-ups (each sends it a welcome). Counted once the sign-up commits, so a
  // duplicate (409) or a replay costs nothing; concurrent sign-ups naming one address may pass it by a few.
  const perDay = signUpsPerAddressPerDay();
  if ((await sessions.signUpsToday(body.contact.email, now)) >= perDay) {
    throw new HttpError(
      429,
      'THROTTLED',
      `this contact email was used for ${perDay} sign-ups today; try again tomorrow, or use another contact email`,
    );
  }
  const apiKey = newApiKey('company');
  // The company item is the commit; it carries the outbox signal that starts the lifecycle's execution, and the
  // hash of its current key (rotation replaces it; the authorizer accepts no other).
  const keyHash = hashApiKey(apiKey);
  await repo.create(
    company,
    [{ PK: `APIKEY#${keyHash}`, SK: 'KEY', role: 'company', companyId, createdAt: now }],
    undefined,
    { keyHash },
  );
  metrics.addMetric('CompaniesRegistered', MetricUnit.Count, 1);
  // The sign-up has committed: it answers 201 even if this count is lost (the allowance is then one more).
  await sessions.countSignUp(body.contact.email, now).catch((e: unknown) => {
    logger.warn('sign-up not counted against its contact address', { error: String(e) });
  });
  return { status: 201, body: { companyId, apiKey, phase: company.phase, cycle: company.cycle } };
}

async function getStatus({
  params,
}: Ctx<'GET /companies/{companyId}'>): Promise<Reply<'GET /companies/{companyId}'>> {
  const { company } = await loadCompany(params.companyId as string);
  return { status: 200, body: statusOf(company) };
}

async function putTrainee({
  params,
  principal,
  body,
}: Ctx<'PUT /companies/{companyId}/trainee'>): Promise<Reply<'PUT /companies/{companyId}/trainee'>> {
  const { stored } = await act(params.companyId as string, principal, {
    type: 'designateTrainee',
    trainee: { name: body.name, email: body.email },
  });
  return { status: 200, body: statusOf(stored.company) };
}

async function enrol({
  params,
  principal,
}: Ctx<'POST /companies/{companyId}/training/enrolments'>): Promise<
  Reply<'POST /companies/{companyId}/training/enrolments'>
> {
  const { stored } = await act(params.companyId as string, principal, { type: 'reEnrol' });
  return { status: 201, body: statusOf(stored.company) };
}

async function recordAttempt({
  params,
  principal,
  body,
}: Ctx<'POST /companies/{companyId}/training/attempts'>): Promise<
  Reply<'POST /companies/{companyId}/training/attempts'>
> {
  const { stored } = await act(params.companyId as string, principal, {
    type: 'recordExamAttempt',
    score: body.score,
    ...(body.takenAt ? { takenAt: new Date(body.takenAt).toISOString() } : {}),
  });
  const c = stored.company;
  const attempt = c.training.attempts.at(-1);
  if (!attempt) throw new Error('attempt not recorded');
  return {
    status: 201,
    body: {
      attemptNumber: attempt.attemptNumber,
      attemptCycle: attempt.attemptCycle,
      passed: attempt.passed,
      attemptsLeft: attemptsLeft(c, policies.forRegion(c.region)),
      ...(attempt.passed && c.training.expiresOn ? { trainingExpiresOn: c.training.expiresOn } : {}),
    },
  };
}

async function submitProgram({
  params,
  principal,
  body,
}: Ctx<'POST /companies/{companyId}/program'>): Promise<Reply<'POST /companies/{companyId}/program'>> {
  const { stored } = await act(params.companyId as string, principal, { type: 'submitProgram', ...body });
  return { status: 201, body: statusOf(stored.company) };
}

async function recordAudit({
  params,
  principal,
  body,
}: Ctx<'POST /companies/{companyId}/audits'>): Promise<Reply<'POST /companies/{companyId}/audits'>> {
  if (body.type === 'maintenance' && principal.role !== 'company') {
    throw forbidden('maintenance audits are self-audits filed by the company with its own key');
  }
  if (body.type !== 'maintenance' && principal.role !== 'assessor') {
    throw forbidden(`${body.type} audits are recorded by an assessor (auditor) key`);
  }
  const companyId = params.companyId as string;
  const auditId = newId('a');
  const command = (sequence?: number): Command => ({
    type: 'recordAudit',
    auditId,
    auditType: body.type,
    overallScore: body.overallScore,
    elementScores: body.elementScores,
    auditor: { name: body.auditor.name },
    completedOn: body.completedOn,
    ...(sequence ? { certificateSequence: sequence } : {}),
  });
  // A passing certification or recertification issues a certificate: allocate its number only when the rules
  // accept the audit (checked on the current record first, so refused audits leave no gap in the numbering).
  let sequence: number | undefined;
  if (body.type !== 'maintenance') {
    const { company } = await loadCompany(companyId);
    authorizeRegion(principal, company.region);
    const ctx = { now: clock.now(), by: actorOf(principal) };
    const dryRun = decide(company, command(1), ctx); // throws if refused
    if (dryRun.company.audits.find((a) => a.auditId === auditId)?.passed) {
      sequence = await repo.nextCertificateSequence(company.region);
      // The public lookup item (GSI byCertificate) goes first: once the audit is saved, nothing after it (the
      // workflow call, a timeout) can leave a valid certificate unverifiable. Verification reads the record,
      // so the item of an audit that is then not saved verifies nothing.
      const certificate = decide(company, command(sequence), ctx).company.certificate;
      if (certificate) await repo.putCertificate(companyId, certificate);
    }
  }
  const { stored } = await act(companyId, principal, command(sequence));
  const audit = stored.company.audits.find((a) => a.auditId === auditId);
  if (!audit) throw new Error('audit not recorded');
  const issued = audit.passed && body.type !== 'maintenance' ? stored.company.certificate : null;
  if (issued) metrics.addMetric('CertificatesIssued', MetricUnit.Count, 1);
  return {
    status: 201,
    body: {
      auditId,
      passed: audit.passed,
      ...(audit.failedElements.length ? { failedElements: audit.failedElements } : {}),
      ...(issued
        ? {
            certificate: {
              certificateNumber: issued.certificateNumber,
              issuedOn: issued.issuedOn,
              expiresOn: issued.expiresOn,
            },
          }
        : {}),
      correctiveActionRequired: audit.correctiveActionRequired,
    },
  };
}

async function withdraw({
  params,
  principal,
  body,
}: Ctx<'POST /companies/{companyId}/withdrawal'>): Promise<Reply<'POST /companies/{companyId}/withdrawal'>> {
  const { stored } = await act(params.companyId as string, principal, {
    type: 'withdraw',
    reason: body.reason ?? null,
  });
  return { status: 200, body: statusOf(stored.company) };
}

async function rotateKey({
  params,
}: Ctx<'POST /companies/{companyId}/keys'>): Promise<Reply<'POST /companies/{companyId}/keys'>> {
  const companyId = params.companyId as string;
  await loadCompany(companyId);
  const apiKey = newApiKey('company');
  await keys.rotateCompanyKey(companyId, hashApiKey(apiKey), clock.now());
  return { status: 201, body: { apiKey } };
}

export const routes = defineRoutes({
  'POST /companies': signUp,
  'GET /companies/{companyId}': getStatus,
  'PUT /companies/{companyId}/trainee': putTrainee,
  'POST /companies/{companyId}/training/enrolments': enrol,
  'POST /companies/{companyId}/training/attempts': recordAttempt,
  'POST /companies/{companyId}/program': submitProgram,
  'POST /companies/{companyId}/audits': recordAudit,
  'POST /companies/{companyId}/withdrawal': withdraw,
  'POST /companies/{companyId}/keys': rotateKey,
});

export const handler = createApi(routes);
