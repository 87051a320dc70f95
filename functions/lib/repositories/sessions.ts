/**
 * Sign-in by email and sessions. Nothing secret is stored in plaintext: a sign-in token is an item keyed by its
 * SHA-256 (`SIGNIN#<hash>`, deleted when used, so it works once), a session likewise (`SESSION#<hash>`), and an
 * address only as the SHA-256 of its normalised form in the keys that find a company from it
 * (`EMAIL#<hash>` / `<companyId>#<role>`, written when a contact or a trainee is named). Rate limits per address:
 * `SIGNINLIMIT#<hash>` / `<day>` (sign-in links), `SIGNUPLIMIT#<hash>` / `<day>` (sign-ups naming it as contact). Every item expires by TTL.
 */
import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws';
import { config } from '../env';

export type SessionRole = 'company' | 'trainee';

export interface SessionRecord {
  role: SessionRole;
  companyId: string;
  /** ISO */
  expiresAt: string;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
/** The hash an address is known by: case and surrounding spaces do not matter. */
export const emailHash = (email: string) => sha256(email.trim().toLowerCase());
export const secretHash = sha256;

const ttl = (iso: string, extraSeconds = 0) => Math.floor(Date.parse(iso) / 1000) + extraSeconds;

export class SessionRepository {
  constructor(private readonly tableName: string = config.tableName) {}

  /** Records that `email` is the company's contact or trainee (idempotent; a stale link is checked on use). */
  async linkEmail(email: string, companyId: string, role: SessionRole): Promise<void> {
    await dynamo.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { PK: `EMAIL#${emailHash(email)}`, SK: `${companyId}#${role}`, companyId, role },
      }),
    );
  }

  /** The companies (and roles) an address was linked to, at most `limit`. */
  async linksOf(email: string, limit = 10): Promise<{ companyId: string; role: SessionRole }[]> {
    const out = await dynamo.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': `EMAIL#${emailHash(email)}` },
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((i) => ({ companyId: i.companyId as string, role: i.role as SessionRole }));
  }

  /**
   * Takes one sign-in email from the address's allowance: at most one per `gapMs` and `perDay` a day. False when
   * the allowance is spent (nothing is sent, and the caller is not told).
   */
  async allowSignInEmail(email: string, nowIso: string, gapMs: number, perDay: number): Promise<boolean> {
    return this.allowEmail('SIGNINLIMIT', email, nowIso, gapMs, perDay);
  }

  /** How many sign-ups named this address as their contact today (each sent it a welcome). */
  async signUpsToday(email: string, nowIso: string): Promise<number> {
    const out = await dynamo.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { PK: `SIGNUPLIMIT#${emailHash(email)}`, SK: nowIso.slice(0, 10) },
      }),
    );
    return typeof out.Item?.sent === 'number' ? out.Item.sent : 0;
  }

  /** Counts a sign-up that named this address as its contact (after it committed). */
  async countSignUp(email: string, nowIso: string): Promise<void> {
    await dynamo.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { PK: `SIGNUPLIMIT#${emailHash(email)}`, SK: nowIso.slice(0, 10) },
        UpdateExpression: 'ADD sent :one SET expiresAt = :ttl',
        ExpressionAttributeValues: { ':one': 1, ':ttl': ttl(nowIso, 2 * 86_400) },
      }),
    );
  }

  private async allowEmail(
    kind: 'SIGNINLIMIT',
    email: string,
    nowIso: string,
    gapMs: number,
    perDay: number,
  ): Promise<boolean> {
    const day = nowIso.slice(0, 10);
    const now = Date.parse(nowIso);
    try {
      await dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: `${kind}#${emailHash(email)}`, SK: day },
          UpdateExpression: 'ADD sent :one SET lastAt = :now, expiresAt = :ttl',
          ConditionExpression:
            '(attribute_not_exists(sent) OR sent < :max) AND (attribute_not_exists(lastAt) OR lastAt <= :gap)',
          ExpressionAttributeValues: {
            ':one': 1,
            ':now': now,
            ':gap': now - gapMs,
            ':max': perDay,
            ':ttl': ttl(nowIso, 2 * 86_400),
          },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  async putSignInToken(hash: string, record: SessionRecord): Promise<void> {
    await dynamo.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { PK: `SIGNIN#${hash}`, SK: 'TOKEN', ...stored(record) },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  }

  /** Uses a sign-in token: deleted as it is read, so only one caller ever gets it. Null if none. */
  async takeSignInToken(hash: string): Promise<SessionRecord | null> {
    const out = await dynamo.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { PK: `SIGNIN#${hash}`, SK: 'TOKEN' },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return out.Attributes ? toRecord(out.Attributes) : null;
  }

  async putSession(hash: string, record: SessionRecord): Promise<void> {
    await dynamo.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { PK: `SESSION#${hash}`, SK: 'SESSION', ...stored(record) },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  }

  async getSession(hash: string): Promise<SessionRecord | null> {
    const out = await dynamo.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { PK: `SESSION#${hash}`, SK: 'SESSION' },
        ConsistentRead: true,
      }),
    );
    return out.Item ? toRecord(out.Item) : null;
  }

  async deleteSession(hash: string): Promise<void> {
    await dynamo.send(
      new DeleteCommand({ TableName: this.tableName, Key: { PK: `SESSION#${hash}`, SK: 'SESSION' } }),
    );
  }
}

/** As stored: `validUntil` (ISO, checked on use) and the table's TTL attribute `expiresAt` (epoch seconds). */
function stored(r: SessionRecord) {
  return {
    role: r.role,
    companyId: r.companyId,
    validUntil: r.expiresAt,
    expiresAt: ttl(r.expiresAt, 86_400),
  };
}

function toRecord(i: Record<string, unknown>): SessionRecord {
  return { role: i.role as SessionRole, companyId: i.companyId as string, expiresAt: i.validUntil as string };
}
