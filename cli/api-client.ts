/**
 * The HTTP client of the SECOR API, shared by the ops CLI, the demo and the benchmarks.
 *
 * Where: `--api-url`, else `SECOR_URL`, else the local runtime at `http://127.0.0.1:${SECOR_PORT:-3000}`.
 * Who: a bearer key per request (a company's, an assessor's), else the client's default: the ops key (given, or
 * the local runtime's `${SECOR_DATA_DIR:-.secor}/ops-key`), or SigV4 (execute-api) from the default AWS
 * credential chain, as the IAM-authorized `/ops/*` routes require in AWS, or nothing (public routes).
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SignatureV4 } from '@smithy/signature-v4';

export const ROOT = path.resolve(__dirname, '..');

export type Json = Record<string, unknown>;

export interface ErrorDetail {
  path?: string;
  message?: string;
}

/** A non-2xx answer (or no answer) from the API: the CLI's exit code 1. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    /** `METHOD /route` of the request that failed. */
    readonly request = '',
  ) {
    super(message);
  }
}

/** Bad options or configuration: the CLI's exit code 2. */
export class UsageError extends Error {}

/** How requests without their own key authenticate. */
export type Auth = { bearer: string } | 'sigv4' | 'none';

export interface Reply<T> {
  status: number;
  /** The parsed JSON body; `{}` when the body is empty or is not JSON (`text` has it as sent). */
  body: T;
  text: string;
  statusText: string;
  /** Whether the body is JSON (an empty body counts as `{}`). */
  isJson: boolean;
}

export const isLoopback = (url: URL) => ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);

/** The data folder of the local runtime (its ops key, clock and tables). */
export const localDataDir = () => path.resolve(process.env.SECOR_DATA_DIR ?? path.join(ROOT, '.secor'));

/** The API base URL: the one given, else SECOR_URL, else the local runtime on SECOR_PORT (3000). */
export function apiBaseUrl(apiUrl?: string): { url: URL; explicit: boolean } {
  const given = apiUrl ?? process.env.SECOR_URL;
  const source = apiUrl !== undefined ? '--api-url' : 'SECOR_URL';
  let url: URL;
  try {
    url = new URL(given ?? `http://127.0.0.1:${process.env.SECOR_PORT ?? 3000}`);
  } catch {
    throw new UsageError(`${source} ${given} is not a URL`);
  }
  if (!['http:', 'https:'].includes(url.protocol)) throw new UsageError(`${source} must be http(s)`);
  return { url, explicit: given !== undefined };
}

/** The local runtime's ops key, or undefined when its file does not exist. */
export function localOpsKey(): { key?: string; file: string } {
  const file = path.join(localDataDir(), 'ops-key');
  return existsSync(file) ? { key: readFileSync(file, 'utf8').trim(), file } : { file };
}

type SourceData = string | ArrayBuffer | ArrayBufferView;

const bytes = (data: SourceData): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** SHA-256 (HMAC-SHA-256 with a secret) on node:crypto, in the shape @smithy/signature-v4 takes. */
class Sha256 {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }

  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }

  reset(): void {
    this.hash = this.fresh();
  }
}

/** The region of an execute-api URL, else AWS_REGION / AWS_DEFAULT_REGION. */
function regionFor(url: URL): string {
  const fromUrl = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1];
  const region = fromUrl ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new UsageError(
      `cannot tell the AWS region of ${url.origin}: set AWS_REGION (needed to sign requests with SigV4)`,
    );
  }
  return region;
}

export class ApiClient {
  readonly baseUrl: URL;
  private signer?: Promise<SignatureV4>;

  constructor(
    baseUrl: URL | string,
    readonly auth: Auth = 'none',
  ) {
    this.baseUrl = typeof baseUrl === 'string' ? new URL(baseUrl) : baseUrl;
  }

  /**
   * The ops client: the ops key given, else the local runtime's (unless the API is not on this machine), else
   * SigV4 for an API in AWS.
   */
  static forOps(options: { apiUrl?: string; opsKey?: string }): ApiClient {
    const { url, explicit } = apiBaseUrl(options.apiUrl);
    let key = options.opsKey;
    if (key === undefined && (!explicit || isLoopback(url))) {
      const local = localOpsKey();
      key = local.key;
      if (key === undefined && !explicit) {
        throw new UsageError(
          `no ops key: ${local.file} does not exist. Start the local runtime (npm start), pass --ops-key, ` +
            'or --api-url for AWS',
        );
      }
    }
    if (key !== undefined && key.trim() === '') throw new UsageError('--ops-key is empty');
    return new ApiClient(url, key !== undefined ? { bearer: key } : 'sigv4');
  }

