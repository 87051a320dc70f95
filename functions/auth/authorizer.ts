/**
 * HTTP API Lambda authorizer (REQUEST type, simple responses, cached by the Authorization header): resolves a
 * bearer key, by its SHA-256, to {role, companyId | assessorId}. An unknown key is passed on as anonymous so
 * the route answers 401 with the contract's error body (the role checks live in the handlers).
 */
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { logger } from '../lib/logger';
import { KeyRepository } from '../lib/repositories/keys';
import { bearer, hashApiKey } from '../api/principal';

const keys = new KeyRepository();

export interface AuthorizerResult {
  isAuthorized: boolean;
  context: Record<string, string>;
}

export async function handler(event: APIGatewayRequestAuthorizerEventV2): Promise<AuthorizerResult> {
  const header = event.headers?.authorization ?? event.headers?.Authorization;
  const key = bearer(header);
  if (!key) return { isAuthorized: true, context: { role: 'anonymous', reason: 'missing' } };
  const record = await keys.get(hashApiKey(key));
  if (!record) {
    logger.info('unknown API key', { route: event.routeKey });
    return { isAuthorized: true, context: { role: 'anonymous', reason: 'unknown' } };
  }
  return {
    isAuthorized: true,
    context: {
      role: record.role,
      ...(record.companyId ? { companyId: record.companyId } : {}),
      ...(record.assessorId ? { assessorId: record.assessorId } : {}),
    },
  };
}
