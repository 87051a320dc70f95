/** The API keys' repository: who a key is (its role and principal), by the key's hash. */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws';
import { config } from '../env';

export interface KeyRecord {
  role: 'company' | 'assessor';
  companyId?: string;
  assessorId?: string;
}

/**
 * API keys: one item per key, keyed by the key's SHA-256 (`APIKEY#<hash>`), read with a strongly consistent
 * GetItem so a key works the moment it is issued. The key itself is never stored.
 */
export class KeyRepository {
  constructor(private readonly tableName: string = config.tableName) {}

  async put(hash: string, record: KeyRecord, extra: Record<string, unknown> = {}): Promise<void> {
    await dynamo.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { PK: `APIKEY#${hash}`, SK: 'KEY', ...record, ...extra },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  }

  async get(hash: string): Promise<KeyRecord | null> {
    const out = await dynamo.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { PK: `APIKEY#${hash}`, SK: 'KEY' },
        ConsistentRead: true,
      }),
    );
    if (!out.Item) return null;
    const { role, companyId, assessorId } = out.Item as KeyRecord;
    return { role, ...(companyId ? { companyId } : {}), ...(assessorId ? { assessorId } : {}) };
  }
}
