/**
 * Operations routes (/ops/*; IAM-authorized in AWS, the ops key on the local runtime): list and inspect
 * companies, their executions, resend the current reminder, redrive a failed phase, issue assessor keys.
 */
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import {
  currentReminder,
  isActivePhase,
  localDateOf,
  localToday,
  PHASES,
  REGION_TIME_ZONES,
  type Phase,
} from '../../domain';
import { sfn } from '../lib/aws';
import { sendEmail } from '../lib/mailer';
import { portalLink, recipientAddress } from '../lib/notify';
import { IndexRepository, type HolderRole, type KeyHolder } from '../lib/repositories';
import { executionArnOf } from '../lib/workflow';
import { renderDigest } from '../notifications/templates';
import { act, clock, keys, loadCompany, newId, repo, statusOf } from './company-service';
import { HttpError, notFound } from './errors';
import { createApi, defineRoutes, type Ctx, type Reply } from './http';
import { hashApiKey, newApiKey } from './principal';

const index = new IndexRepository();

function badQuery(path: string, message: string): HttpError {
  return new HttpError(400, 'VALIDATION_FAILED', `${path} ${message}`, [{ path: `query:${path}`, message }]);
}

interface Cursor {
  phase: number;
  key?: Record<string, unknown>;
}

async function listCompanies({ query }: Ctx<'GET /ops/companies'>): Promise<Reply<'GET /ops/companies'>> {
  const limit = query.limit === undefined ? 50 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    throw badQuery('limit', 'must be an integer from 1 to 500');
  if (query.phase !== undefined && !(PHASES as readonly string[]).includes(query.phase)) {
    throw badQuery('phase', `must be one of ${PHASES.join(', ')}`);
  }
  if (query.overdue !== undefined && !['true', 'false'].includes(query.overdue)) {
    throw badQuery('overdue', 'must be true or false');
  }
  const overdue = query.overdue === 'true';
  const now = clock.now();
  // Overdue: the deadline's day has passed in the company's province (dueOn < its local date) and the workflow
  // has not escalated yet. The index is read up to the latest local date in Canada, then each company is
  // checked in its own zone.
  const today = latestLocalDate(now);
  const phases: readonly Phase[] = query.phase
    ? [query.phase as Phase]
    : overdue
      ? PHASES.filter((p) => isActivePhase(p))
      : PHASES;
  const cursor = query.cursor ? parseCursor(query.cursor, phases.length) : { phase: 0 };
  // A key must be one this query could have returned: of its phase's partition, and within its range.
  if (cursor.key) {
    const k = cursor.key as Record<string, string>;
    const inRange =
      k.gsiPhase === phases[cursor.phase] &&
      String(k.PK).startsWith('COMPANY#') &&
      k.SK !== '' &&
      k.gsiDue !== '' &&
      (!overdue || String(k.gsiDue) < today);
    if (!inRange) throw badQuery('cursor', 'is not a cursor this API returned for these filters');
  }
  const items = [];
  let next: Cursor | undefined;
  for (let i = cursor.phase; i < phases.length && items.length < limit; i++) {
    const page = await index.byPhase(phases[i] as Phase, {
      limit: limit - items.length,
      ...(overdue ? { dueBefore: today } : {}),
      ...(i === cursor.phase && cursor.key ? { cursor: cursor.key } : {}),
    });
    for (const c of page.items) {
      const isOverdue =
        isActivePhase(c.phase as Phase) &&
        c.nextDueOn !== undefined &&
        c.nextDueOn < localToday({ region: c.region }, now);
      if (overdue && !isOverdue) continue;
      items.push({
        companyId: c.companyId,
        legalName: c.legalName,
        region: c.region,
        phase: c.phase,
        ...(c.maintenanceYear ? { maintenanceYear: c.maintenanceYear } : {}),
        nextDeadline: c.nextStep && c.nextDueOn ? { step: c.nextStep, dueOn: c.nextDueOn } : null,
        overdue: isOverdue,
        // A bounce or complaint SES reported: this company's reminders may not be arriving.
        ...(c.emailIssue ? { emailIssue: c.emailIssue } : {}),
      });
    }
    if (page.cursor) {
      next = { phase: i, key: page.cursor };
      break;
    }
    if (items.length >= limit && i + 1 < phases.length) next = { phase: i + 1 };
  }
  return {
    status: 200,
    body: { items, ...(next ? { cursor: Buffer.from(JSON.stringify(next)).toString('base64url') } : {}) },
  };
}

/** The latest civil date in any province at `now` (Newfoundland's, the furthest east). */
function latestLocalDate(now: string): string {
  return Object.values(REGION_TIME_ZONES)
    .map((zone) => localDateOf(now, zone))
    .sort()
    .pop() as string;
}

