/**
 * The one middy stack every HTTP handler uses, composed once:
 *   Powertools Logger + Metrics → contract error handler → request parsing (size limit, JSON, route, principal,
 *   roles, schema) → Powertools Idempotency (when an Idempotency-Key is sent) → the route's handler.
 *
 * Body parsing and error mapping are our own, not @middy/http-json-body-parser and @middy/http-error-handler:
 * the contract answers 400 MALFORMED_JSON with its error body whatever the Content-Type (those answer 415 or 422
 * with their own bodies), refuses bodies over 64 KB before parsing, and maps domain errors to 409/422.
 */
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj, type Request } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { isDomainError } from '../../domain';
import { logger } from '../lib/logger';
import { ConflictError, NotFoundError } from '../lib/repositories';
import {
  COMPANY_ID_PATTERN,
  OPERATIONS,
  type Operation,
  type RequestBody,
  type ResponseBody,
  type RouteKey,
  type StatusOf,
} from './contract';
import { MAX_BODY_BYTES } from './edge';
import { errorBody, HttpError, notFound } from './errors';
import { authorize, type Principal } from './principal';
import { ROUTES } from './route-table';
import { validate } from './validation';

export { MAX_BODY_BYTES };
/** The IAM-authorized routes (/ops/*): only there does an IAM caller make a request ops. */
const IAM_ROUTES = new Set(ROUTES.filter((r) => r.auth === 'iam').map((r) => r.routeKey));
/** Company ids this API issues (functions/api/company-service.ts newId('c')). */
export const COMPANY_ID = new RegExp(COMPANY_ID_PATTERN);

export const metrics = new Metrics({ namespace: 'SecorLifecycle', serviceName: 'secor-lifecycle' });
/*
 * No Powertools Tracer: Lambda active tracing already records every invocation in X-Ray, and the Tracer's
 * handler subsegment was its only use here, at 96 KB of X-Ray SDK per bundle and ~20 ms of cold start
 * (bench: `npm run bench -- --only cold`). Add it back (or ADOT) when per-call subsegments are needed.
 */

/**
 * The event API Gateway (REST API, Lambda proxy integration) passes: the key authorizer's context, flattened
 * into `requestContext.authorizer`, or the IAM caller in `requestContext.identity` on /ops/*.
 */
export type ApiEvent = APIGatewayProxyEvent;
type ApiResult = APIGatewayProxyResult;

/** The route an event is for, as the route table names it: `POST /companies/{companyId}/audits`. */
export const routeKeyOf = (event: ApiEvent) => `${event.httpMethod} ${event.resource}`;

export interface RouteContext<B> {
  body: B;
  principal: Principal;
  params: Record<string, string>;
  query: Record<string, string>;
}

export interface RouteResult<B = unknown> {
  status: number;
  body?: B;
}

/** A route: its operation (contract.ts: roles, request schema, idempotency…) and its handler. */
export interface Route extends Operation {
  handle(ctx: RouteContext<unknown>): Promise<RouteResult>;
}

export type Routes = Record<string, Route>;

/** What the handler of route K receives: the body its request schema validated. */
export type Ctx<K extends RouteKey> = RouteContext<RequestBody<K>>;
/** What the handler of route K answers: its 2xx status and a body of its response schema. */
export interface Reply<K extends RouteKey> {
  status: StatusOf<K>;
  body: ResponseBody<K>;
}
/** A handler of route K (the status is checked where the handler declares Promise<Reply<K>>). */
export type Handler<K extends RouteKey> = (ctx: Ctx<K>) => Promise<RouteResult<ResponseBody<K>>>;

/** The routes of a handler module: each handler with its operation from the contract. */
export function defineRoutes<K extends RouteKey>(handlers: { [P in K]: Handler<P> }): Routes {
  const routes: Routes = {};
  for (const [key, handle] of Object.entries(handlers) as [K, Handler<K>][]) {
    routes[key] = { ...OPERATIONS[key], handle: handle as Route['handle'] };
  }
  return routes;
}

interface Parsed {
  route: Route;
  ctx: RouteContext<unknown>;
}

/** Parsed requests, by event: what the parser hands to the handler. */
const parsedRequests = new WeakMap<object, Parsed>();

const json = (statusCode: number, body: unknown): ApiResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: body === undefined ? '' : JSON.stringify(body),
});

/**
 * Who is calling: ops only from IAM on an IAM-authorized route (/ops/*: API Gateway checked the SigV4 signature;
 * locally, the gateway standing in for it), a company, trainee, assessor or reviewer from the key authorizer's
 * context; anyone else is public.
 */
