/**
 * A local stand-in for API Gateway (REST API) and its firewall (AWS WAF): applies the per-IP rate rules, matches a
 * request to a route of the API, runs the Lambda authorizer the way the Api construct wires it, and invokes the
 * same handler module with the REST API's Lambda proxy event. What it answers itself (no route, no signature,
 * throttled) is the Api construct's gateway responses and firewall answers, from the same table
 * (functions/api/edge.ts). Used by the local runtime's HTTP server and by the API tests. It also serves the API reference at
 * GET /docs (Swagger UI, from the swagger-ui-dist package: no CDN), which reads GET /openapi.json.
 */
import { STATUS_PAGE_CSP, STATUS_PAGE_HTML, STATUS_PAGE_JS } from '../portal/status-page';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import type { APIGatewayAuthorizerResult, APIGatewayProxyResult, Context } from 'aws-lambda';
import {
  edgeBody,
  GATEWAY_RESPONSES,
  NO_METHOD,
  NO_ROUTE,
  RATE_RULES,
  type EdgeAnswer,
  type RateRule,
} from '../functions/api/edge';
import type { ApiEvent } from '../functions/api/http';
import { AUTHORIZER_MODULE, ROUTES, type RouteBinding } from '../functions/api/route-table';

export { AUTHORIZER_MODULE, ROUTES, type RouteBinding };

type Handler = (event: ApiEvent, context: Context) => Promise<APIGatewayProxyResult>;
type Authorizer = (event: never) => Promise<APIGatewayAuthorizerResult>;

export interface LocalRequest {
  method: string;
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
  /** The caller's address (the HTTP server passes the socket's); the rate rules count per address. */
  sourceIp?: string;
}

export interface LocalResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** A path whose percent-encoding is not valid UTF-8 (`%FF`, `%%`): refused before any route. */
class MalformedPath extends Error {}

function match(template: string, path: string): Record<string, string> | null {
  const t = template.split('/');
  const p = path.split('/');
  if (t.length !== p.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const seg = t[i] as string;
    const value = p[i] as string;
    if (seg.startsWith('{') && seg.endsWith('}')) {
      if (value === '') return null;
      try {
        params[seg.slice(1, -1)] = decodeURIComponent(value);
      } catch {
        throw new MalformedPath();
      }
    } else if (seg !== value) return null;
  }
  return params;
}

/** The route a request is for, and its path parameters; or whether another method has that path (405). */
export function resolveRoute(
  method: string,
  path: string,
):
  | { binding: RouteBinding; params: Record<string, string> }
  | { binding: undefined; pathMatched: boolean }
  | { binding: undefined; pathMatched: false; malformed: true } {
  let pathMatched = false;
  for (const r of ROUTES) {
    const [m, template] = r.routeKey.split(' ') as [string, string];
    let params: Record<string, string> | null;
    try {
      params = match(template, path);
    } catch (e) {
      if (e instanceof MalformedPath) return { binding: undefined, pathMatched: false, malformed: true };
      throw e;
    }
    if (!params) continue;
    pathMatched = true;
    if (m === method.toUpperCase()) return { binding: r, params };
  }
  return { binding: undefined, pathMatched };
}

/** The API reference page: Swagger UI reading this API's OpenAPI document. */
const DOCS_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>SECOR Lifecycle API reference</title>
    <link rel="stylesheet" href="/docs/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui" data-spec-url="/openapi.json"></div>
    <script src="/docs/swagger-ui-bundle.js"></script>
    <script src="/docs/init.js"></script>
  </body>