/** A cursor this API returned: {phase: index, key?: the index's LastEvaluatedKey (string attributes)}. */
function parseCursor(raw: string, phases: number): Cursor {
  const bad = () => badQuery('cursor', 'is not a cursor this API returned');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad();
  const { phase, key } = value as { phase?: unknown; key?: unknown };
  if (!Number.isInteger(phase) || (phase as number) < 0 || (phase as number) >= phases) throw bad();
  if (key === undefined) return { phase: phase as number };
  const keyNames = ['PK', 'SK', 'gsiPhase', 'gsiDue'];
  if (
    typeof key !== 'object' ||
    key === null ||
    Array.isArray(key) ||
    Object.keys(key).length !== keyNames.length ||
    !keyNames.every(
      (k) =>
        typeof (key as Record<string, unknown>)[k] === 'string' &&
        ((key as Record<string, string>)[k] as string).length <= 1024,
    )
  ) {
    throw bad();
  }
  return { phase: phase as number, key: key as Record<string, unknown> };
}

const executionArn = executionArnOf;

/**
 * The company's executions, oldest first. Step Functions describes those it still has; one it no longer has
 * (history is deleted 90 days after an execution closes) is listed from the company's own record of its start,
 * as FAILED if the company's history records its failure and SUCCEEDED otherwise (a later one started: it
 * handed over). A name the record moved past before it ever started (the trainee passed at once) is not listed;
 * the current one, not started yet (its start is still in the outbox), is NOT_STARTED.
 */
async function listExecutions({
  params,
}: Ctx<'GET /ops/companies/{companyId}/executions'>): Promise<
  Reply<'GET /ops/companies/{companyId}/executions'>
> {
  const companyId = params.companyId as string;
  const stored = await loadCompany(companyId);
  const starts = await repo.executionStarts(companyId);
  const current = stored.company.execution.name;
  const names = stored.executions?.length ? stored.executions : [current];
  const failed = new Set(
    stored.company.history
      .filter((e) => e.type === 'WORKFLOW_FAILED')
      .map((e) => String(e.details?.execution ?? '')),
  );
  const items = [];
  for (const name of names) {
    const arn = executionArn(name);
    const phase = name.replace(/^.*-c\d+-/, '').replace(/-r\d+$/, '');
    try {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      items.push({
        name,
        executionArn: arn,
        phase,
        status: d.status,
        startedAt: d.startDate?.toISOString(),
        ...(d.stopDate ? { stoppedAt: d.stopDate.toISOString() } : {}),
      });
    } catch (e) {
      if (!(e instanceof ExecutionDoesNotExist)) throw e;
      const startedAt = starts.get(name);
      if (startedAt) {
        const status = failed.has(name) ? 'FAILED' : 'SUCCEEDED';
        items.push({ name, executionArn: arn, phase, status, startedAt });
      } else if (name === current) {
        items.push({ name, executionArn: arn, phase, status: 'NOT_STARTED' });
      }
    }
  }
  return { status: 200, body: { items } };
}

/** The state a history event names (state entered or exited), if any. */
function stateOf(event: HistoryEvent): string | undefined {
  return event.stateEnteredEventDetails?.name ?? event.stateExitedEventDetails?.name;
}

/** An execution's history, state by state: one of the company's own executions only. */
async function executionHistory({
  params,
}: Ctx<'GET /ops/companies/{companyId}/executions/{name}/history'>): Promise<
  Reply<'GET /ops/companies/{companyId}/executions/{name}/history'>
> {
  const stored = await loadCompany(params.companyId as string);
  const name = params.name as string;
  const names = stored.executions?.length ? stored.executions : [stored.company.execution.name];
  if (!names.includes(name)) throw notFound(`execution ${name.slice(0, 80)}`);
  const items = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn: executionArn(name), maxResults: 1000, nextToken }),
      );
      for (const event of page.events ?? []) {
        const state = stateOf(event);
        items.push({
          timestamp: event.timestamp?.toISOString(),
          type: event.type,
          ...(state !== undefined ? { state } : {}),
        });
      }
      nextToken = page.nextToken;
    } while (nextToken && items.length < 10_000);
  } catch (e) {
    // A phase recorded but never started (or forgotten by the local runtime after a restart): no history.
    if (!(e instanceof ExecutionDoesNotExist)) throw e;
  }
  return { status: 200, body: { items } };
}

async function sendReminder({
  params,
}: Ctx<'POST /ops/companies/{companyId}/reminders'>): Promise<
  Reply<'POST /ops/companies/{companyId}/reminders'>
> {
  const { company } = await loadCompany(params.companyId as string);
  const notice = currentReminder(company, clock.now());
  if (!notice) {
    throw new HttpError(422, 'WRONG_PHASE', `company is ${company.phase}: no open step to remind about`);
  }
  const { step, dueOn } = notice.reminder;
  // At most one resend per step a day (the company's local day): a double click, or a retry, does not mail
  // people twice.
  const now = clock.now();
  const claim = `resent|${step}|${dueOn}|${localToday(company, now)}`;
  const expiresAt = Math.floor(Date.parse(now) / 1000) + 2 * 86_400;
  if (!(await repo.claimNotification(company.companyId, claim, expiresAt))) {
    throw new HttpError(
      429,
      'THROTTLED',
      `the ${step} reminder was already sent today; one can be sent again tomorrow`,
    );
  }
  let sent = 0;
  try {
    for (const recipient of notice.recipients) {
      const to = recipientAddress(company, recipient);
      if (!to) continue;
      await sendEmail(
        to,
        renderDigest([notice], company, recipient, await portalLink(company, recipient, now)),
        {
          companyId: company.companyId,
          kind: 'reminder-resent',
          recipient,
        },
      );
      sent += 1;
    }
  } catch (e) {
    // Nothing went out, or not to everyone: today's resend is not used up (a retry may send it).
    if (sent === 0) await repo.releaseNotification(company.companyId, claim);
    throw e;
  }
  return { status: 202, body: { companyId: company.companyId, step, dueOn, sent } };
}

