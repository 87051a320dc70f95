/**
 * The local DynamoDB's IAM (local/lambda/iam.ts): each function's statements come from its synthesized role, and
 * a request they do not allow is refused through the proxy as DynamoDB refuses it (AccessDeniedException).
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { HANDLER_METADATA } from '../../../infra/constructs/node-function';
import {
  allowed,
  dynamoRequestOf,
  dynamoStatementsOf,
  startIamProxy,
  tableArn,
  type IamProxy,
} from '../../../local/lambda/iam';
import { ensureTable, startDynamo, type LocalDynamo } from '../../../local/services/dynamodb';
import { synthesizeLifecycle } from '../../../local/synthesized';

const TABLE = 'secor-iam-test';
const { template } = synthesizeLifecycle();
const functionOf = (module: string) => {
  const found = Object.entries(template.Resources).find(([, r]) => r.Metadata?.[HANDLER_METADATA] === module);
  if (!found) throw new Error(`no function for ${module}`);
  return found[0];
};
const CERTIFICATES = functionOf('functions/api/certificates.ts');
const COMPANIES = functionOf('functions/api/companies.ts');

describe('statements from the synthesized roles', () => {
  test('the certificates function: GetItem on company items, Query on byCertificate, nothing else', () => {
    const st = dynamoStatementsOf(template, CERTIFICATES, TABLE);
    const can = (action: string, resource: string, keys: string[]) =>
      allowed(st, { action: `dynamodb:${action}`, resource, leadingKeys: keys });
    expect(can('GetItem', tableArn(TABLE), ['COMPANY#c1'])).toBe(true);
    expect(can('GetItem', tableArn(TABLE), ['APIKEY#x'])).toBe(false);
    expect(can('PutItem', tableArn(TABLE), ['COMPANY#c1'])).toBe(false);
    expect(can('Query', `${tableArn(TABLE)}/index/byCertificate`, [])).toBe(true);
    expect(can('Query', `${tableArn(TABLE)}/index/byPhase`, [])).toBe(false);
    expect(can('GetItem', tableArn('another-table'), ['COMPANY#c1'])).toBe(false);
  });

  test('a Query of the table is refused unless every partition key it names is allowed', () => {
    const body = {
      TableName: TABLE,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': 'PK' },
      ExpressionAttributeValues: { ':pk': { S: 'EMAIL#abc' } },
    };
    const [req] = dynamoRequestOf('DynamoDB_20120810.Query', body);
    expect(req).toEqual({ action: 'dynamodb:Query', resource: tableArn(TABLE), leadingKeys: ['EMAIL#abc'] });
    const access = dynamoStatementsOf(template, functionOf('functions/api/access.ts'), TABLE);
    expect(allowed(access, req!)).toBe(true);
    expect(allowed(dynamoStatementsOf(template, COMPANIES, TABLE), req!)).toBe(false);
  });
});

describe('through the proxy', () => {
  let dynamo: LocalDynamo;
  let proxy: IamProxy;
  const client = (accessKeyId: string) =>
    new DynamoDBClient({
      endpoint: proxy.endpoint,
      region: 'ca-central-1',
      credentials: { accessKeyId, secretAccessKey: 'local' },
    });

  beforeAll(async () => {
    dynamo = await startDynamo();
    await ensureTable(dynamo.endpoint, TABLE);
    proxy = await startIamProxy(
      dynamo.endpoint,
      new Map([[CERTIFICATES, dynamoStatementsOf(template, CERTIFICATES, TABLE)]]),
    );
  }, 60_000);
  afterAll(async () => {
    await proxy.close();
    await dynamo.close();
  });

  test('an allowed request reaches DynamoDB; a refused one is AccessDeniedException, recorded', async () => {
    const fn = client(CERTIFICATES);
    const got = await fn.send(
      new GetItemCommand({ TableName: TABLE, Key: { PK: { S: 'COMPANY#c1' }, SK: { S: 'PROFILE' } } }),
    );
    expect(got.Item).toBeUndefined();
    await expect(
      fn.send(
        new PutItemCommand({ TableName: TABLE, Item: { PK: { S: 'COMPANY#c1' }, SK: { S: 'PROFILE' } } }),
      ),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('dynamodb:PutItem'),
    });
    await expect(
      fn.send(
        new QueryCommand({
          TableName: TABLE,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': { S: 'APIKEY#x' } },
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(proxy.denied.map((d) => [d.principal, d.action])).toEqual([
      [CERTIFICATES, 'dynamodb:PutItem'],
      [CERTIFICATES, 'dynamodb:Query'],
    ]);
  });

  test('a caller that is not a function of the template (the runtime itself) is not checked', async () => {
    await client('local').send(
      new PutItemCommand({ TableName: TABLE, Item: { PK: { S: 'COMPANY#c2' }, SK: { S: 'PROFILE' } } }),
    );
    const got = await client(CERTIFICATES).send(
      new GetItemCommand({ TableName: TABLE, Key: { PK: { S: 'COMPANY#c2' }, SK: { S: 'PROFILE' } } }),
    );
    expect(got.Item?.PK).toEqual({ S: 'COMPANY#c2' });
  });
});
