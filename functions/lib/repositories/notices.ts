/**
 * Notification claims: one item per (company, notice, recipient) — `COMPANY#<id>` / `NOTICE#<key>` — written
 * before its email is sent, so that retries and concurrent attempts send it at most once per claim. With a
 * lease, the claim records `claimedAt`; once SES accepts the email it is marked `sentAt`. A claim without
 * `sentAt` whose lease ran out belongs to an attempt that died before SES accepted (or before it could mark
 * the email sent): it may be taken over. A claim with `sentAt` — or one without `claimedAt`, written before
 * claims had leases — is never taken over. The items expire (TTL `expiresAt`).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws';

/**
 * A claim's lease: taken at `now` (epoch ms) by `owner` (one sending attempt), it may be taken over `ms` later
 * if not marked sent.
 */
export interface NoticeLease {
  now: number;
  ms: number;
  owner: string;
}

/** A claim as stored (epoch ms). */
export interface NoticeClaim {
  claimedAt?: number;
  sentAt?: number;
  /** The attempt that holds it: an attempt whose own write landed (an SDK retry then refused) still sends. */
  owner?: string;
}

const noticeKey = (companyId: string, key: string) => ({ PK: `COMPANY#${companyId}`, SK: `NOTICE#${key}` });

/**
 * Claims a notification (conditional put): true when this attempt may send it. Without a lease, any earlier
 * claim refuses it; with one, an earlier claim refuses it unless its lease ran out and it was never sent.
 */
export async function claimNotice(
  tableName: string,
  companyId: string,
  key: string,
  expiresAt: number,
  lease?: NoticeLease,
): Promise<boolean> {
  try {
    await dynamo.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...noticeKey(companyId, key),
          expiresAt,
          ...(lease ? { claimedAt: lease.now, owner: lease.owner } : {}),
        },
        ...(lease
          ? {
              ConditionExpression:
                'attribute_not_exists(PK) OR (attribute_not_exists(sentAt) AND claimedAt < :staleBefore)',
              ExpressionAttributeValues: { ':staleBefore': lease.now - lease.ms },
            }
          : { ConditionExpression: 'attribute_not_exists(PK)' }),
      }),
    );
    return true;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return false;
    throw e;
  }
}

/** The stored claim (a strongly consistent read), or null when there is none. */
export async function readNoticeClaim(
  tableName: string,
  companyId: string,
  key: string,
): Promise<NoticeClaim | null> {
  const out = await dynamo.send(
    new GetCommand({ TableName: tableName, Key: noticeKey(companyId, key), ConsistentRead: true }),
  );
  if (!out.Item) return null;
  const { claimedAt, sentAt, owner } = out.Item as NoticeClaim;
  return {
    ...(claimedAt !== undefined ? { claimedAt } : {}),
    ...(sentAt !== undefined ? { sentAt } : {}),
    ...(owner !== undefined ? { owner } : {}),
  };
}

/** Marks a claim's email sent (SES accepted it): the claim is never taken over again. */
export async function markNoticeSent(
  tableName: string,
  companyId: string,
  key: string,
  sentAt: number,
  expiresAt: number,
): Promise<void> {
  await dynamo.send(
    new UpdateCommand({
      TableName: tableName,
      Key: noticeKey(companyId, key),
      UpdateExpression: 'SET sentAt = :sentAt, expiresAt = :expiresAt',
      ExpressionAttributeValues: { ':sentAt': sentAt, ':expiresAt': expiresAt },
    }),
  );
}

/**
 * Releases a claim whose email could not be sent, so a retry sends it. With `owner`, only while the claim is
 * still that attempt's: a claim another attempt has taken over meanwhile is left alone.
 */
export async function releaseNotice(
  tableName: string,
  companyId: string,
  key: string,
  owner?: string,
): Promise<void> {
  try {
    await dynamo.send(
      new DeleteCommand({
        TableName: tableName,
        Key: noticeKey(companyId, key),
        ...(owner
          ? {
              // OWNER is a DynamoDB reserved word: named through an attribute-name placeholder.
              ConditionExpression: '#owner = :owner',
              ExpressionAttributeNames: { '#owner': 'owner' },
              ExpressionAttributeValues: { ':owner': owner },
            }
          : {}),
      }),
    );
  } catch (e) {
    if (!(e instanceof ConditionalCheckFailedException)) throw e;
  }
}