export function principalOf(event: ApiEvent): Principal {
  const identity = event.requestContext.identity as { userArn?: string | null } | undefined;
  if (IAM_ROUTES.has(routeKeyOf(event)) && identity?.userArn) return { role: 'ops', id: identity.userArn };
  const l = (event.requestContext.authorizer ?? {}) as Record<string, unknown>;
  const session = typeof l.session === 'string' ? { session: l.session } : {};
  if (l.role === 'company' && typeof l.companyId === 'string')
    return { role: 'company', companyId: l.companyId, ...session };
  if (l.role === 'trainee' && typeof l.companyId === 'string')
    return { role: 'trainee', companyId: l.companyId, ...session };
  const regions = typeof l.regions === 'string' && l.regions !== '' ? { regions: l.regions.split(',') } : {};
  if (l.role === 'assessor' && typeof l.assessorId === 'string')
    return { role: 'assessor', assessorId: l.assessorId, ...regions };
  if (l.role === 'reviewer' && typeof l.reviewerId === 'string')
    return { role: 'reviewer', reviewerId: l.reviewerId, ...regions };
  return { role: 'public' };
}

function header(event: ApiEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

function parseBody(event: ApiEvent): unknown {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) {
    throw new HttpError(400, 'VALIDATION_FAILED', `the body must be at most ${MAX_BODY_BYTES / 1024} KB`, [
      { path: '/', message: `must be at most ${MAX_BODY_BYTES} bytes` },
    ]);
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'MALFORMED_JSON', 'the body is not valid JSON');
  }
}

/** Parses and authorizes the request; stores the route and context on `request.internal`. */
function requestParser(routes: Routes): MiddlewareObj<ApiEvent, ApiResult> {
  return {
    before: (request) => {
      const event = request.event;
      const routeKey = routeKeyOf(event);
      const route = routes[routeKey];
      if (!route) throw notFound(`route ${routeKey}`);
      const principal = principalOf(event);
      const params = (event.pathParameters ?? {}) as Record<string, string>;
      authorize(principal, route.roles, params.companyId);
      if (params.companyId !== undefined && !COMPANY_ID.test(params.companyId))
        throw notFound(`company ${params.companyId.slice(0, 40)}`);
      // Unknown query parameters are refused: a misspelt filter must not silently list everything.
      const unknown = Object.keys(event.queryStringParameters ?? {}).filter(
        (q) => !Object.hasOwn(route.query ?? {}, q),
      );
      if (unknown.length > 0) {
        throw new HttpError(
          400,
          'VALIDATION_FAILED',
          `unknown query parameter${unknown.length > 1 ? 's' : ''}: ${unknown.map((q) => q.slice(0, 40)).join(', ')}`,
          unknown.map((q) => ({
            path: `query:${q.slice(0, 40)}`,
            message: 'is not a parameter of this route',
          })),
        );
      }
      const parsed = route.request ? parseBody(event) : undefined;
      // An empty body is {}; a JSON null is refused: with the required fields when there are some.
      if (route.request && parsed === null) {
        validate(route.request, {});
        throw new HttpError(400, 'VALIDATION_FAILED', 'the body must be a JSON object', [
          { path: '/', message: 'must be object' },
        ]);
      }
      const body = route.request ? validate(route.request, parsed === undefined ? {} : parsed) : undefined;
      const ctx: RouteContext<unknown> = {
        body,
        principal,
        params,
        query: (event.queryStringParameters ?? {}) as Record<string, string>,
      };
      parsedRequests.set(event, { route, ctx });
      logger.appendKeys({ route: routeKey, role: principal.role, companyId: params.companyId });
      const key = header(event, 'idempotency-key');
      if (key !== undefined && (key.length < 1 || key.length > 200)) {
        throw new HttpError(400, 'VALIDATION_FAILED', 'Idempotency-Key must be 1 to 200 characters', [
          { path: 'header:Idempotency-Key', message: 'must be 1 to 200 characters' },
        ]);
      }
      // The key is scoped to the caller and the route: two companies may use the same key value.
      const scope =
        principal.role === 'company' || principal.role === 'trainee'
          ? `${principal.role}:${principal.companyId}`
          : principal.role === 'assessor'
            ? principal.assessorId
            : principal.role === 'reviewer'
              ? principal.reviewerId
              : principal.role;
      (event as ApiEvent & { idempotency?: unknown }).idempotency =
        route.idempotent && key
          ? { key, scope, route: routeKey, path: event.path, body: parsed ?? null }
          : null;
    },
  };
}

/** Powertools' error when an idempotency record it saw a moment ago was deleted before it could read it. */
const RELEASED = 'IdempotencyItemNotFoundError';

/** Maps every error to the contract's error body; anything unexpected is a logged 500 without internals. */
const errorHandler: MiddlewareObj<ApiEvent, ApiResult> = {
  onError: (request: Request<ApiEvent, ApiResult>) => {
    const e = request.error as Error & { name?: string };
    let response: ApiResult;
    if (e instanceof HttpError) response = json(e.statusCode, errorBody(e.code, e.message, e.details));
    else if (isDomainError(e))
      response = json(
        e.code === 'CONFLICT' ? 409 : e.code === 'VALIDATION_FAILED' ? 400 : 422,
        errorBody(e.code, e.message, e.details),
      );
    else if (e instanceof ConflictError) response = json(409, errorBody('CONFLICT', e.message));
    else if (e instanceof NotFoundError) response = json(404, errorBody('NOT_FOUND', e.message));
    else if (e?.name === 'IdempotencyValidationError') {
      response = json(409, errorBody('CONFLICT', 'this Idempotency-Key was used with a different body'));
    } else if (e?.name === 'IdempotencyAlreadyInProgressError' || e?.name === RELEASED) {
      response = json(
        409,
        errorBody('CONFLICT', 'a request with this Idempotency-Key is still in progress; retry shortly'),
      );
    } else {
      logger.error('unhandled error', e);
      metrics.addMetric('UnhandledErrors', MetricUnit.Count, 1);
      response = json(500, errorBody('INTERNAL', 'an unexpected error occurred; it has been logged'));
    }
    request.response = response;
  },
};

