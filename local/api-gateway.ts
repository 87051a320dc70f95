/**
 * A local stand-in for API Gateway (HTTP API): matches a request to a route of the API, runs the Lambda
 * authorizer the way the Api construct wires it, and invokes the same handler module with an API Gateway v2
 * event. Used by the local runtime's HTTP server and by the API tests. It also serves the API reference at
 * GET /docs (Swagger UI, from the swagger-ui-dist package: no CDN), which reads GET /openapi.json.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import type { APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { ApiEvent } from '../functions/api/http';
import { AUTHORIZER_MODULE, ROUTES, type RouteBinding } from '../functions/api/route-table';

export { AUTHORIZER_MODULE, ROUTES, type RouteBinding };

type Handler = (event: ApiEvent, context: Context) => Promise<APIGatewayProxyResultV2>;
type Authorizer = (event: never) => Promise<{ isAuthorized: boolean; context: Record<string, string> }>;

export interface LocalRequest {
  method: string;
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
}

export interface LocalResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

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
      params[seg.slice(1, -1)] = decodeURIComponent(value);
    } else if (seg !== value) return null;
  }
  return params;
}

/** The route a request is for, and its path parameters; or whether another method has that path (405). */
export function resolveRoute(
  method: string,
  path: string,
): { binding: RouteBinding; params: Record<string, string> } | { binding: undefined; pathMatched: boolean } {
  let pathMatched = false;
  for (const r of ROUTES) {
    const [m, template] = r.routeKey.split(' ') as [string, string];
    const params = match(template, path);
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
const DOCS_ASSETS: Record<string, { type: string; body: () => string }> = {
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

const json = (statusCode: number, code: string, message: string): LocalResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ error: { code, message } }),
});

/** What API Gateway answers by itself to an IAM-authorized route without a valid signature (HTTP API). */
export const IAM_FORBIDDEN: LocalResponse = {
  statusCode: 403,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ message: 'Forbidden' }),
};

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
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export class LocalApiGateway {
  private readonly modules = new Map<string, Promise<{ handler: Handler }>>();
  private readonly opsKeyHash: Buffer | null;

  /** @param load loads a handler module by its repository path (the runtime imports the real modules) */
  constructor(
    private readonly load: (module: string) => Promise<Record<string, unknown>>,
    options: LocalGatewayOptions = {},
  ) {
    this.opsKeyHash = options.opsKey ? sha256(options.opsKey) : null;
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
      return { statusCode: 200, headers: { 'content-type': asset.type }, body: asset.body() };
    }
    const resolved = resolveRoute(method, path);
    if (!resolved.binding) {
      return resolved.pathMatched || asset
        ? json(405, 'NOT_FOUND', `${method} is not allowed on ${path}`)
        : json(404, 'NOT_FOUND', `no route ${method} ${path}`);
    }
    const { binding, params } = resolved;
    const headers = Object.fromEntries(
      Object.entries(req.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    const requestId = randomUUID();
    const event: ApiEvent = {
      version: '2.0',
      routeKey: binding.routeKey,
      rawPath: path,
      rawQueryString: new URLSearchParams(req.query ?? {}).toString(),
      headers,
      ...(req.query && Object.keys(req.query).length ? { queryStringParameters: req.query } : {}),
      ...(Object.keys(params).length ? { pathParameters: params } : {}),
      ...(req.body !== undefined && req.body !== '' ? { body: req.body } : {}),
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: 'localhost',
        domainPrefix: 'localhost',
        http: {
          method,
          path,
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId,
        routeKey: binding.routeKey,
        stage: '$default',
        time: new Date().toISOString(),
        timeEpoch: Date.now(),
      },
    };
    if (binding.auth === 'iam') {
      // IAM (SigV4) in AWS, answered by API Gateway itself when the signature is missing or wrong; here the ops
      // key stands in for the signature. The handler never sees the key.
      if (!this.signedByOps(headers)) return IAM_FORBIDDEN;
      event.requestContext.authorizer = { iam: { userArn: LOCAL_OPS_ARN } };
    } else if (binding.auth === 'key') {
      // As the Api construct wires it: no identity source and no cache, so the authorizer runs on every
      // request, also one without an Authorization header.
      const authorizer = (await this.module(AUTHORIZER_MODULE)) as unknown as { handler: Authorizer };
      const result = await authorizer.handler({ ...event, type: 'REQUEST', identitySource: [] } as never);
      if (!result.isAuthorized) return json(403, 'FORBIDDEN', 'not authorized');
      event.requestContext.authorizer = { lambda: result.context };
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
    const result = (await handler(event, context)) as APIGatewayProxyStructuredResultV2;
    return {
      statusCode: result.statusCode ?? 200,
      headers: (result.headers ?? {}) as Record<string, string>,
      body: typeof result.body === 'string' ? result.body : '',
    };
  }
}