  /** One request, whatever its status: the status and the parsed body (`ok` goes through it too). */
  async call<T = Json>(
    method: string,
    route: string,
    body?: unknown,
    key?: string,
    query: Json = {},
  ): Promise<Reply<T>> {
    const { status, statusText, text, parsed } = await this.send(method, route, body, key, query);
    return { status, statusText, text, isJson: parsed !== undefined, body: (parsed ?? {}) as T };
  }

  /** One request that must succeed: the parsed JSON body of a 2xx answer, or an ApiError. */
  async ok<T = Json>(
    method: string,
    route: string,
    body?: unknown,
    key?: string,
    query: Json = {},
  ): Promise<T> {
    const reply = await this.call<unknown>(method, route, body, key, query);
    const { status, statusText, text } = reply;
    const parsed = reply.isJson ? reply.body : undefined;
    const request = `${method} ${route}`;
    if (status < 200 || status > 299) {
      const error = (parsed as { error?: { code?: unknown; message?: unknown; details?: unknown } })?.error;
      if (error && typeof error.code === 'string') {
        throw new ApiError(
          status,
          error.code,
          String(error.message ?? ''),
          Array.isArray(error.details) ? (error.details as ErrorDetail[]) : [],
          request,
        );
      }
      // Not the contract's body: API Gateway itself (IAM denial: {"message":"Forbidden"}), a proxy…
      const message = (parsed as { message?: unknown })?.message;
      throw new ApiError(
        status,
        `HTTP_${status}`,
        typeof message === 'string' ? message : text.slice(0, 200) || statusText,
        [],
        request,
      );
    }
    if (parsed === undefined)
      throw new ApiError(status, 'BAD_RESPONSE', 'the response is not JSON', [], request);
    return parsed as T;
  }

  private async send(method: string, route: string, body: unknown, key: string | undefined, query: Json) {
    const url = new URL(this.baseUrl.pathname.replace(/\/+$/, '') + route, this.baseUrl);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let headers: Record<string, string> = {
      accept: 'application/json',
      ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
    };
    const auth: Auth = key !== undefined ? { bearer: key } : this.auth;
    if (auth === 'sigv4') headers = await this.sign(method, url, headers, payload);
    else if (auth !== 'none') headers.authorization = `Bearer ${auth.bearer}`;
    let res: Response;
    try {
      res = await fetch(url, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new ApiError(
        0,
        'UNREACHABLE',
        `cannot reach ${this.baseUrl.origin}: ${cause?.code ?? cause?.message ?? (e as Error).message}` +
          (isLoopback(this.baseUrl) ? ' (is the local runtime running? npm start)' : ''),
        [],
        `${method} ${route}`,
      );
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = undefined;
    }
    return { status: res.status, statusText: res.statusText, text, parsed };
  }

  /** SigV4 for execute-api, credentials from the default provider chain (env, profile, SSO, role…). */
  private async sign(
    method: string,
    url: URL,
    headers: Record<string, string>,
    payload: string | undefined,
  ): Promise<Record<string, string>> {
    this.signer ??= (async () => {
      const [{ SignatureV4 }, { defaultProvider }] = await Promise.all([
        import('@smithy/signature-v4'),
        import('@aws-sdk/credential-provider-node'),
      ]);
      return new SignatureV4({
        service: 'execute-api',
        region: regionFor(url),
        credentials: defaultProvider(),
        sha256: Sha256,
      });
    })();
    const signer = await this.signer;
    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => (query[k] = v));
    let signed: { headers: Record<string, string> };
    try {
      signed = await signer.sign({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query,
        headers: { ...headers, host: url.host },
        ...(payload !== undefined ? { body: payload } : {}),
      });
    } catch (e) {
      throw new ApiError(0, 'NO_CREDENTIALS', `cannot sign the request: ${(e as Error).message}`);
    }
    // fetch sets Host itself (the same value).
    return Object.fromEntries(Object.entries(signed.headers).filter(([k]) => k.toLowerCase() !== 'host'));
  }
}
