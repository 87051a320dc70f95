import { World, ddb } from '../world';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { KeyRepository } from '../../../../functions/lib/repositories/keys';
import { at, COMPANY_ID } from '../companies';
import { ENV } from '../setup-env';

beforeEach(() => {
  new World().install();
});

describe('KeyRepository', () => {
  test('put: one conditional item per key hash; get: the role and principal, strongly consistent', async () => {
    const keys = new KeyRepository();

    await keys.put('abc123', { role: 'company', companyId: COMPANY_ID }, { createdAt: at('2027-01-10') });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: ENV.TABLE_NAME,
      Item: {
        PK: 'APIKEY#abc123',
        SK: 'KEY',
        role: 'company',
        companyId: COMPANY_ID,
        createdAt: at('2027-01-10'),
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    });

    await expect(keys.get('abc123')).resolves.toEqual({ role: 'company', companyId: COMPANY_ID });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, {
      TableName: ENV.TABLE_NAME,
      Key: { PK: 'APIKEY#abc123', SK: 'KEY' },
      ConsistentRead: true,
    });
    await keys.put('def456', { role: 'assessor', assessorId: 'aud-1' });
    await expect(keys.get('def456')).resolves.toEqual({ role: 'assessor', assessorId: 'aud-1' });
    await expect(keys.get('nope')).resolves.toBeNull();
  });

  test('a hash that exists already is refused (no key is overwritten)', async () => {
    const keys = new KeyRepository();
    await keys.put('abc123', { role: 'assessor', assessorId: 'aud-9' });

    await expect(keys.put('abc123', { role: 'company', companyId: 'co-2' })).rejects.toBeInstanceOf(
      ConditionalCheckFailedException,
    );
    await expect(keys.get('abc123')).resolves.toEqual({ role: 'assessor', assessorId: 'aud-9' });
  });
});
