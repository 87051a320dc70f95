/**
 * HTTP API Lambda authorizer (REQUEST type, simple responses, no identity source and no cache: called on every
 * request): resolves a bearer key, by its SHA-256, to {role, companyId | assessorId}. It never denies: a missing
 * or unknown key is passed on as anonymous so the route answers 401 with the contract's error body (the role
 * checks live in the handlers). Ops never come through here: /ops/* is IAM-authorized, and no key grants ops.
 */
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
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

export interface AuthorizerResult {
  isAuthorized: boolean;
  context: Record<string, string>;
}

export async function handler(event: APIGatewayRequestAuthorizerEventV2): Promise<AuthorizerResult> {
  const header = event.headers?.authorization ?? event.headers?.Authorization;
  const key = bearer(header);
  if (!key) return { isAuthorized: true, context: { role: 'anonymous', reason: 'missing' } };
  const hash = hashApiKey(key);
  if (key.startsWith(SESSION_PREFIX)) {
    // A session from a sign-in link: valid until its expiry (deleted when ended).
    const session = await sessions.getSession(hash);
    if (!session || session.expiresAt <= clock.now()) {
      return { isAuthorized: true, context: { role: 'anonymous', reason: 'unknown' } };
    }
    return {
      isAuthorized: true,
      context: { role: session.role, companyId: session.companyId, session: hash },
    };
  }
  const record = await keys.get(hash);
  if (!record) {
    logger.info('unknown API key', { route: event.routeKey });
    return { isAuthorized: true, context: { role: 'anonymous', reason: 'unknown' } };
  }
  if (record.role !== 'company' && record.role !== 'assessor' && record.role !== 'reviewer') {
    logger.warn('API key item with an unexpected role ignored', { role: String(record.role) });
    return { isAuthorized: true, context: { role: 'anonymous', reason: 'unknown' } };
  }
  // A company's key is its current one only: a rotated key stops working at once, even if its item lingered.
  if (record.role === 'company' && record.companyId) {
    const current = await keys.companyKeyHash(record.companyId);
    if (current && current !== hash) {
      logger.info('superseded company key', { route: event.routeKey });
      return { isAuthorized: true, context: { role: 'anonymous', reason: 'unknown' } };
    }
  }
  return {
    isAuthorized: true,
    context: {
      role: record.role,
      ...(record.companyId ? { companyId: record.companyId } : {}),
      ...(record.assessorId ? { assessorId: record.assessorId } : {}),
      ...(record.reviewerId ? { reviewerId: record.reviewerId } : {}),
      // Simple responses carry strings: the regions as a comma-separated list.
      ...(record.regions?.length ? { regions: record.regions.join(',') } : {}),
    },
  };
}
