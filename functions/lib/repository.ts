/**
 * The company repository: one item per company (`COMPANY#<id>` / `PROFILE`) holding the domain record, a
 * version for optimistic concurrency, the index attributes, and the task token of the workflow step waiting on
 * the company. Every write is conditional: nothing is lost to a concurrent writer.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Certificate, Company, Decision } from '../../domain';
import { dynamo } from './aws';
import { config } from './env';

export interface PendingTask {
  token: string;
  executionName: string;
  executionStartedAt: string;
  iteration: number;
  storedAt: string;
}

export interface StoredCompany {
  company: Company;
  version: number;
  pendingTask: PendingTask | null;
}

export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

export const companyKey = (companyId: string) => ({ PK: `COMPANY#${companyId}`, SK: 'PROFILE' });

/** Normalised legal name for the uniqueness check: case, accents, punctuation and spacing do not matter. */
export function normaliseLegalName(legalName: string): string {
  return legalName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

function indexAttributes(c: Company) {
  return {
    companyId: c.companyId,
    legalName: c.legalName,
    region: c.region,
    phase: c.phase,
    maintenanceYear: c.maintenanceYear ?? undefined,
    nextStep: c.nextDeadline?.step,
    nextDueOn: c.nextDeadline?.dueOn,
    gsiPhase: c.phase,
    gsiDue: `${c.nextDeadline?.dueOn ?? '9999-12-31'}#${c.companyId}`,
  };
}

function fromItem(item: Record<string, unknown> | undefined): StoredCompany | null {
  if (!item) return null;
  return {
    company: item.record as Company,
    version: item.version as number,
    pendingTask: (item.pendingTask as PendingTask | undefined) ?? null,
  };
}

export class CompanyRepository {
  constructor(private readonly tableName: string = config.tableName) {}

  async load(companyId: string): Promise<StoredCompany | null> {
    const out = await dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: companyKey(companyId), ConsistentRead: true }),
    );
    return fromItem(out.Item);
  }

  /**
   * Creates a company and claims its legal name in its region, atomically. Throws ConflictError when the name
   * is taken (even under concurrent identical sign-ups: the claim is a conditional write).
   */
  async create(company: Company): Promise<StoredCompany> {
    const uniqueKey = {
      PK: `LEGALNAME#${company.region}#${normaliseLegalName(company.legalName)}`,
      SK: 'UNIQUE',
    };
    try {
      await dynamo.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...uniqueKey, companyId: company.companyId },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...companyKey(company.companyId),
                  ...indexAttributes(company),
                  record: company,
                  version: 1,
                },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
          ],
        }),
      );
    } catch (e) {
      if (e instanceof TransactionCanceledException) {
        throw new ConflictError(
          `a company named "${company.legalName}" is already registered in ${company.region}`,
        );
      }
      throw e;
    }
    return { company, version: 1, pendingTask: null };
  }

  /** Writes a decision's record if the stored version is still `expectedVersion`; else ConflictError. */
  async save(expectedVersion: number, company: Company): Promise<StoredCompany> {
    const attrs = { ...indexAttributes(company), record: company, version: expectedVersion + 1 };
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':expected': expectedVersion };
    const sets: string[] = [];
    const removes: string[] = [];
    for (const [k, v] of Object.entries(attrs)) {
      names[`#${k}`] = k;
      if (v === undefined) removes.push(`#${k}`);
      else {
        sets.push(`#${k} = :${k}`);
        values[`:${k}`] = v;
      }
    }
    try {
      const out = await dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: companyKey(company.companyId),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return fromItem(out.Attributes) as StoredCompany;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) {
        throw new ConflictError(`company ${company.companyId} changed since version ${expectedVersion}`);
      }
      throw e;
    }
  }

  /**
   * Load → decide → save, retried on a concurrent change (optimistic concurrency). `decide` returns null when
   * there is nothing to write. Returns the stored result and the decision that produced it.
   */
  async mutate(
    companyId: string,
    decide: (stored: StoredCompany) => Decision | null,
    attempts = 5,
  ): Promise<{ stored: StoredCompany; decision: Decision | null }> {
    for (let attempt = 1; ; attempt++) {
      const stored = await this.load(companyId);
      if (!stored) throw new NotFoundError(`company ${companyId} not found`);
      const decision = decide(stored);
      if (!decision) return { stored, decision };
      try {
        return { stored: await this.save(stored.version, decision.company), decision };
      } catch (e) {
        if (!(e instanceof ConflictError) || attempt >= attempts) throw e;
      }
    }
  }

  /** Stores the waiting workflow task's token, if the record is still at `expectedVersion`. */
  async storeTaskToken(companyId: string, expectedVersion: number, task: PendingTask): Promise<boolean> {
    try {
      await dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: companyKey(companyId),
          UpdateExpression: 'SET pendingTask = :task',
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: { ':task': task, ':expected': expectedVersion },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  /** Claims a notification's dedupe key (conditional put). False when it was claimed before: do not send. */
  async claimNotification(companyId: string, key: string, expiresAt: number): Promise<boolean> {
    try {
      await dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { PK: `COMPANY#${companyId}`, SK: `NOTICE#${key}`, expiresAt },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  /** Releases a claim whose email could not be sent, so a retry sends it. */
  async releaseNotification(companyId: string, key: string): Promise<void> {
    await dynamo.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { PK: `COMPANY#${companyId}`, SK: `NOTICE#${key}` },
      }),
    );
  }

  /** The certificate's public lookup item (GSI byCertificate); idempotent. */
  async putCertificate(companyId: string, certificate: Certificate): Promise<void> {
    await dynamo.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          PK: `COMPANY#${companyId}`,
          SK: `CERT#${certificate.certificateNumber}`,
          certificateNumber: certificate.certificateNumber,
          companyId,
          issuedOn: certificate.issuedOn,
          expiresOn: certificate.expiresOn,
        },
      }),
    );
  }

  /** Allocates the region's next certificate sequence number (atomic counter). */
  async nextCertificateSequence(region: string): Promise<number> {
    const out = await dynamo.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { PK: `SEQUENCE#CERTIFICATE#${region}`, SK: 'COUNTER' },
        UpdateExpression: 'ADD #value :one',
        ExpressionAttributeNames: { '#value': 'value' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return out.Attributes?.value as number;
  }
}

export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}
