/** The cross-company reads: companies by phase and deadline, and the company behind a certificate. */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { EmailIssue } from '../../../domain';
import { dynamo } from '../aws';
import { config } from '../env';

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
