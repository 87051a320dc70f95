/**
 * `npm run ops -- <command>`: the operations CLI, a client of the ops API (API.md `/ops/*`) and nothing else.
 *
 *   list [--phase P] [--overdue] [--region R] [--limit N]   companies (every page, filtered)
 *   status <companyId>                                       one company's status
 *   history <companyId>                                      its events and, per execution, its states
 *   executions <companyId>                                   its phase executions
 *   redrive <companyId>                                      restart the failed phase
 *   remind <companyId>                                       resend the current step's reminder now
 *   assessor create --name N --email E                       issue an assessor key (shown once)
 *
 * Local runtime by default: http://127.0.0.1:${SECOR_PORT:-3000}, the ops key from
 * ${SECOR_DATA_DIR:-.secor}/ops-key. AWS: `--api-url https://….execute-api.<region>.amazonaws.com`; requests
 * are signed with SigV4 (execute-api) from the default credential chain, as the IAM-authorized /ops/* routes
 * require. Tables for people, `--json` for scripts. Exit codes: 0 ok, 1 API error, 2 usage error.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SignatureV4 } from '@smithy/signature-v4';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { CompanyStatus } from '../domain/status';
import { PHASES } from '../domain/types';

const ROOT = path.resolve(__dirname, '..');

type Json = Record<string, unknown>;

/** A non-2xx answer (or no answer) from the API: exit code 1. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { path?: string; message?: string }[] = [],
  ) {
    super(message);
  }
}

/** Bad options or configuration: exit code 2. */
class UsageError extends Error {}

interface GlobalOptions {
  apiUrl?: string;
  opsKey?: string;
  json?: boolean;
}

// ---- the client ------------------------------------------------------------------------------------------

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

const isLoopback = (url: URL) => ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);

class OpsClient {
  private signer?: Promise<SignatureV4>;

  constructor(
    readonly baseUrl: URL,
    private readonly opsKey: string | undefined,
  ) {}

  static from(options: GlobalOptions): OpsClient {
    let base: URL;
    try {
      base = new URL(options.apiUrl ?? `http://127.0.0.1:${process.env.SECOR_PORT ?? 3000}`);
    } catch {
      throw new UsageError(`--api-url ${options.apiUrl} is not a URL`);
    }
    if (!['http:', 'https:'].includes(base.protocol)) throw new UsageError('--api-url must be http(s)');
    let key = options.opsKey;
    // The local runtime's key, unless an API URL that is not on this machine was given (AWS: SigV4).
    if (key === undefined && (options.apiUrl === undefined || isLoopback(base))) {
      const dataDir = path.resolve(process.env.SECOR_DATA_DIR ?? path.join(ROOT, '.secor'));
      const file = path.join(dataDir, 'ops-key');
      if (existsSync(file)) key = readFileSync(file, 'utf8').trim();
      else if (options.apiUrl === undefined) {
        throw new UsageError(
          `no ops key: ${file} does not exist. Start the local runtime (npm start), pass --ops-key, ` +
            'or --api-url for AWS',
        );
      }
    }
    if (key !== undefined && key.trim() === '') throw new UsageError('--ops-key is empty');
    return new OpsClient(base, key);
  }

  /** One request; the parsed JSON body of a 2xx answer, or an ApiError. */
  async request<T = Json>(method: string, route: string, body?: unknown, query: Json = {}): Promise<T> {
    const url = new URL(this.baseUrl.pathname.replace(/\/+$/, '') + route, this.baseUrl);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let headers: Record<string, string> = {
      accept: 'application/json',
      ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
    };
    if (this.opsKey !== undefined) headers.authorization = `Bearer ${this.opsKey}`;
    else headers = await this.sign(method, url, headers, payload);
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
      );
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const error = (parsed as { error?: { code?: unknown; message?: unknown; details?: unknown } })?.error;
      if (error && typeof error.code === 'string') {
        throw new ApiError(
          res.status,
          error.code,
          String(error.message ?? ''),
          Array.isArray(error.details) ? (error.details as { path?: string; message?: string }[]) : [],
        );
      }
      // Not the contract's body: API Gateway itself (IAM denial: {"message":"Forbidden"}), a proxy…
      const message = (parsed as { message?: unknown })?.message;
      throw new ApiError(
        res.status,
        `HTTP_${res.status}`,
        typeof message === 'string' ? message : text.slice(0, 200) || res.statusText,
      );
    }
    if (parsed === undefined) throw new ApiError(res.status, 'BAD_RESPONSE', 'the response is not JSON');
    return parsed as T;
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