async function redrive({
  params,
  principal,
}: Ctx<'POST /ops/companies/{companyId}/redrive'>): Promise<
  Reply<'POST /ops/companies/{companyId}/redrive'>
> {
  const { stored } = await act(params.companyId as string, principal, { type: 'redrive' });
  return {
    status: 202,
    body: {
      companyId: stored.company.companyId,
      phase: stored.company.phase,
      execution: stored.company.execution.name,
    },
  };
}

async function createAssessor({ body }: Ctx<'POST /ops/assessors'>): Promise<Reply<'POST /ops/assessors'>> {
  const assessorId = newId('as');
  const apiKey = newApiKey('assessor');
  await keys.putHolder(
    {
      id: assessorId,
      role: 'assessor',
      name: body.name,
      email: body.email,
      regions: body.regions ?? [],
      createdAt: clock.now(),
    },
    hashApiKey(apiKey),
  );
  return { status: 201, body: { assessorId, apiKey } };
}

async function createReviewer({ body }: Ctx<'POST /ops/reviewers'>): Promise<Reply<'POST /ops/reviewers'>> {
  const reviewerId = newId('rv');
  const apiKey = newApiKey('reviewer');
  await keys.putHolder(
    {
      id: reviewerId,
      role: 'reviewer',
      name: body.name,
      email: body.email,
      regions: body.regions,
      createdAt: clock.now(),
    },
    hashApiKey(apiKey),
  );
  return { status: 201, body: { reviewerId, apiKey } };
}

const holderOut = ({ id: _id, role: _role, ...rest }: KeyHolder) => rest;

async function listAssessors(): Promise<Reply<'GET /ops/assessors'>> {
  const items = (await keys.listHolders('assessor')).map((h) => ({ assessorId: h.id, ...holderOut(h) }));
  return { status: 200, body: { items } };
}

async function listReviewers(): Promise<Reply<'GET /ops/reviewers'>> {
  const items = (await keys.listHolders('reviewer')).map((h) => ({ reviewerId: h.id, ...holderOut(h) }));
  return { status: 200, body: { items } };
}

/** The id prefix of each kind of key holder (newId): an id of another shape was never issued. */
const HOLDER_ID = { assessor: /^as[0-9a-f]{20}$/, reviewer: /^rv[0-9a-f]{20}$/ } as const;

/** Revokes a holder's key; 404 for an id never issued (also one longer than a key DynamoDB accepts). */
async function revoke(role: HolderRole, id: string): Promise<{ status: 204; body: null }> {
  if (!HOLDER_ID[role].test(id) || !(await keys.revokeHolder(role, id, clock.now())))
    throw notFound(`${role} ${id.slice(0, 40)}`);
  return { status: 204, body: null };
}

const revokeAssessor = ({
  params,
}: Ctx<'DELETE /ops/assessors/{assessorId}'>): Promise<Reply<'DELETE /ops/assessors/{assessorId}'>> =>
  revoke('assessor', params.assessorId as string);

const revokeReviewer = ({
  params,
}: Ctx<'DELETE /ops/reviewers/{reviewerId}'>): Promise<Reply<'DELETE /ops/reviewers/{reviewerId}'>> =>
  revoke('reviewer', params.reviewerId as string);

async function getCompany({
  params,
}: Ctx<'GET /ops/companies/{companyId}'>): Promise<Reply<'GET /ops/companies/{companyId}'>> {
  const { company } = await loadCompany(params.companyId as string);
  return { status: 200, body: statusOf(company) };
}

export const routes = defineRoutes({
  'GET /ops/companies': listCompanies,
  'GET /ops/companies/{companyId}': getCompany,
  'GET /ops/companies/{companyId}/executions': listExecutions,
  'GET /ops/companies/{companyId}/executions/{name}/history': executionHistory,
  'POST /ops/companies/{companyId}/reminders': sendReminder,
  'POST /ops/companies/{companyId}/redrive': redrive,
  'POST /ops/assessors': createAssessor,
  'GET /ops/assessors': listAssessors,
  'DELETE /ops/assessors/{assessorId}': revokeAssessor,
  'POST /ops/reviewers': createReviewer,
  'GET /ops/reviewers': listReviewers,
  'DELETE /ops/reviewers/{reviewerId}': revokeReviewer,
});

export const handler = createApi(routes);
