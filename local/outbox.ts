/**
 * The local stand-in for the table's DynamoDB stream (dynalite has none): it reads the outbox — the company
 * items with a pending signal, through the same sparse byPendingSignal index the reconciler reads — and feeds
 * each item, as the stream record AWS would deliver (NEW_IMAGE, DynamoDB JSON), to the signalling function's
 * handler. A record the handler reports as failed stays pending and is fed again at the next drain, as the
 * event source mapping retries it. Drains never overlap.
 */
import { DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { SIGNAL_PENDING } from '../functions/lib/repositories/company-items';

export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;

export class LocalOutboxStream {
  private readonly client: DynamoDBClient;
  private running: Promise<number> | null = null;
  private again = false;
  private sequence = 0;
  /** Records fed to the handler, and those it reported as failed. */
  readonly stats = { fed: 0, failed: 0 };

  constructor(
    private readonly tableName: string,
    private readonly handler: () => Promise<StreamHandler>,
    endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB,
  ) {
    this.client = new DynamoDBClient({
      ...(endpoint ? { endpoint } : {}),
      region: process.env.AWS_REGION ?? 'ca-central-1',
    });
  }

  /** Whether a drain is in flight (the virtual clock waits for it before moving). */
  get busy(): boolean {
    return this.running !== null;
  }

  /** Feeds every pending signal to the handler; resolves with the records fed. Coalesces overlapping calls. */
  drain(): Promise<number> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      let fed = 0;
      try {
        do {
          this.again = false;
          fed += await this.once();
        } while (this.again);
      } finally {
        this.running = null;
      }
      return fed;
    })();
    return this.running;
  }

  private async once(): Promise<number> {
    const records: DynamoDBRecord[] = [];
    let start: Record<string, never> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'byPendingSignal',
          KeyConditionExpression: 'gsiSignal = :pending',
          ExpressionAttributeValues: { ':pending': { S: SIGNAL_PENDING } },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const key of page.Items ?? []) {
        const item = await this.client.send(
          new GetItemCommand({
            TableName: this.tableName,
            Key: { PK: key.PK as never, SK: key.SK as never },
            ConsistentRead: true,
          }),
        );
        if (!item.Item?.signal) continue;
        this.sequence += 1;
        records.push({
          eventID: `local-${this.sequence}`,
          eventName: 'MODIFY',
          eventSource: 'aws:dynamodb',
          eventVersion: '1.1',
          awsRegion: process.env.AWS_REGION ?? 'ca-central-1',
          dynamodb: {
            Keys: { PK: item.Item.PK, SK: item.Item.SK } as never,
            NewImage: item.Item as never,
            SequenceNumber: String(this.sequence).padStart(21, '0'),
            StreamViewType: 'NEW_IMAGE',
          },
        });
      }
      start = page.LastEvaluatedKey as Record<string, never> | undefined;
    } while (start);
    if (records.length === 0) return 0;
    const handle = await this.handler();
    // One record per invocation, as a mapping with batch size 1 would (a failure holds back nothing else).
    for (const record of records) {
      this.stats.fed += 1;
      try {
        const out = await handle({ Records: [record] });
        if (out && out.batchItemFailures.length > 0) this.stats.failed += 1;
      } catch {
        this.stats.failed += 1;
      }
    }
    return records.length;
  }

  close(): void {
    this.client.destroy();
  }
}