/** Fields of a response body that are secrets: answered once, never stored (idempotency records included). */
export const SECRET_RESPONSE_FIELDS = ['apiKey', 'sessionKey'] as const;

/** The response as the idempotency record may keep it: its body without SECRET_RESPONSE_FIELDS. */
export function withoutSecrets<R extends ApiResult | null>(response: R): R {
  if (!response || typeof response !== 'object' || typeof response.body !== 'string') return response;
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    return response;
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return response;
  const kept = Object.fromEntries(
    Object.entries(body).filter(([k]) => !(SECRET_RESPONSE_FIELDS as readonly string[]).includes(k)),
  );
  return { ...response, body: JSON.stringify(kept) } as R;
}

let idempotency: MiddlewareObj | null = null;

/**
 * Powertools Idempotency on the table, applied only when the request carries an Idempotency-Key; null without a
 * table (the OpenAPI function has none, and no idempotent route).
 */
function idempotencyMiddleware(): MiddlewareObj<ApiEvent, ApiResult> | null {
  const tableName = process.env.TABLE_NAME;
  if (!tableName) return null;
  idempotency ??= makeHandlerIdempotent({
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName,
      keyAttr: 'PK',
      sortKeyAttr: 'SK',
      staticPkValue: 'IDEMPOTENCY',
      expiryAttr: 'expiresAt',
    }),
    config: new IdempotencyConfig({
      eventKeyJmesPath: 'idempotency.[scope, route, path, key]',
      payloadValidationJmesPath: 'idempotency.body',
      expiresAfterSeconds: 24 * 3600,
      throwOnNoIdempotencyKey: true,
      // A replay says so: it is the stored first response, without the secrets it carried (see withoutSecrets).
      responseHook: (response) => {
        const r = response as { headers?: Record<string, string> };
        return { ...r, headers: { ...r.headers, 'idempotent-replay': 'true' } };
      },
    }),
  }) as MiddlewareObj;
  const inner = idempotency;
  const active = (r: Request) => Boolean((r.event as { idempotency?: unknown }).idempotency);
  const acquired = new WeakSet<object>();
  return {
    before: async (r) => {
      if (!active(r) || !inner.before) return undefined;
      for (let attempt = 1; ; attempt++) {
        try {
          const out = await inner.before(r as Request);
          acquired.add(r.event); // this request holds the idempotency record (or replayed it)
          return out;
        } catch (e) {
          // The record that made this request's conditional put fail was gone when it was read back: the
          // request holding it failed and released the key (errors are not replayed). DynamoDB Local returns no
          // ALL_OLD item on a failed condition, so this race is wide there. Try to acquire the key again, as a
          // request arriving now would; after a few tries, answer "in progress" (see errorHandler).
          if ((e as Error | undefined)?.name !== RELEASED || attempt >= 3) throw e;
        }
      }
    },
    // The idempotency record keeps the response without its secrets (an issued key or session key): keys are
    // never at rest in plaintext, and whoever replays the request (same key and body) does not receive them.
    after: async (r) => {
      if (!active(r) || !inner.after) return;
      const response = r.response;
      r.response = withoutSecrets(response);
      try {
        await inner.after(r as Request);
      } finally {
        r.response = response;
      }
    },
    // Only a request that acquired the record may release it: a request refused by the idempotency check
    // itself (other body, still in progress) must not delete the first request's record.
    onError: (r) =>
      active(r) && acquired.has(r.event) && inner.onError ? inner.onError(r as Request) : undefined,
  };
}

/** Builds the Lambda handler for a set of routes (one resource). */
export function createApi(routes: Routes) {
  const core = async (event: ApiEvent, _context: Context) => {
    const parsed = parsedRequests.get(event);
    if (!parsed) throw new Error('request was not parsed');
    metrics.addMetric('ApiRequests', MetricUnit.Count, 1);
    const result = await parsed.route.handle(parsed.ctx);
    // 204: no body at all.
    return result.status === 204
      ? { statusCode: 204, headers: {}, body: '' }
      : json(result.status, result.body);
  };
  const idempotent = idempotencyMiddleware();
  return middy<ApiEvent, ApiResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .use(errorHandler)
    .use(requestParser(routes))
    .use(idempotent ? [idempotent] : [])
    .handler(core);
}
