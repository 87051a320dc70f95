/**
 * `npm start`: the whole system on one machine, no AWS account. DynamoDB (dynalite, data on disk under
 * .secor/), the SES outbox (aws-ses-v2-local), Step Functions (the CDK-synthesized definition on
 * aws-local-stepfunctions behind a local Step Functions API), the HTTP API (the same handlers, fed API Gateway
 * events) and a virtual clock. Everything binds to 127.0.0.1.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { STAGE_NAME } from '../functions/api/edge';
import {
  advance,
  installVirtualClock,
  persistClock,
  readClockFile,
  registerBusyCheck,
  saveClockNow,
  virtualNow,
  writeClockFile,
} from './clock';

export const ROOT = path.resolve(__dirname, '..');
export const TABLE_NAME = 'secor-local';

export interface RuntimeOptions {
  port?: number;
  sesPort?: number;
  dataDir?: string;
  quiet?: boolean;
}

export interface Runtime {
  apiUrl: string;
  sesUrl: string;
  sfnUrl: string;
  opsKey: string;
  dataDir: string;
  /** The template's Lambda functions, each in its own worker (local/lambda/runtime.ts). */
  functions: import('./lambda/runtime').LocalLambda;
  /** DynamoDB requests the functions' roles did not allow (local/lambda/iam.ts), as AWS would refuse them. */
  accessDenied: import('./lambda/iam').IamProxy['denied'];
  /** DynamoDB requests checked against the functions' roles, by function. */
  accessChecked: import('./lambda/iam').IamProxy['checked'];
  /** The local Step Functions counters (executions started, state transitions, Lambda task invocations). */
  stats(): {
    executionsStarted: number;
    transitions: number;
    lambdaInvocations: number;
    lambdaMillis: number;
  };
  close(): Promise<void>;
}

function log(quiet: boolean | undefined, message: string): void {
  if (!quiet) process.stdout.write(`[secor] ${message}\n`);
}

