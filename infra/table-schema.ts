/**
 * API keys are items keyed by their SHA-256 (`APIKEY#<hash>`), read with a strongly consistent GetItem rather
 * than through a GSI: a GSI read is eventually consistent, and a key must work the moment it is issued.
 *
 * The one definition of the DynamoDB table: the CDK Data construct builds the table from it, and the local
 * runtime creates the same table and indexes in dynalite from it.
 */
export const TABLE_KEYS = { partitionKey: 'PK', sortKey: 'SK' } as const;

export interface IndexSchema {
  indexName: string;
  partitionKey: string;
  sortKey?: string;
  /** Attributes projected besides the keys. */
  include: string[];
}

export const INDEXES = {
  /** Operations lists: companies by phase, ordered by their next deadline (overdue = a key-range query). */
  byPhase: {
    indexName: 'byPhase',
    partitionKey: 'gsiPhase',
    sortKey: 'gsiDue',
    include: [
      'companyId',
      'legalName',
      'region',
      'phase',
      'maintenanceYear',
      'nextStep',
      'nextDueOn',
      'emailIssue',
    ],
  },
  /** Public verification: certificate number → company. */
  byCertificate: { indexName: 'byCertificate', partitionKey: 'certificateNumber', include: ['companyId'] },
  /**
   * The outbox: companies with a workflow signal not yet delivered, oldest first. Sparse: only an item with a
   * pending signal has `gsiSignal`, so the reconciler's query costs what is pending, never the table.
   */
  byPendingSignal: {
    indexName: 'byPendingSignal',
    partitionKey: 'gsiSignal',
    sortKey: 'gsiSignalAt',
    include: ['companyId', 'signal'],
  },
} as const satisfies Record<string, IndexSchema>;

/** All key attributes are strings. */
export const KEY_ATTRIBUTES = [
  TABLE_KEYS.partitionKey,
  TABLE_KEYS.sortKey,
  ...new Set(
    Object.values(INDEXES).flatMap((i: IndexSchema) => [i.partitionKey, ...(i.sortKey ? [i.sortKey] : [])]),
  ),
];

/** CreateTable input (DynamoDB API shape) for the local runtime and tests. */
export function createTableInput(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: KEY_ATTRIBUTES.map((name) => ({
      AttributeName: name,
      AttributeType: 'S' as const,
    })),
    KeySchema: [
      { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: Object.values(INDEXES).map((i: IndexSchema) => ({
      IndexName: i.indexName,
      KeySchema: [
        { AttributeName: i.partitionKey, KeyType: 'HASH' as const },
        ...(i.sortKey ? [{ AttributeName: i.sortKey, KeyType: 'RANGE' as const }] : []),
      ],
      Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: i.include },
    })),
  };
}
