/**
 * API keys and the people who hold them. A key is an item keyed by its SHA-256 (`APIKEY#<hash>`), read with a
 * strongly consistent GetItem so a key works the moment it is issued and stops the moment it is deleted; the key
 * itself is never stored. Assessors and reviewers are key holders: one item each under `KEYHOLDER#<role>`
 * (name, email, regions, when issued and revoked, and the hash of their current key), listed by a Query of
 * that partition.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws';
import { config } from '../env';
import { companyKey } from './company-items';

export type KeyRole = 'company' | 'assessor' | 'reviewer';
export type HolderRole = 'assessor' | 'reviewer';

export interface KeyRecord {
  role: KeyRole;
  companyId?: string;
  assessorId?: string;
  reviewerId?: string;
  /** The regions an assessor or reviewer key may be used in (none: every region). */
  regions?: string[];
}

export interface KeyHolder {
  id: string;
  role: HolderRole;
  name: string;
  email: string;
  regions: string[];
  createdAt: string;
  revokedAt?: string;
}

const keyItem = (hash: string) => ({ PK: `APIKEY#${hash}`, SK: 'KEY' });
const holderItem = (role: HolderRole, id: string) => ({ PK: `KEYHOLDER#${role}`, SK: id });

export class KeyRepository {
  constructor(private readonly tableName: string = config.tableName) {}

  async put(hash: string, record: KeyRecord, extra: Record<string, unknown> = {}): Promise<void> {
    await dynamo.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keyItem(hash), ...record, ...extra },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  }

  async get(hash: string): Promise<KeyRecord | null> {
    const out = await dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: keyItem(hash), ConsistentRead: true }),
    );
    if (!out.Item) return null;
    const { role, companyId, assessorId, reviewerId, regions } = out.Item as KeyRecord;
    return {
      role,
      ...(companyId ? { companyId } : {}),
      ...(assessorId ? { assessorId } : {}),
      ...(reviewerId ? { reviewerId } : {}),
      ...(regions?.length ? { regions } : {}),
    };
  }

  /** Deletes a key item: the key stops working at once. */
  async delete(hash: string): Promise<void> {
    await dynamo.send(new DeleteCommand({ TableName: this.tableName, Key: keyItem(hash) }));
  }

  /**
   * The hash of the company's current key, when one is recorded on the company (companies registered before
   * keys could be rotated have none: their one key item is their key).
   */
  async companyKeyHash(companyId: string): Promise<string | null> {
    const out = await dynamo.send(
      new GetCommand({
        TableName: this.tableName,
        Key: companyKey(companyId),
        ConsistentRead: true,
        ProjectionExpression: 'keyHash',
      }),
    );
    return (out.Item?.keyHash as string | undefined) ?? null;
  }

  /**
   * Makes `newHash` the company's key: its key item first, then the company's current hash (the commit: from
   * then on the authorizer refuses any other key of the company), then the old key item goes.
   */
  async rotateCompanyKey(companyId: string, newHash: string, now: string): Promise<void> {
    await this.put(newHash, { role: 'company', companyId }, { createdAt: now });
    const out = await dynamo.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: companyKey(companyId),
        UpdateExpression: 'SET keyHash = :hash',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':hash': newHash },
        ReturnValues: 'ALL_OLD',
      }),
    );
    const old = out.Attributes?.keyHash as string | undefined;
    if (old && old !== newHash) await this.delete(old);
  }

  /** Registers an assessor or reviewer with the hash of its key. */
  async putHolder(holder: KeyHolder, hash: string): Promise<void> {
    await this.put(hash, {
      role: holder.role,
      ...(holder.role === 'assessor' ? { assessorId: holder.id } : { reviewerId: holder.id }),
      ...(holder.regions.length ? { regions: holder.regions } : {}),
    });
    await dynamo.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...holderItem(holder.role, holder.id), ...holder, keyHash: hash },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  }

  /** Every assessor or reviewer, oldest first (never a key or its hash). */
  async listHolders(role: HolderRole): Promise<KeyHolder[]> {
    const items: KeyHolder[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await dynamo.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': `KEYHOLDER#${role}` },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const i of page.Items ?? []) items.push(toHolder(i));
      start = page.LastEvaluatedKey;
    } while (start);
    return items.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /**
   * Revokes an assessor's or reviewer's key: its key item is deleted (401 from then on) and the holder is marked
   * revoked. False when there is no such holder. Revoking again changes nothing.
   */
  async revokeHolder(role: HolderRole, id: string, now: string): Promise<boolean> {
    const out = await dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: holderItem(role, id), ConsistentRead: true }),
    );
    if (!out.Item) return false;
    const hash = out.Item.keyHash as string | undefined;
    if (hash) await this.delete(hash);
    try {
      await dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: holderItem(role, id),
          UpdateExpression: 'SET revokedAt = :now',
          ConditionExpression: 'attribute_not_exists(revokedAt)',
          ExpressionAttributeValues: { ':now': now },
        }),
      );
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
    return true;
  }
}

function toHolder(i: Record<string, unknown>): KeyHolder {
  return {
    id: i.id as string,
    role: i.role as HolderRole,
    name: i.name as string,
    email: i.email as string,
    regions: (i.regions as string[] | undefined) ?? [],
    createdAt: i.createdAt as string,
    ...(i.revokedAt ? { revokedAt: i.revokedAt as string } : {}),
  };
}