</html>
`;
const DOCS_INIT = `window.ui = SwaggerUIBundle({
  url: document.getElementById('swagger-ui').dataset.specUrl,
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;
const JS = 'text/javascript; charset=utf-8';
/** The files of GET /docs: the page, its initializer, and Swagger UI's bundle and styles. */
const DOCS_ASSETS: Record<string, { type: string; body: () => string; csp?: string }> = {
  // The page email links open (signs the person in, shows the company's status): portal/status-page.ts.
  '/': { type: 'text/html; charset=utf-8', body: () => STATUS_PAGE_HTML, csp: STATUS_PAGE_CSP },
  '/status.js': { type: JS, body: () => STATUS_PAGE_JS },
  '/docs': { type: 'text/html; charset=utf-8', body: () => DOCS_PAGE },
  '/docs/init.js': { type: JS, body: () => DOCS_INIT },
  '/docs/swagger-ui-bundle.js': { type: JS, body: () => swaggerUiFile('swagger-ui-bundle.js') },
  '/docs/swagger-ui.css': { type: 'text/css; charset=utf-8', body: () => swaggerUiFile('swagger-ui.css') },
};
const swaggerUiFiles = new Map<string, string>();
function swaggerUiFile(name: string): string {
  let body = swaggerUiFiles.get(name);
  if (body === undefined) {
    const dir = nodePath.dirname(require.resolve('swagger-ui-dist/package.json'));
    // The stylesheet's last line points to a source map this server does not serve.
    body = readFileSync(nodePath.join(dir, name), 'utf8').replace(
      /\n\/[*/][#@] sourceMappingURL=\S+\s*$/,
      '\n',
    );
    swaggerUiFiles.set(name, body);
  }
  return body;
}

const answer = (a: EdgeAnswer, headers: Record<string, string> = {}): LocalResponse => ({
  statusCode: a.status,
  headers: { 'content-type': 'application/json', ...headers },
  body: edgeBody(a),
});

/** What API Gateway answers by itself to an IAM-authorized route without a valid signature. */
export const IAM_FORBIDDEN: LocalResponse = answer(GATEWAY_RESPONSES.MISSING_AUTHENTICATION_TOKEN);

export const LOCAL_SOURCE_IP = '127.0.0.1';

/** The REST API's Lambda proxy event for a request (as API Gateway builds it). */
export function apiEvent(o: {
  method: string;
  path: string;
  resource: string;
  headers: Record<string, string>;
  query?: Record<string, string> | undefined;
  params?: Record<string, string>;
  body?: string | undefined;
  requestId: string;
  sourceIp: string;
  authorizer?: Record<string, unknown>;
}): ApiEvent {
  const query = o.query && Object.keys(o.query).length ? o.query : null;
  const params = o.params && Object.keys(o.params).length ? o.params : null;
  return {
    resource: o.resource,
    path: o.path,
    httpMethod: o.method,
    headers: o.headers,
    multiValueHeaders: Object.fromEntries(Object.entries(o.headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: query,
    multiValueQueryStringParameters: query
      ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]]))
      : null,
    pathParameters: params,
    stageVariables: null,
    body: o.body !== undefined && o.body !== '' ? o.body : null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: o.authorizer ?? null,
      protocol: 'HTTP/1.1',
      httpMethod: o.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: o.sourceIp,
        user: null,
        userAgent: o.headers['user-agent'] ?? null,
        userArn: null,
      },
      path: o.path,
      stage: 'local',
      requestId: o.requestId,
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: o.resource,
    },
  };
}

/**
 * The firewall's rate-based rules, counted per source address over a sliding window of real time (as AWS WAF
 * does; the virtual clock is for the lifecycle, not for request rates).
 */
class RateLimiter {
  private readonly seen = new Map<string, number[]>();

  constructor(private readonly rules: RateRule[]) {}

  /** The rule this request breaks (it is not counted then), or null (it is counted against each rule). */
  check(routeKey: string | undefined, sourceIp: string, nowMs: number): RateRule | null {
    const applicable = this.rules.filter((r) => !r.routes || (routeKey && r.routes.includes(routeKey)));
    for (const rule of applicable) {
      const key = `${rule.name} ${sourceIp}`;
      const since = nowMs - rule.windowSeconds * 1000;
      const times = (this.seen.get(key) ?? []).filter((t) => t > since);
      this.seen.set(key, times);
      if (times.length >= rule.limit) return rule;
    }
    for (const rule of applicable) this.seen.get(`${rule.name} ${sourceIp}`)?.push(nowMs);
    return null;
  }
}

/** The IAM principal the local gateway reports for the ops key (an IAM user ARN, as API Gateway passes it). */
export const LOCAL_OPS_ARN = 'arn:aws:iam::000000000000:user/secor-local-ops';

export interface LocalGatewayOptions {
  /**
   * The ops key: on IAM-authorized routes (/ops/*) the gateway stands in for IAM and accepts
   * `Authorization: Bearer <ops key>` in place of a SigV4 signature. Nothing else knows it: it is not a key
   * item, and the key authorizer never grants ops (on the company routes the ops key is an unknown key, as a
   * SigV4 signature is there in AWS).
   */
  opsKey?: string;
  /** The firewall's per-IP rate rules (functions/api/edge.ts RATE_RULES, as the stack's web ACL has them). */
  rateRules?: RateRule[];
}

