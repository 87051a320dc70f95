/**
 * The company repository: one item per company (`COMPANY#<id>` / `PROFILE`) holding the domain record, a
 * version for optimistic concurrency, the index attributes, the task token of the workflow step waiting on the
 * company, and the outbox: the workflow signal its last change still owes (written in the same conditional
 * write as the change, so a committed change is never without it). Every write is conditional: nothing is lost
 * to a concurrent writer.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Certificate, Company, Decision } from '../../../domain';
import { dynamo } from '../aws';
import { config } from '../env';
import {
  CLAIM_TAKEOVER_MS,
  companyKey,
  fromItem,
  indexAttributes,
  legalNameKey,
  nextSignal,
  type PendingTask,
  type Signal,
  SIGNAL_PENDING,
  signalAttributes,
  type StoredCompany,
} from './company-items';
import { ConflictError, NotFoundError } from './errors';
import { SessionRepository } from './sessions';
import {
  claimNotice,
  markNoticeSent,
  readNoticeClaim,
  releaseNotice,
  type NoticeClaim,
  type NoticeLease,
} from './notices';

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
    /** Attributes of the company item besides the record (e.g. the hash of its current key). */
    attributes: Record<string, unknown> = {},
  ): Promise<StoredCompany> {
    // The new company's execution is started after the commit, from the outbox (see Signal).
    const signal: Signal = {
      id: randomUUID(),
      kind: 'start',
      execution: company.execution.name,
      // When the company registered (the caller's clock), as every later signal is stamped.
      at: company.history.at(-1)?.at ?? new Date(now).toISOString(),
    };
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
          ...signalAttributes(signal, company.companyId),
          ...attributes,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
    await this.linkEmails(null, company);
    return { company, version: 1, pendingTask: null, signal, executions: [company.execution.name] };
  }

  /**
   * Writes a decision's record if the stored version is still `expectedVersion`; else ConflictError. With a
   * `signal`, the outbox entry is written in the same write (the change and what the workflow must be told
   * commit together).
   */
  async save(
    expectedVersion: number,
    company: Company,
    previousExecution?: string,
    signal?: Signal | null,
  ): Promise<StoredCompany> {
    const attrs = {
      ...indexAttributes(company),
      record: company,
      version: expectedVersion + 1,
      ...(signal ? signalAttributes(signal, company.companyId) : {}),
    };
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
   * there is nothing to write. With `outbox`, the decision's workflow effect is written as the outbox signal in
   * the same write (stamped with `outbox.now()`). Returns the stored result and the decision that produced it.
   */
  async mutate(
    companyId: string,
    decide: (stored: StoredCompany) => Decision | null,
    attempts = 5,
    outbox?: { now: () => string },
  ): Promise<{ stored: StoredCompany; decision: Decision | null }> {
    for (let attempt = 1; ; attempt++) {
      const stored = await this.load(companyId);
      if (!stored) throw new NotFoundError(`company ${companyId} not found`);
      const decision = decide(stored);
      if (!decision) return { stored, decision };
      // A change from outside the workflow (the API) owes the workflow its effect: the outbox signal, written
      // with it. The workflow's own changes owe nothing (it routes on their plan itself).
      const effect = outbox ? decision.workflow : null;
      const signal =
        outbox && effect
          ? nextSignal(stored.signal, effect, decision.company.execution.name, outbox.now(), randomUUID())
          : null;
      try {
        const saved = await this.save(
          stored.version,
          decision.company,
          stored.company.execution.name,
          signal,
        );
        await this.linkEmails(stored.company, decision.company);
        return { stored: saved, decision };
      } catch (e) {
        if (!(e instanceof ConflictError) || attempt >= attempts) throw e;
      }
    }
  }

  /**
   * Links a new contact or trainee address to the company, for sign-in by email (only when it changed; the link is
   * checked against the record when used, so an address that is no longer current signs nobody in).
   */
  private async linkEmails(before: Company | null, after: Company): Promise<void> {
    const links = new SessionRepository(this.tableName);
    if (after.contact.email !== before?.contact.email)
      await links.linkEmail(after.contact.email, after.companyId, 'company');
    if (after.trainee && after.trainee.email !== before?.trainee?.email)
      await links.linkEmail(after.trainee.email, after.companyId, 'trainee');
  }

  /**
   * Clears the outbox entry `signalId` once delivered; false when it is no longer the pending one (a later change
   * replaced it: its own delivery follows) or none is pending.
   */
  async clearSignal(companyId: string, signalId: string): Promise<boolean> {
    try {
      await dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: companyKey(companyId),
          UpdateExpression: 'REMOVE #signal, gsiSignal, gsiSignalAt',
          ConditionExpression: '#signal.id = :id',
          ExpressionAttributeNames: { '#signal': 'signal' },
          ExpressionAttributeValues: { ':id': signalId },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  /**
   * Records that the company's execution `name` started (idempotent: the first record stays). Kept on the
   * company's partition, so listing its executions never depends on Step Functions keeping their history
   * (it deletes it 90 days after an execution closes).
   */
  async recordExecutionStart(companyId: string, name: string, startedAt: string): Promise<void> {
    try {
      await dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { PK: `COMPANY#${companyId}`, SK: `EXECUTION#${name}`, name, startedAt },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
  }

  /** When each of the company's executions started, by name (those recorded by recordExecutionStart). */
  async executionStarts(companyId: string): Promise<Map<string, string>> {
    const starts = new Map<string, string>();
    let start: Record<string, unknown> | undefined;
    do {
      const page = await dynamo.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': `COMPANY#${companyId}`, ':prefix': 'EXECUTION#' },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const i of page.Items ?? []) starts.set(i.name as string, i.startedAt as string);
      start = page.LastEvaluatedKey;
    } while (start);
    return starts;
  }

  /** Pending signals written before `before` (ISO), oldest first (the sparse byPendingSignal index). */
  async pendingSignals(before: string, limit: number): Promise<{ companyId: string; signal: Signal }[]> {
    const out = await dynamo.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byPendingSignal',
        KeyConditionExpression: 'gsiSignal = :pending AND gsiSignalAt < :before',
        ExpressionAttributeValues: { ':pending': SIGNAL_PENDING, ':before': before },
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((i) => ({ companyId: i.companyId as string, signal: i.signal as Signal }));
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

  /**
   * Claims a notification's dedupe key (conditional put; see ./notices.ts). False when it is claimed already:
   * do not send. With a lease, an unsent claim whose lease ran out is taken over (true).
   */
  async claimNotification(
    companyId: string,
    key: string,
    expiresAt: number,
    lease?: NoticeLease,
  ): Promise<boolean> {
    return claimNotice(this.tableName, companyId, key, expiresAt, lease);
  }

  /** The notification's claim as stored, or null. */
  async notificationClaim(companyId: string, key: string): Promise<NoticeClaim | null> {
    return readNoticeClaim(this.tableName, companyId, key);
  }

  /** Marks a claimed notification sent: it is never sent again. */
  async markNotificationSent(
    companyId: string,
    key: string,
    sentAt: number,
    expiresAt: number,
  ): Promise<void> {
    await markNoticeSent(this.tableName, companyId, key, sentAt, expiresAt);
  }

  /** Releases a claim whose email could not be sent, so a retry sends it (only while `owner` holds it). */
  async releaseNotification(companyId: string, key: string, owner?: string): Promise<void> {
    await releaseNotice(this.tableName, companyId, key, owner);
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
