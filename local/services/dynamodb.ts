/** dynalite (the DynamoDB API, validating like the real service) in this process, and the table from infra/. */
import {
  type AttributeValue,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import type { AddressInfo } from 'node:net';
import { createTableInput } from '../../infra/table-schema';

interface DynaliteServer {
  listen(port: number, host: string, cb: () => void): void;
  close(cb: () => void): void;
  address(): AddressInfo;
}
type DynaliteFactory = (options: {
  path?: string;
  createTableMs?: number;
  updateTableMs?: number;
  deleteTableMs?: number;
}) => DynaliteServer;

export interface LocalDynamo {
  endpoint: string;
  close(): Promise<void>;
}

/** Starts dynalite on 127.0.0.1 (`port` 0 = any free port); `path` keeps the data on disk. */
export async function startDynamo(options: { port?: number; path?: string } = {}): Promise<LocalDynamo> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- dynalite ships no types
  const dynalite = require('dynalite') as DynaliteFactory;
  const server = dynalite({
    ...(options.path ? { path: options.path } : {}),
    createTableMs: 0,
    updateTableMs: 0,
    deleteTableMs: 0,
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Creates the table (and its GSIs) from the same definition as the CDK Data construct; idempotent. A table
 * from an earlier version (a data directory kept across upgrades) that lacks an index is rebuilt with it.
 */
export async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'ca-central-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const input = createTableInput(tableName);
  const active = async () => {
    for (let i = 0; i < 250; i++) {
      const d = await client.send(new DescribeTableCommand({ TableName: tableName }));
      const indexes = d.Table?.GlobalSecondaryIndexes ?? [];
      if (d.Table?.TableStatus === 'ACTIVE' && indexes.every((g) => g.IndexStatus === 'ACTIVE')) return d;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`table ${tableName} did not become ACTIVE`);
  };
  try {
    await client.send(new CreateTableCommand(input));
  } catch (e) {
    if (!(e instanceof ResourceInUseException)) throw e;
  }
  const existing = new Set(((await active()).Table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
  if (input.GlobalSecondaryIndexes.some((g) => !existing.has(g.IndexName))) {
    // dynalite cannot add an index to a table (UpdateTable ignores GlobalSecondaryIndexUpdates.Create): the
    // table is rebuilt with its items, which the new indexes then cover (local data is small).
    const items: Record<string, AttributeValue>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    await client.send(new DeleteTableCommand({ TableName: tableName }));
    for (let i = 0; i < 250; i++) {
      try {
        await client.send(new DescribeTableCommand({ TableName: tableName }));
        await new Promise((r) => setTimeout(r, 20));
      } catch (e) {
        if (e instanceof ResourceNotFoundException) break;
        throw e;
      }
    }
    await client.send(new CreateTableCommand(input));
    await active();
    for (const Item of items) await client.send(new PutItemCommand({ TableName: tableName, Item }));
  }
  client.destroy();
}