export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const dataDir = path.resolve(options.dataDir ?? process.env.SECOR_DATA_DIR ?? path.join(ROOT, '.secor'));
  mkdirSync(dataDir, { recursive: true });
  const port = options.port ?? Number(process.env.SECOR_PORT ?? 3000);
  const sesPort = options.sesPort ?? Number(process.env.SECOR_SES_PORT ?? 8005);

  // 1. The virtual clock, resumed where the last run left it (time never runs backwards).
  // Saved durably whenever it moves forward (see persistClock), so even kill -9 mid-advance cannot set it back.
  const clockFile = path.join(dataDir, 'clock.json');
  const saved = readClockFile(clockFile);
  if (saved === undefined && existsSync(clockFile)) log(options.quiet, `unreadable ${clockFile}: ignored`);
  installVirtualClock(saved !== undefined && saved > Date.now() ? new Date(saved).toISOString() : undefined);
  persistClock((now) => writeClockFile(clockFile, now));
  const saveClock = saveClockNow;
  log(options.quiet, `virtual clock at ${new Date().toISOString()}`);

  // 2. DynamoDB (dynalite), data on disk; the table from the same definition as the CDK Data construct.
  const { startDynamo, ensureTable } = await import('./services/dynamodb');
  const dynamo = await startDynamo({ path: path.join(dataDir, 'dynamodb') });
  await ensureTable(dynamo.endpoint, TABLE_NAME);
  log(options.quiet, `DynamoDB (dynalite) at ${dynamo.endpoint}, data in ${path.join(dataDir, 'dynamodb')}`);

  // 2b. KMS (the local stand-in: Encrypt/Decrypt), its key in the data directory.
  const { LOCAL_KMS_KEY_ID, startKms } = await import('./services/kms');
  const kms = await startKms({ keyFile: path.join(dataDir, 'kms-key') });

  // 3. SES outbox (aws-ses-v2-local).
  const { default: startSes } = await import('aws-ses-v2-local');
  const ses = await startSes({ host: '127.0.0.1', port: sesPort });
  const sesUrl = `http://127.0.0.1:${(ses.address() as AddressInfo).port}`;
  log(options.quiet, `SES outbox at ${sesUrl} (GET /store)`);

  // 4. This process's own environment (the runtime's repositories and clients). The functions do not see it: each
  // runs in its own worker with the template's environment (9).
  const { synthesizeLifecycle } = await import('./synthesized');
  const lifecycle = synthesizeLifecycle();
  Object.assign(process.env, {
    AWS_REGION: 'ca-central-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SESV2: sesUrl,
    TABLE_NAME,
    SENDER_ADDRESS: process.env.SENDER_ADDRESS ?? 'secor@secor.local',
    OPS_EMAIL: process.env.OPS_EMAIL ?? 'operations@secor.local',
    STATE_MACHINE_ARN: lifecycle.stateMachineArn,
    PUBLIC_API_URL: `http://127.0.0.1:${port}`,
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    POWERTOOLS_DEV: process.env.POWERTOOLS_DEV ?? 'true',
  });

  // 5. Step Functions: the synthesized definition, its tasks running the template's functions (below).
  const { LocalStepFunctions } = await import('./stepfunctions');
  const { LocalLambda } = await import('./lambda/runtime');
  // Set up once the API's URL is known (9): the functions' environments name it.
  const functionsRef: { current?: InstanceType<typeof LocalLambda> } = {};
  const load = (module: string) => {
    if (!functionsRef.current) throw new Error(`${module} invoked before the functions were set up`);
    return functionsRef.current.load(module);
  };
  const sfn = new LocalStepFunctions({
    lifecycle,
    load,
    journal: path.join(dataDir, 'executions.jsonl'),
    log: (m) => log(options.quiet, m),
  });
  const sfnUrl = await sfn.listen(Number(process.env.SECOR_SFN_PORT ?? 0));
  process.env.AWS_ENDPOINT_URL_SFN = sfnUrl;
  log(
    options.quiet,
    `Step Functions (${Object.keys(lifecycle.definition.States).length} states) at ${sfnUrl}`,
  );

  // 6. The ops key: generated on first start, kept in .secor/ops-key. It stands in for IAM on /ops/*, checked
  // by the local gateway (as API Gateway checks a signature); it is not a key item and grants nothing else.
  const { newApiKey } = await import('../functions/api/principal');
  const { CompanyRepository } = await import('../functions/lib/repositories');
  const opsKeyFile = path.join(dataDir, 'ops-key');
  const opsKey = existsSync(opsKeyFile) ? readFileSync(opsKeyFile, 'utf8').trim() : newApiKey('ops');
  if (!existsSync(opsKeyFile)) writeFileSync(opsKeyFile, opsKey + '\n', { mode: 0o600 });

  // 7. The outbox's stream (dynalite has none): the signalling function fed the pending signals' items after
  // every API request and every few seconds, as the table's stream feeds it in AWS. And the reconciler, run on
  // the virtual clock: its signals sweep after every clock move and every minute, its executions sweep at most
  // once a virtual day (EventBridge Scheduler in AWS: every 5 minutes, and daily).
  const { LocalOutboxStream } = await import('./outbox');
  type StreamHandler = import('./outbox').StreamHandler;
  type Handler = (event: unknown) => Promise<unknown>;
  const handlerOf = async (module: string) => (await load(module)).handler as Handler;
  const outbox = new LocalOutboxStream(
    TABLE_NAME,
    async () => (await load('functions/tasks/signal.ts')).handler as StreamHandler,
  );
  registerBusyCheck(() => outbox.busy);
  let reconciling: Promise<void> | null = null;
  let lastExecutionsSweep = virtualNow();
  const reconcile = (sweeps: ('signals' | 'executions')[]) => {
    reconciling ??= (async () => {
      try {
        const run = await handlerOf('functions/tasks/reconcile.ts');
        for (const sweep of sweeps) await run({ sweep });
      } catch (e) {
        log(options.quiet, `reconciler failed: ${(e as Error).message}`);
      } finally {
        reconciling = null;
      }
    })();
    return reconciling;
  };
  registerBusyCheck(() => reconciling !== null);
  const afterClockMove = async () => {
    await outbox.drain();
    const sweeps: ('signals' | 'executions')[] = ['signals'];
    if (virtualNow() - lastExecutionsSweep >= 86_400_000) {
      sweeps.push('executions');
      lastExecutionsSweep = virtualNow();
    }
    await reconcile(sweeps);
  };
  let background: NodeJS.Timeout | undefined;
  let beats = 0;
  const heartbeat = () => {
    background = setTimeout(() => {
      beats += 1;
      void outbox.drain().then(() => (beats % 30 === 0 ? reconcile(['signals']) : undefined));
      heartbeat();
    }, 2_000);
    background.unref();
  };

  // 8. The HTTP API and the virtual clock routes.
  const { LocalApiGateway } = await import('./api-gateway');
  const gateway = new LocalApiGateway(load, { opsKey });
  let requests = 0;
  registerBusyCheck(() => requests > 0);
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of req) {
        size += (c as Buffer).length;
        if (size <= 1024 * 1024) chunks.push(c as Buffer);
      }
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        if (url.pathname === '/_local/clock') {
          if (req.method === 'GET') return send(res, 200, { now: new Date(virtualNow()).toISOString() });
          if (req.method === 'POST') {
            let days: unknown;
            try {
              days = (JSON.parse(body || '{}') as { advanceDays?: unknown }).advanceDays;
            } catch {
              return send(res, 400, {
                error: { code: 'MALFORMED_JSON', message: 'the body is not valid JSON' },
              });
            }
            if (typeof days !== 'number' || !Number.isFinite(days) || days < 0 || days > 3660) {
              return send(res, 400, {
                error: {
                  code: 'VALIDATION_FAILED',
                  message: 'advanceDays must be a number from 0 to 3660',
                  details: [{ path: '/advanceDays', message: 'must be a number from 0 to 3660' }],
                },
              });
            }
            const result = await advance(days * 86_400_000);
            await afterClockMove();
            saveClock();
            return send(res, 200, {
              now: result.now,
              timersFired: result.timersFired,
              runningExecutions: sfn.runningExecutions(),
            });
          }
        }
        requests += 1;
        try {
          const query = Object.fromEntries(url.searchParams.entries());
          const out = await gateway.invoke({
            method: req.method ?? 'GET',
            path: url.pathname,
            headers: Object.fromEntries(
              Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]),
            ),
            ...(Object.keys(query).length ? { query } : {}),
            body,
            sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
          });
          res.writeHead(out.statusCode, out.headers);
          res.end(out.body);
          // What the request committed is told to the workflow after the answer, as the stream does in AWS.
          void outbox.drain();
        } finally {
          requests -= 1;
        }
      } catch (e) {
        log(options.quiet, `error serving ${req.method} ${url.pathname}: ${(e as Error).stack ?? String(e)}`);
        send(res, 500, {
          error: { code: 'INTERNAL', message: 'an unexpected error occurred; it has been logged' },
        });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.PUBLIC_API_URL = apiUrl;

  // 9. The functions: each Lambda function of the template in its own worker thread, with only its own
  // environment (the template's variables, resolved to the local resources) plus what Lambda provides.
  const resourceOfType = (type: string) =>
    Object.entries(lifecycle.template.Resources).find(([, r]) => r.Type === type)?.[0];
  const tableId = resourceOfType('AWS::DynamoDB::GlobalTable');
  const apiId = resourceOfType('AWS::ApiGateway::RestApi');
  const configurationSetId = resourceOfType('AWS::SES::ConfigurationSet');
  const keyId = resourceOfType('AWS::KMS::Key');
  const lambdaOptions = {
    template: lifecycle.template,
    stackName: lifecycle.stackName,
    refs: {
      ...(tableId ? { [tableId]: TABLE_NAME } : {}),
      ...(configurationSetId ? { [configurationSetId]: 'secor-local' } : {}),
      ...(keyId ? { [keyId]: LOCAL_KMS_KEY_ID } : {}),
      SenderAddress: process.env.SENDER_ADDRESS as string,
      OpsEmail: process.env.OPS_EMAIL as string,
      SenderName: process.env.SENDER_NAME ?? 'SECOR Certification',
      ReplyToAddress: process.env.REPLY_TO_ADDRESS ?? '',
    },
    // The HTTP API's stage URL is this server.
    // The stage's URL is the local API's root.
    urls: apiId ? { [`https://${apiId}.execute-api.ca-central-1.amazonaws.com/${STAGE_NAME}`]: apiUrl } : {},
    runtimeEnvironment: {
      AWS_REGION: 'ca-central-1',
      AWS_DEFAULT_REGION: 'ca-central-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      TZ: 'UTC',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SESV2: sesUrl,
      AWS_ENDPOINT_URL_SFN: sfnUrl,
      AWS_ENDPOINT_URL_KMS: kms.endpoint,
      // Metrics are CloudWatch's (EMF read from Lambda's logs): none locally.
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
      POWERTOOLS_DEV: process.env.POWERTOOLS_DEV ?? 'true',
    },
  };
  // IAM as strict as AWS on DynamoDB: each function's requests are checked against its role (local/lambda/iam.ts).
  const { startIamProxy } = await import('./lambda/iam');
  const iam = await startIamProxy(
    dynamo.endpoint,
    LocalLambda.dynamoPrincipals(lambdaOptions, TABLE_NAME),
    (message) => log(false, `AccessDenied (DynamoDB): ${message}`),
  );
  lambdaOptions.runtimeEnvironment.AWS_ENDPOINT_URL_DYNAMODB = iam.endpoint;
  const functions = new LocalLambda(lambdaOptions);
  functionsRef.current = functions;
  registerBusyCheck(() => functions.busy);
  log(
    options.quiet,
    `${functions.functions.length} Lambda functions from the template, each in its own worker`,
  );

  // 10. Resume: every company in an active phase gets its phase's execution (re)started under its name.
  const { isActivePhase, phaseInput } = await import('../domain');
  const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');
  const { dynamo: doc } = await import('../functions/lib/aws');
  let resumed = 0;
  let lastKey: Record<string, unknown> | undefined;
  const repo = new CompanyRepository(TABLE_NAME);
  do {
    const page = await doc.send(
      new ScanCommand({
        TableName: TABLE_NAME,
        FilterExpression: 'SK = :profile AND begins_with(PK, :company)',
        ExpressionAttributeValues: { ':profile': 'PROFILE', ':company': 'COMPANY#' },
        ProjectionExpression: 'companyId',
        ...(lastKey ? { ExclusiveStartKey: lastKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const stored = await repo.load(String(item.companyId));
      if (!stored || !isActivePhase(stored.company.phase)) continue;
      sfn.forgetInterrupted(stored.company.execution.name);
      try {
        sfn.startExecution(
          lifecycle.stateMachineArn,
          stored.company.execution.name,
          JSON.stringify(phaseInput(stored.company)),
        );
        resumed += 1;
      } catch {
        // already running (or finished) under that name: nothing to resume
      }
    }
    lastKey = page.LastEvaluatedKey;
  } while (lastKey);
  if (resumed)
    log(options.quiet, `resumed ${resumed} compan${resumed === 1 ? 'y' : 'ies'} in their current phase`);

  heartbeat();
  saveClock();

  return {
    apiUrl,
    sesUrl,
    sfnUrl,
    opsKey,
    dataDir,
    functions,
    accessDenied: iam.denied,
    accessChecked: iam.checked,
    stats: () => ({ ...sfn.stats }),
    async close() {
      saveClock();
      clearTimeout(background);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await outbox.drain().catch(() => 0);
      await reconciling;
      outbox.close();
      await functions.close();
      await sfn.close();
      await new Promise<void>((resolve) => ses.close(() => resolve()));
      await iam.close();
      await dynamo.close();
      await kms.close();
      saveClock(); // ≥ every time read while closing
      persistClock(null); // the data directory may go once closed
    },
  };
}

if (require.main === module) {
  startRuntime()
    .then((rt) => {
      process.stdout.write(
        [
          '',
          'SECOR Lifecycle is running (local runtime, virtual clock):',
          `  HTTP API       ${rt.apiUrl}          (OpenAPI: ${rt.apiUrl}/openapi.json)`,
          `  API reference  ${rt.apiUrl}/docs`,
          `  SES outbox     ${rt.sesUrl}          (emails: ${rt.sesUrl}/store)`,
          `  Step Functions ${rt.sfnUrl}`,
          `  Virtual clock  GET|POST ${rt.apiUrl}/_local/clock  {"advanceDays": 30}`,
          `  Ops key        ${rt.opsKey}`,
          `                 (also in ${path.join(rt.dataDir, 'ops-key')})`,
          '',
          'Try: npm run demo        Stop: Ctrl-C',
          '',
        ].join('\n'),
      );
      const stop = () => {
        process.stdout.write('\n[secor] shutting down…\n');
        rt.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    })
    .catch((e: Error) => {
      process.stderr.write(`[secor] failed to start: ${e.stack ?? e.message}\n`);
      process.exit(1);
    });
}