/** Whether an authorizer's policy allows invoking this method (Allow on it, no Deny). */
function allows(result: APIGatewayAuthorizerResult, methodArn: string): boolean {
  const statements = result.policyDocument?.Statement ?? [];
  const covers = (st: (typeof statements)[number]) => {
    const resources = ('Resource' in st ? [st.Resource].flat() : []).filter(
      (r): r is string => typeof r === 'string',
    );
    return resources.some(
      (r) => r === methodArn || r === '*' || (r.endsWith('*') && methodArn.startsWith(r.slice(0, -1))),
    );
  };
  return (
    statements.some((st) => st.Effect === 'Allow' && covers(st)) &&
    !statements.some((st) => st.Effect === 'Deny' && covers(st))
  );
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export class LocalApiGateway {
  private readonly modules = new Map<string, Promise<{ handler: Handler }>>();
  private readonly opsKeyHash: Buffer | null;
  private readonly limiter: RateLimiter;

  /** @param load loads a handler module by its repository path (the runtime imports the real modules) */
  constructor(
    private readonly load: (module: string) => Promise<Record<string, unknown>>,
    options: LocalGatewayOptions = {},
  ) {
    this.opsKeyHash = options.opsKey ? sha256(options.opsKey) : null;
    this.limiter = new RateLimiter(options.rateRules ?? RATE_RULES);
  }

  /** IAM's stand-in: whether the request carries the ops key. */
  private signedByOps(headers: Record<string, string>): boolean {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
    return Boolean(m && this.opsKeyHash && timingSafeEqual(sha256(m[1] as string), this.opsKeyHash));
  }

  private module(path: string): Promise<{ handler: Handler }> {
    let m = this.modules.get(path);
    if (!m) {
      m = this.load(path) as Promise<{ handler: Handler }>;
      this.modules.set(path, m);
    }
    return m;
  }

  async invoke(req: LocalRequest): Promise<LocalResponse> {
    const method = req.method.toUpperCase();
    const path = req.path.replace(/\/+$/, '') || '/';
    const asset = DOCS_ASSETS[path];
    if (asset && method === 'GET') {
      return {
        statusCode: 200,
        headers: {
          'content-type': asset.type,
          ...(asset.csp ? { 'content-security-policy': asset.csp, 'referrer-policy': 'no-referrer' } : {}),
        },
        body: asset.body(),
      };
    }
    const resolved = resolveRoute(method, path);
    if ('malformed' in resolved) return answer(GATEWAY_RESPONSES.DEFAULT_4XX);
    // The firewall sees every request before API Gateway does.
    const broken = this.limiter.check(
      resolved.binding?.routeKey,
      req.sourceIp ?? LOCAL_SOURCE_IP,
      Date.now(),
    );
    if (broken) return answer(broken.answer, { 'retry-after': String(broken.windowSeconds) });
    if (!resolved.binding) return answer(resolved.pathMatched || asset ? NO_METHOD : NO_ROUTE);
    const { binding, params } = resolved;
    const headers = Object.fromEntries(
      Object.entries(req.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    const requestId = randomUUID();
    const resource = binding.routeKey.slice(method.length + 1);
    const event = apiEvent({
      method,
      path,
      resource,
      headers,
      query: req.query,
      params,
      body: req.body,
      requestId,
      sourceIp: req.sourceIp ?? LOCAL_SOURCE_IP,
    });
    if (binding.auth === 'iam') {
      // IAM (SigV4) in AWS, answered by API Gateway itself when the signature is missing or wrong; here the ops
      // key stands in for the signature. The handler never sees the key.
      if (!this.signedByOps(headers)) return IAM_FORBIDDEN;
      event.requestContext.identity.userArn = LOCAL_OPS_ARN;
      event.requestContext.identity.caller = LOCAL_OPS_ARN;
    } else if (binding.auth === 'key') {
      // As the Api construct wires it: no identity source and no cache, so the authorizer runs on every
      // request, also one without an Authorization header.
      const authorizer = (await this.module(AUTHORIZER_MODULE)) as unknown as { handler: Authorizer };
      const methodArn = `arn:aws:execute-api:ca-central-1:000000000000:local/local/${method}${path}`;
      let result: APIGatewayAuthorizerResult;
      try {
        result = await authorizer.handler({
          type: 'REQUEST',
          methodArn,
          resource: event.resource,
          path: event.path,
          httpMethod: method,
          headers,
          multiValueHeaders: event.multiValueHeaders,
          pathParameters: event.pathParameters,
          queryStringParameters: event.queryStringParameters,
          multiValueQueryStringParameters: event.multiValueQueryStringParameters,
          stageVariables: null,
          requestContext: event.requestContext,
        } as never);
      } catch (e) {
        // A Lambda authorizer refuses with the error "Unauthorized"; any other error is API Gateway's 500.
        return (e as Error).message === 'Unauthorized'
          ? answer(GATEWAY_RESPONSES.UNAUTHORIZED)
          : answer(GATEWAY_RESPONSES.DEFAULT_5XX);
      }
      if (!allows(result, methodArn)) return answer(GATEWAY_RESPONSES.ACCESS_DENIED);
      event.requestContext.authorizer = { ...(result.context ?? {}), principalId: result.principalId };
    }
    const { handler } = await this.module(binding.module);
    const context = {
      awsRequestId: requestId,
      functionName: binding.module.replace(/^.*\//, '').replace(/\.ts$/, ''),
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:ca-central-1:000000000000:function:${binding.module}`,
      memoryLimitInMB: '512',
      logGroupName: 'local',
      logStreamName: 'local',
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => 30_000,
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    } satisfies Context;
    const result = await handler(event, context);
    return {
      statusCode: result.statusCode ?? 200,
      headers: (result.headers ?? {}) as Record<string, string>,
      body: typeof result.body === 'string' ? result.body : '',
    };
  }
}
