/**
 * The company resource: sign-up, status, trainee, training, program, audits, withdrawal. Each route is thin:
 * parse (the middy stack) → authorize → domain → persist (conditional) → complete the workflow step → respond.
 */
import { attemptsLeft, decide, policies, type AuditType, type Command, type Contact } from '../../domain';
import { startPhaseExecution } from '../lib/workflow';
import { act, clock, loadCompany, newId, repo, statusOf } from './company-service';
import { forbidden } from './errors';
import { createApi, metrics, type RouteContext, type Routes } from './http';
import { actorOf, hashApiKey, newApiKey } from './principal';
import { MetricUnit } from '@aws-lambda-powertools/metrics';

interface SignUpBody {
  legalName: string;
  region: string;
  employeeCount: number;
  industry?: string;
  contact: Contact;
}

async function signUp({ body }: RouteContext<SignUpBody>) {
  const now = clock.now();
  const companyId = newId('c');
  const { company } = decide(
    null,
    { type: 'register', companyId, ...body, legalName: body.legalName.trim() },
    { now, by: 'public' },
  );
  const apiKey = newApiKey('company');
  await repo.create(company, [
    { PK: `APIKEY#${hashApiKey(apiKey)}`, SK: 'KEY', role: 'company', companyId, createdAt: now },
  ]);
  await startPhaseExecution(company);
  metrics.addMetric('CompaniesRegistered', MetricUnit.Count, 1);
  return { status: 201, body: { companyId, apiKey, phase: company.phase, cycle: company.cycle } };
}

async function getStatus({ params }: RouteContext<undefined>) {
  const { company } = await loadCompany(params.companyId as string);
  return { status: 200, body: statusOf(company) };
}

async function putTrainee({ params, principal, body }: RouteContext<Contact>) {
  const { stored } = await act(params.companyId as string, principal, {
    type: 'designateTrainee',
    trainee: { name: body.name, email: body.email },
  });
  return { status: 200, body: statusOf(stored.company) };
}

async function enrol({ params, principal }: RouteContext<Record<string, never>>) {
  const { stored } = await act(params.companyId as string, principal, { type: 'reEnrol' });
  return { status: 201, body: statusOf(stored.company) };
}

async function recordAttempt({ params, principal, body }: RouteContext<{ score: number; takenAt?: string }>) {
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
      ...(attempt.passed ? { trainingExpiresOn: c.training.expiresOn } : {}),
    },
  };
}

interface ProgramBody {
  manualTitle: string;
  manualVersion: string;
  elements: string[];
  implementedSince: string;
}

async function submitProgram({ params, principal, body }: RouteContext<ProgramBody>) {
  const { stored } = await act(params.companyId as string, principal, { type: 'submitProgram', ...body });
  return { status: 201, body: statusOf(stored.company) };
}

interface AuditBody {
  type: AuditType;
  overallScore: number;
  elementScores: Record<string, number>;
  auditor: { name: string };
  completedOn: string;
}

async function recordAudit({ params, principal, body }: RouteContext<AuditBody>) {
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

async function withdraw({ params, principal, body }: RouteContext<{ reason?: string }>) {
  const { stored } = await act(params.companyId as string, principal, {
    type: 'withdraw',
    reason: body.reason ?? null,
  });
  return { status: 200, body: statusOf(stored.company) };
}

export const routes: Routes = {
  'POST /companies': { roles: ['public'], schema: 'SignUp', idempotent: true, handle: signUp },
  'GET /companies/{companyId}': { roles: ['company', 'ops'], handle: getStatus },
  'PUT /companies/{companyId}/trainee': {
    roles: ['company'],
    schema: 'Trainee',
    idempotent: true,
    handle: putTrainee,
  },
  'POST /companies/{companyId}/training/enrolments': {
    roles: ['company'],
    schema: 'Enrolment',
    idempotent: true,
    handle: enrol,
  },
  'POST /companies/{companyId}/training/attempts': {
    roles: ['assessor', 'ops'],
    schema: 'ExamAttempt',
    idempotent: true,
    handle: recordAttempt,
  },
  'POST /companies/{companyId}/program': {
    roles: ['company'],
    schema: 'Program',
    idempotent: true,
    handle: submitProgram,
  },
  'POST /companies/{companyId}/audits': {
    roles: ['assessor', 'company'],
    schema: 'Audit',
    idempotent: true,
    handle: recordAudit,
  },
  'POST /companies/{companyId}/withdrawal': {
    roles: ['company'],
    schema: 'Withdrawal',
    idempotent: true,
    handle: withdraw,
  },
};

export const handler = createApi(routes);
