/**
 * The company repository: one item per company (`COMPANY#<id>` / `PROFILE`) holding the domain record, a
 * version for optimistic concurrency, the index attributes, and the task token of the workflow step waiting on
 * the company. Every write is conditional: nothing is lost to a concurrent writer.
 */
import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Certificate, Company, Decision, EmailIssue } from '../../domain';
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
  /** Names of every execution the company has had, oldest first. */
  executions?: string[];
}

export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** A name claim older than this whose company item was never written is abandoned (a crashed sign-up). */
export const CLAIM_TAKEOVER_MS = 60_000;

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** The claim on a legal name in a region, hashed: a long name must never make a key DynamoDB refuses. */
export const legalNameKey = (region: string, legalName: string) =>
  `LEGALNAME#${region}#${sha256(normaliseLegalName(legalName))}`;

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
    // Projected into byPhase for the ops list; removed once cleared (null), untouched on records without it.
    ...(c.emailIssue !== undefined ? { emailIssue: c.emailIssue ?? undefined } : {}),
  };
}

function fromItem(item: Record<string, unknown> | undefined): StoredCompany | null {
  if (!item) return null;
  return {
    company: item.record as Company,
    version: item.version as number,
    pendingTask: (item.pendingTask as PendingTask | undefined) ?? null,
    executions: (item.executions as string[] | undefined) ?? [],
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
   * Creates a company: claims its legal name in its region (conditional put), writes `extraItems` (its API key),
   * then the company item last, as the commit point. Throws ConflictError when the name is taken — also under
   * concurrent identical sign-ups. A claim whose company never got written (a crash in between) is taken over
   * after CLAIM_TAKEOVER_MS. (dynalite, the local DynamoDB, has no transactions; this needs none.)
   */
  async create(
    company: Company,
    extraItems: Record<string, unknown>[] = [],
    now = Date.now(),
  ): Promise<StoredCompany> {
    const claimKey = {
      PK: legalNameKey(company.region, company.legalName),
      SK: 'UNIQUE',
    };
    const conflict = () =>
      new ConflictError(`a company named "${company.legalName}" is already registered in ${company.region}`);
    try {
      await dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...claimKey, companyId: company.companyId, claimedAt: now },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
      const claim = await dynamo.send(
        new GetCommand({ TableName: this.tableName, Key: claimKey, ConsistentRead: true }),
      );
      const owner = claim.Item?.companyId as string | undefined;
      const claimedAt = (claim.Item?.claimedAt as number | undefined) ?? 0;
      if (!owner || now - claimedAt < CLAIM_TAKEOVER_MS || (await this.load(owner))) throw conflict();
      try {
        await dynamo.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...claimKey, companyId: company.companyId, claimedAt: now },
            ConditionExpression: 'companyId = :owner',
            ExpressionAttributeValues: { ':owner': owner },
          }),
        );
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException) throw conflict();
        throw err;
      }
    }
    for (const Item of extraItems) {
      await dynamo.send(
        new PutCommand({ TableName: this.tableName, Item, ConditionExpression: 'attribute_not_exists(PK)' }),
      );
    }
    await dynamo.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...companyKey(company.companyId),
          ...indexAttributes(company),
          record: company,
          version: 1,
          executions: [company.execution.name],
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
    return { company, version: 1, pendingTask: null, executions: [company.execution.name] };
  }

  /** Writes a decision's record if the stored version is still `expectedVersion`; else ConflictError. */
  async save(expectedVersion: number, company: Company, previousExecution?: string): Promise<StoredCompany> {
    const attrs = { ...indexAttributes(company), record: company, version: expectedVersion + 1 };
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':expected': expectedVersion };
    const sets: string[] = [];
    // Every execution the company ever had, by name (ops list them without scanning the state machine).
    if (previousExecution !== undefined && previousExecution !== company.execution.name) {
      sets.push('executions = list_append(if_not_exists(executions, :noExecutions), :execution)');
      values[':noExecutions'] = [];
      values[':execution'] = [company.execution.name];
    }
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
        return {
          stored: await this.save(stored.version, decision.company, stored.company.execution.name),
          decision,
        };
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

export interface KeyRecord {
  role: 'company' | 'assessor' | 'ops';
  companyId?: string;
  assessorId?: string;
}

export interface CompanyListItem {
  companyId: string;
  legalName: string;
  region: string;
  phase: string;
  maintenanceYear?: number;
  nextStep?: string;
  nextDueOn?: string;
  emailIssue?: EmailIssue;
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

/** Reads across companies, through the GSIs (a query's cost grows with its result, never with the table). */
export class IndexRepository {
  constructor(private readonly tableName: string = config.tableName) {}

  /** Companies in a phase, ordered by next deadline; `dueBefore` keeps only those due before that date. */
  async byPhase(
    phase: string,
    options: { dueBefore?: string; limit: number; cursor?: Record<string, unknown> },
  ): Promise<{ items: CompanyListItem[]; cursor?: Record<string, unknown>; scanned: number }> {
    const out = await dynamo.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byPhase',
        KeyConditionExpression: options.dueBefore ? 'gsiPhase = :p AND gsiDue < :d' : 'gsiPhase = :p',
        ExpressionAttributeValues: { ':p': phase, ...(options.dueBefore ? { ':d': options.dueBefore } : {}) },
        Limit: options.limit,
        ...(options.cursor ? { ExclusiveStartKey: options.cursor } : {}),
      }),
    );
    return {
      items: (out.Items ?? []) as CompanyListItem[],
      ...(out.LastEvaluatedKey ? { cursor: out.LastEvaluatedKey } : {}),
      scanned: out.ScannedCount ?? 0,
    };
  }

  async companyOfCertificate(certificateNumber: string): Promise<string | null> {
    const out = await dynamo.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byCertificate',
        KeyConditionExpression: 'certificateNumber = :n',
        ExpressionAttributeValues: { ':n': certificateNumber },
        Limit: 1,
      }),
    );
    return (out.Items?.[0]?.companyId as string | undefined) ?? null;
  }
}

export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}
