/**
 * REST API Lambda authorizer (REQUEST type, no identity source and no cache: called on every request): resolves a
 * bearer key or session key, by its SHA-256, to {role, companyId | assessorId | reviewerId}. It never denies: a
 * missing or unknown key is passed on as anonymous so the route answers 401 with the contract's error body (the
 * role checks live in the handlers). Ops never come through here: /ops/* is IAM-authorized, and no key grants ops.
 * The policy allows every method of the stage: the authorizer tells who calls, the routes decide what they may
 * do (and nothing caches the policy).
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { logger } from '../lib/logger';
import { systemClock } from '../lib/clock';
import { KeyRepository } from '../lib/repositories/keys';
import { SessionRepository } from '../lib/repositories/sessions';
import { bearer, hashApiKey } from '../api/principal';

const keys = new KeyRepository();
const sessions = new SessionRepository();
/** Session keys are told from API keys by their prefix. */
export const SESSION_PREFIX = 'secor_session_';
/** The time sessions are checked against (tests set it). */
export const clock = { now: systemClock };

/** What the routes learn of the caller: the key's holder (strings only: API Gateway flattens the context). */
export type CallerContext = Record<string, string>;

export interface AuthorizerResult extends APIGatewayAuthorizerResult {
  context: CallerContext;
}

export async function handler(event: APIGatewayRequestAuthorizerEvent): Promise<AuthorizerResult> {
  const context = await callerOf(event);
  return {
    principalId: context.companyId ?? context.assessorId ?? context.reviewerId ?? 'anonymous',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: stageMethods(event.methodArn) }],
    },
    context,
  };
}

/** `arn:…:<api>/<stage>/GET/companies/c1` → `arn:…:<api>/<stage>/*`. */
export function stageMethods(methodArn: string): string {
  const [api, stage] = methodArn.split('/');
  return api && stage ? `${api}/${stage}/*` : methodArn;
}

async function callerOf(event: APIGatewayRequestAuthorizerEvent): Promise<CallerContext> {
  const header = event.headers?.authorization ?? event.headers?.Authorization;
  const key = bearer(header);
  if (!key) return { role: 'anonymous', reason: 'missing' };
  const hash = hashApiKey(key);
  if (key.startsWith(SESSION_PREFIX)) {
    // A session from a sign-in link: valid until its expiry (deleted when ended).
    const session = await sessions.getSession(hash);
    if (!session || session.expiresAt <= clock.now()) {
      return { role: 'anonymous', reason: 'unknown' };
    }
    return { role: session.role, companyId: session.companyId, session: hash };
  }
  const record = await keys.get(hash);
  if (!record) {
    logger.info('unknown API key', { route: `${event.httpMethod} ${event.resource}` });
    return { role: 'anonymous', reason: 'unknown' };
  }
  if (record.role !== 'company' && record.role !== 'assessor' && record.role !== 'reviewer') {
    logger.warn('API key item with an unexpected role ignored', { role: String(record.role) });
    return { role: 'anonymous', reason: 'unknown' };
  }
  // A company's key is its current one only: a rotated key stops working at once, even if its item lingered.
  if (record.role === 'company' && record.companyId) {
    const current = await keys.companyKeyHash(record.companyId);
    if (current && current !== hash) {
      logger.info('superseded company key', { route: `${event.httpMethod} ${event.resource}` });
      return { role: 'anonymous', reason: 'unknown' };
    }
  }
  return {
    role: record.role,
    ...(record.companyId ? { companyId: record.companyId } : {}),
    ...(record.assessorId ? { assessorId: record.assessorId } : {}),
    ...(record.reviewerId ? { reviewerId: record.reviewerId } : {}),
    // The context carries strings: the regions as a comma-separated list.
    ...(record.regions?.length ? { regions: record.regions.join(',') } : {}),
  };
}
