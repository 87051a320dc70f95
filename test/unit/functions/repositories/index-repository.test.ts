import { World, ddb } from '../world';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { IndexRepository } from '../../../../functions/lib/repositories/index-repository';
import { COMPANY_ID } from '../companies';
import { ENV } from '../setup-env';

beforeEach(() => {
  new World().install();
});

describe('IndexRepository', () => {
  const row = {
    companyId: COMPANY_ID,
    legalName: 'Acme',
    region: 'AB',
    phase: 'TRAINING',
    nextDueOn: '2027-07-10',
  };

  test('byPhase: a query of the byPhase index, optionally due before a date, paged by cursor', async () => {
    const index = new IndexRepository();
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [row], LastEvaluatedKey: { PK: 'x', SK: 'y' }, ScannedCount: 1 })
      .resolvesOnce({});

    const first = await index.byPhase('TRAINING', { limit: 25 });
    const second = await index.byPhase('TRAINING', {
      dueBefore: '2027-08-01',
      limit: 10,
      cursor: { PK: 'x', SK: 'y' },
    });

    expect(first).toEqual({ items: [row], cursor: { PK: 'x', SK: 'y' }, scanned: 1 });
    expect(second).toEqual({ items: [], scanned: 0 });
    const inputs = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(inputs).toEqual([
      {
        TableName: ENV.TABLE_NAME,
        IndexName: 'byPhase',
        KeyConditionExpression: 'gsiPhase = :p',
        ExpressionAttributeValues: { ':p': 'TRAINING' },
        Limit: 25,
      },
      {
        TableName: ENV.TABLE_NAME,
        IndexName: 'byPhase',
        KeyConditionExpression: 'gsiPhase = :p AND gsiDue < :d',
        ExpressionAttributeValues: { ':p': 'TRAINING', ':d': '2027-08-01' },
        Limit: 10,
        ExclusiveStartKey: { PK: 'x', SK: 'y' },
      },
    ]);
  });

  test('companyOfCertificate: the company id behind a certificate number, or null', async () => {
    const index = new IndexRepository();
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ companyId: COMPANY_ID }] })
      .resolvesOnce({ Items: [] });

    await expect(index.companyOfCertificate('SECOR-AB-2027-000007')).resolves.toBe(COMPANY_ID);
    await expect(index.companyOfCertificate('SECOR-AB-2027-999999')).resolves.toBeNull();
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      TableName: ENV.TABLE_NAME,
      IndexName: 'byCertificate',
      KeyConditionExpression: 'certificateNumber = :n',
      ExpressionAttributeValues: { ':n': 'SECOR-AB-2027-000007' },
      Limit: 1,
    });
  });
});
