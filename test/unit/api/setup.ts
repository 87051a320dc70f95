/** The API against dynalite (real DynamoDB semantics) with Step Functions mocked: the HTTP contract in-process. */
import * as path from 'node:path';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { LocalApiGateway, type LocalRequest } from '../../../local/api-gateway';
import { ensureTable, startDynamo, type LocalDynamo } from '../../../local/services/dynamodb';

export const ROOT = path.resolve(__dirname, '..', '..', '..');

export interface ApiFixture {
  call(
    method: string,
    path: string,
    options?: {
      body?: unknown;
      rawBody?: string;
      key?: string;
      headers?: Record<string, string>;
      query?: Record<string, string>;
    },
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  sfn: ReturnType<typeof mockClient>;
  opsKey: string;
  close(): Promise<void>;
}

export async function startApi(): Promise<ApiFixture> {
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
    STATE_MACHINE_ARN:
      'arn:aws:states:ca-central-1:000000000000:stateMachine:SecorLifecycle-CertificationLifecycle',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'WARN',
  });
  const sfn = mockClient(SFNClient);
  sfn.resolves({});
  const gateway = new LocalApiGateway((m) => import(path.join(ROOT, m)));
  // The ops key (IAM in AWS): registered like any key, with role ops.
  const { hashApiKey, newApiKey } = await import('../../../functions/api/principal');
  const { KeyRepository } = await import('../../../functions/lib/repository');
  const opsKey = newApiKey('ops');
  await new KeyRepository(table).put(hashApiKey(opsKey), { role: 'ops' });
  return {
    sfn,
    opsKey,
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
      return {
        status: res.statusCode,
        body: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {},
      };
    },
    async close() {
      sfn.restore();
      await dynamo.close();
    },
  };
}
