/** The API against dynalite (real DynamoDB semantics) with Step Functions mocked: the HTTP contract in-process. */
import * as path from 'node:path';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { AUTHORIZER_MODULE, LocalApiGateway, type LocalRequest } from '../../../local/api-gateway';
import { LocalOutboxStream, type StreamHandler } from '../../../local/outbox';
import { ensureTable, startDynamo, type LocalDynamo } from '../../../local/services/dynamodb';
import type { CompanyRepository, KeyRepository } from '../../../functions/lib/repositories';
import { contractProblem } from './contract-check';

export const ROOT = path.resolve(__dirname, '..', '..', '..');

export interface CallOptions {
  body?: unknown;
  rawBody?: string;
  key?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
}

export interface ApiResponse {
  status: number;
  body: Record<string, unknown>;
  /** The body as sent (to check that it is JSON). */
  raw: string;
  headers: Record<string, string>;
}

export interface ApiFixture {
  /**
   * Sends a request through the local API gateway. Every response is checked against the contract (its route's
   * documented status and response or error schema, see contract-check.ts): a mismatch throws, failing the test.
   */
  call(method: string, path: string, options?: CallOptions): Promise<ApiResponse>;
  sfn: AwsClientStub<SFNClient>;
  /** SES is mocked too: POST /ops/companies/{id}/reminders sends email. */
  ses: AwsClientStub<SESv2Client>;
  opsKey: string;
  table: string;
  /** The repository the handlers use (on this file's table). */
  repo: CompanyRepository;
  keys: KeyRepository;
  /**
   * Sets the clock every API module reads at call time (company-service's `clock`, used by companies.ts and
   * ops.ts, and certificates.ts's own `clock`) to a fixed instant; `null` restores the system clock.
   */
  setNow(iso: string | null): void;
  /**
   * The outbox's stream: after each call the fixture feeds the pending signals to the signalling function
   * (functions/tasks/signal.ts), as the table's stream would, before the call returns (unless `autoDeliver` is
   * off, to look at what is pending).
   */
  outbox: LocalOutboxStream;
  /** Whether each call delivers the outbox before returning (default true). */
  autoDeliver: boolean;
  /** Every item of the table (a Scan): to check what was, or was not, written. */
  scan(): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export interface StartOptions {
  /**
   * Cache the authorizer's result per Authorization header, as API Gateway does (the authorizer is "cached by the
   * Authorization header"): the fuzz tests send thousands of requests with the same few keys.
   */
  cacheAuthorizer?: boolean;
  /** POWERTOOLS_LOG_LEVEL of the handlers (default WARN: unexpected 500s are logged). */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
}

type AuthorizerHandler = (event: { headers?: Record<string, string | undefined> }) => Promise<unknown>;

export async function startApi(options: StartOptions = {}): Promise<ApiFixture> {
  const dynamo: LocalDynamo = await startDynamo();
  const table = `secor-test-${Math.random().toString(36).slice(2, 8)}`;
  await ensureTable(dynamo.endpoint, table);
  Object.assign(process.env, {
    AWS_REGION: 'ca-central-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    TABLE_NAME: table,
    SENDER_ADDRESS: 'secor@example.com',
    OPS_EMAIL: 'ops@example.com',
    PUBLIC_API_URL: 'http://127.0.0.1:3000',
    STATE_MACHINE_ARN:
      'arn:aws:states:ca-central-1:000000000000:stateMachine:SecorLifecycle-CertificationLifecycle',
    // Far above the stack's 5: the suites sign up many companies with a few addresses (edge.test.ts checks 5).
    SIGN_UPS_PER_ADDRESS_PER_DAY: '1000',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: options.logLevel ?? 'WARN',
  });
  const sfn = mockClient(SFNClient);
  sfn.resolves({});
  const ses = mockClient(SESv2Client);
  ses.resolves({ MessageId: 'local-message' });
  // Powertools Metrics (disabled) still warns "No application metrics to publish" on every request: keep the
  // test output readable. Every other warning and the logger's errors still print.
  const { metrics } = await import('../../../functions/api/http');
  const metricsConsole = (metrics as unknown as { console: Console }).console;
  const warn = metricsConsole.warn.bind(metricsConsole);
  metricsConsole.warn = (...args: unknown[]) => {
    if (!String(args[0]).startsWith('No application metrics')) warn(...args);
  };
  const load = async (m: string): Promise<{ handler: unknown }> => {
    const mod = (await import(path.join(ROOT, m))) as { handler: unknown };
    if (m !== AUTHORIZER_MODULE || !options.cacheAuthorizer) return mod;
    const authorize = mod.handler as AuthorizerHandler;
    const cache = new Map<string, Promise<unknown>>();
    return {
      handler: (event: { headers?: Record<string, string | undefined> }) => {
        const identity = event.headers?.authorization ?? '';
        let result = cache.get(identity);
        if (!result) {
          result = authorize(event);
          cache.set(identity, result);
        }
        return result;
      },
    };
  };
  // The ops key stands in for IAM on /ops/*, checked by the gateway (it is not a key item).
  const { newApiKey } = await import('../../../functions/api/principal');
  const opsKey = newApiKey('ops');
  const gateway = new LocalApiGateway(load, { opsKey });
  const repository = await import('../../../functions/lib/repositories');
  const keys = new repository.KeyRepository(table);
  const service = await import('../../../functions/api/company-service');
  const certificates = await import('../../../functions/api/certificates');
  const authorizer = await import('../../../functions/auth/authorizer');
  const systemNow = service.clock.now;
  const aws = await import('../../../functions/lib/aws');
  const outbox = new LocalOutboxStream(table, async () => {
    const signal = (await import(path.join(ROOT, 'functions/tasks/signal.ts'))) as { handler: StreamHandler };
    return signal.handler;
  });
  const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');
  const fixture: ApiFixture = {
    outbox,
    autoDeliver: true,
    sfn,
    ses,
    opsKey,
    table,
    repo: new repository.CompanyRepository(table),
    keys,
    setNow(iso) {
      const now = iso === null ? systemNow : () => iso;
      service.clock.now = now;
      certificates.clock.now = now;
      authorizer.clock.now = now;
    },
    async scan() {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const out = await aws.dynamo.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
        items.push(...(out.Items ?? []));
        start = out.LastEvaluatedKey;
      } while (start);
      return items;
    },
    async call(method, p, options = {}) {
      const req: LocalRequest = {
        method,
        path: p,
        headers: {
          ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
          ...(options.headers ?? {}),
        },
        ...(options.query ? { query: options.query } : {}),
        ...(options.rawBody !== undefined
          ? { body: options.rawBody }
          : options.body !== undefined
            ? { body: JSON.stringify(options.body) }
            : {}),
      };
      const res = await gateway.invoke(req);
      if (fixture.autoDeliver) await outbox.drain();
      const problem = contractProblem(method, p, res.statusCode, res.body);
      if (problem) throw new Error(`the response does not match the API contract: ${problem}`);
      return {
        status: res.statusCode,
        body: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {},
        raw: res.body,
        headers: res.headers,
      };
    },
    async close() {
      service.clock.now = systemNow;
      certificates.clock.now = systemNow;
      authorizer.clock.now = systemNow;
      sfn.restore();
      ses.restore();
      outbox.close();
      await dynamo.close();
    },
  };
  return fixture;
}