// ---- output ----------------------------------------------------------------------------------------------

const out = (s = ''): void => void process.stdout.write(`${s}\n`);
const printJson = (value: unknown): void => out(JSON.stringify(value, null, 2));

function cell(v: unknown): string {
  if (v === undefined || v === null || v === '') return '-';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Aligned columns with a header row; `-` for empty cells. */
function printTable(rows: Json[], columns: [key: string, title: string][]): void {
  const cells = rows.map((r) => columns.map(([k]) => cell(r[k])));
  const widths = columns.map(([, title], i) =>
    Math.max(title.length, ...cells.map((c) => (c[i] as string).length)),
  );
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  out(line(columns.map(([, title]) => title)));
  for (const c of cells) out(line(c));
}

/** A record as `field  value` lines. */
function printFields(fields: [string, unknown][]): void {
  const width = Math.max(...fields.map(([k]) => k.length));
  for (const [k, v] of fields) out(`${k.padEnd(width)}  ${cell(v)}`);
}

// ---- commands --------------------------------------------------------------------------------------------

interface CompanyItem {
  companyId: string;
  legalName: string;
  region: string;
  phase: string;
  maintenanceYear?: number;
  nextDeadline: { step: string; dueOn: string } | null;
  overdue: boolean;
}

interface ExecutionItem {
  name: string;
  executionArn: string;
  phase: string;
  status: string;
  startedAt?: string;
  stoppedAt?: string;
}

interface HistoryItem {
  timestamp?: string;
  type: string;
  state?: string;
}

/** The status as JSON carries it (timestamps and dates are strings). */
type Status = CompanyStatus;

const companyPath = (id: string) => `/ops/companies/${encodeURIComponent(id)}`;

async function list(
  client: OpsClient,
  options: { phase?: string; overdue?: boolean; region?: string; limit?: number },
): Promise<CompanyItem[]> {
  const region = options.region?.toUpperCase();
  const items: CompanyItem[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.request<{ items: CompanyItem[]; cursor?: string }>(
      'GET',
      '/ops/companies',
      undefined,
      {
        phase: options.phase,
        overdue: options.overdue ? 'true' : undefined,
        // The API has no region filter: fetch whole pages and filter here.
        limit: region ? 500 : Math.min(500, (options.limit ?? Infinity) - items.length),
        cursor,
      },
    );
    items.push(...page.items.filter((c) => !region || c.region === region));
    cursor = page.cursor;
  } while (cursor && items.length < (options.limit ?? Infinity));
  return options.limit ? items.slice(0, options.limit) : items;
}

function describeStatus(s: Status): [string, unknown][] {
  const d = s.nextDeadline;
  const t = s.training;
  const lastAudit = s.audits.at(-1);
  const openActions = (s.correctiveActions ?? []).filter((a) => a.status === 'OPEN').length;
  return [
    ['company', s.companyId],
    ['legal name', s.legalName],
    ['region', `${s.region} (${s.employeeCount} employees${s.industry ? `, ${s.industry}` : ''})`],
    ['contact', s.contact ? `${s.contact.name} <${s.contact.email}>` : null],
    [
      'phase',
      `${s.phase}, cycle ${s.cycle}${s.maintenanceYear ? `, maintenance year ${s.maintenanceYear}` : ''}`,
    ],
    ['next deadline', d ? `${d.step} due ${d.dueOn}${d.opensOn ? ` (opens ${d.opensOn})` : ''}` : null],
    ['overdue', s.overdue ? 'yes' : 'no'],
    ['trainee', s.trainee ? `${s.trainee.name} <${s.trainee.email}>` : null],
    [
      'training',
      t.passedOn
        ? `passed ${t.passedOn}, expires ${t.expiresOn ?? '-'}`
        : s.trainee || t.attempts.length
          ? `${t.attempts.length} attempt(s), ${t.attemptsLeft} left`
          : null,
    ],
    [
      'program',
      s.program
        ? `${s.program.manualTitle} v${s.program.manualVersion}, since ${s.program.implementedSince}`
        : null,
    ],
    [
      'audits',
      lastAudit
        ? `${s.audits.length}; last: ${lastAudit.type} ${lastAudit.completedOn} ${lastAudit.overallScore} % ` +
          `${lastAudit.passed ? 'passed' : 'failed'}`
        : null,
    ],
    ['corrective', openActions ? `${openActions} open` : null],
    [
      'certificate',
      s.certificate
        ? `${s.certificate.certificateNumber} ${s.certificate.status}, ${s.certificate.issuedOn} → ${s.certificate.expiresOn}`
        : null,
    ],
    ...(s.failure
      ? ([['failure', `${s.failure.phase} at ${s.failure.at}: ${s.failure.cause}`]] as [string, unknown][])
      : []),
    ['execution', s.execution],
    ['events', `${s.history.length} (last: ${s.history.at(-1)?.type ?? '-'})`],
  ];
}

function program(): Command {
  const cli = new Command('ops')
    .description('SECOR operations: a client of the ops API (local runtime by default, AWS with --api-url)')
    .option('--api-url <url>', 'API base URL (default: the local runtime, http://127.0.0.1:$SECOR_PORT)')
    .option('--ops-key <key>', 'ops key (default: $SECOR_DATA_DIR/ops-key locally; SigV4 with --api-url)')
    .option('--json', 'print JSON (for scripts) instead of tables')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  const run =
    <A extends unknown[]>(fn: (client: OpsClient, json: boolean, ...args: A) => Promise<void>) =>
    async (...args: A) => {
      const globals = cli.opts<GlobalOptions>();
      await fn(OpsClient.from(globals), globals.json === true, ...args);
    };

  cli
    .command('list')
    .description('list companies, every page (optionally by phase, overdue only, by region)')
    .addOption(new Option('--phase <phase>', 'only this phase').choices(PHASES))
    .option('--overdue', 'only companies whose deadline has passed and was not escalated yet')
    .option('--region <region>', 'only this region (AB, BC, …)')
    .option('--limit <n>', 'at most this many companies', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
      return n;
    })
    .action(
      run(
        async (
          client,
          json,
          options: { phase?: string; overdue?: boolean; region?: string; limit?: number },
        ) => {
          const items = await list(client, options);
          if (json) return printJson({ items });
          printTable(
            items.map((c) => ({
              ...c,
              phase: c.maintenanceYear ? `${c.phase} (year ${c.maintenanceYear})` : c.phase,
              step: c.nextDeadline?.step,
              dueOn: c.nextDeadline?.dueOn,
              overdue: c.overdue ? 'OVERDUE' : '',
            })),
            [
              ['companyId', 'COMPANY'],
              ['legalName', 'LEGAL NAME'],
              ['region', 'REGION'],
              ['phase', 'PHASE'],
              ['step', 'NEXT STEP'],
              ['dueOn', 'DUE ON'],
              ['overdue', 'OVERDUE'],
            ],
          );
          out(`${items.length} compan${items.length === 1 ? 'y' : 'ies'}`);
        },
      ),
    );

  cli
    .command('status')
    .description("a company's status")
    .argument('<companyId>')
    .action(
      run(async (client, json, id: string) => {
        const s = await client.request<Status>('GET', companyPath(id));
        if (json) return printJson(s);
        printFields(describeStatus(s));
      }),
    );

  cli
    .command('executions')
    .description("a company's phase executions")
    .argument('<companyId>')
    .action(
      run(async (client, json, id: string) => {
        const r = await client.request<{ items: ExecutionItem[] }>('GET', `${companyPath(id)}/executions`);
        if (json) return printJson(r);
        printTable(r.items as unknown as Json[], [
          ['name', 'EXECUTION'],
          ['phase', 'PHASE'],
          ['status', 'STATUS'],
          ['startedAt', 'STARTED'],
          ['stoppedAt', 'STOPPED'],
        ]);
      }),
    );

  cli
    .command('history')
    .description("a company's events and, per execution, its state-by-state history")
    .argument('<companyId>')
    .action(
      run(async (client, json, id: string) => {
        const status = await client.request<Status>('GET', companyPath(id));
        const { items } = await client.request<{ items: ExecutionItem[] }>(
          'GET',
          `${companyPath(id)}/executions`,
        );
        const executions = [];
        for (const e of items) {
          const h = await client.request<{ items: HistoryItem[] }>(
            'GET',
            `${companyPath(id)}/executions/${encodeURIComponent(e.name)}/history`,
          );
          executions.push({ ...e, history: h.items });
        }
        if (json) return printJson({ companyId: status.companyId, events: status.history, executions });
        out(`Events of ${status.companyId} (${status.legalName})`);
        printTable(
          status.history.map((e) => ({ ...e, details: 'details' in e ? e.details : undefined })),
          [
            ['at', 'AT'],
            ['type', 'EVENT'],
            ['by', 'BY'],
            ['details', 'DETAILS'],
          ],
        );
        for (const e of executions) {
          out();
          out(`Execution ${e.name}: ${e.status}${e.startedAt ? `, started ${e.startedAt}` : ''}`);
          if (!e.history.length) out('  (no history: not started, or not kept across a local restart)');
          else
            printTable(e.history as unknown as Json[], [
              ['timestamp', 'AT'],
              ['type', 'EVENT'],
              ['state', 'STATE'],
            ]);
        }
      }),
    );

  cli
    .command('redrive')
    .description("restart a FAILED company's phase in a new execution")
    .argument('<companyId>')
    .action(
      run(async (client, json, id: string) => {
        const r = await client.request<{ companyId: string; phase: string; execution: string }>(
          'POST',
          `${companyPath(id)}/redrive`,
          {},
        );
        if (json) return printJson(r);
        out(`Redriven: ${r.companyId} is back in ${r.phase}, execution ${r.execution}`);
      }),
    );

  cli
    .command('remind')
    .description("send the current step's reminder now")
    .argument('<companyId>')
    .action(
      run(async (client, json, id: string) => {
        const r = await client.request<{ companyId: string; step: string; dueOn: string; sent: number }>(
          'POST',
          `${companyPath(id)}/reminders`,
          {},
        );
        if (json) return printJson(r);
        out(`Reminder for ${r.step} (due ${r.dueOn}) sent to ${r.sent} recipient(s) of ${r.companyId}`);
      }),
    );

  const assessor = cli.command('assessor').description('assessors (training providers, auditors)');
  assessor
    .command('create')
    .description('issue an assessor key (shown once)')
    .requiredOption('--name <name>', "the assessor's name")
    .requiredOption('--email <email>', "the assessor's email")
    .action(
      run(async (client, json, options: { name: string; email: string }) => {
        const r = await client.request<{ assessorId: string; apiKey: string }>('POST', '/ops/assessors', {
          name: options.name,
          email: options.email,
        });
        if (json) return printJson(r);
        printFields([
          ['assessor', r.assessorId],
          ['API key', r.apiKey],
        ]);
        out('The key is shown once: hand it to the assessor now.');
      }),
    );

  return cli;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2; // commander printed the message
    if (e instanceof UsageError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    if (e instanceof ApiError) {
      process.stderr.write(`error: ${e.code}: ${e.message}${e.status ? ` (HTTP ${e.status})` : ''}\n`);
      for (const d of e.details) process.stderr.write(`  ${d.path ?? ''}: ${d.message ?? ''}\n`);
      return 1;
    }
    process.stderr.write(`error: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
