/**
 * The meter's DynamoDB side (bench/lib/meter.ts). The functions run in worker threads (local/lambda/runtime.ts)
 * and reach DynamoDB through the local IAM proxy (local/lambda/iam.ts), which forwards each request to dynalite
 * with `http.request`. That call is tapped here (node:http's `request`, read by the proxy at each call): a
 * request to dynalite signed with a function's access key id (its logical id) is that function's, and is
 * counted — its command, the request units it costs, the items it reads — under the function's module. Nothing
 * in local/ is edited; the runtime's own requests (other keys) and the meter's are not counted.
 *
 * Units: reads from the returned items' sizes (GetItem: 1 per 4 KB strongly consistent, ½ eventually
 * consistent, at least 1 even when nothing is found; Query: the page's bytes, rounded up per page). Writes, in
 * precise mode: the item is read (outside the count) before and after the write, and the write costs 1 WRU per
 * KB of the larger of the two (a failed condition: of the item as it stands), plus the global-secondary-index
 * writes the change causes. Without precise mode, the units dynalite reports (ReturnConsumedCapacity: TOTAL,
 * asked for on every counted request) are used. The time the precise reads take is reported to the meter as
 * the function's overhead (subtracted from its invocation's duration).
 */
import { DynamoDBClient, GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { PassThrough } from 'node:stream';
import { INDEXES, TABLE_KEYS, type IndexSchema } from '../../infra/table-schema';
import { attributeItemSize, readUnits, writeUnits } from './size';

// The module object itself (not an ES namespace copy), so that replacing `request` is seen by its callers.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
const http = require('node:http') as typeof import('node:http');

export type Item = Record<string, AttributeValue>;

export interface DynamoTally {
  /** Commands by name (GetItemCommand, UpdateItemCommand…). */
  commands: Record<string, number>;
  readUnits: number;
  /** Table + index write units. */
  writeUnits: number;
  tableWriteUnits: number;
  indexWriteUnits: number;
  conditionalFailures: number;
  /** Items read by Query/Scan (before any filter) and GetItem hits. */
  itemsRead: number;
  /** The units dynalite itself reported (table only; no failed conditions): a cross-check. */
  reportedReadUnits: number;
  reportedWriteUnits: number;
  /** Request units by the handler module that caused them. */
  byModule: Record<string, { readUnits: number; writeUnits: number; itemsRead: number }>;
  /** Largest item seen, by the first segment of its sort key (PROFILE, NOTICE, CERT, KEY…), in bytes. */
  maxItemBytes: Record<string, number>;
}

export const emptyTally = (): DynamoTally => ({
  commands: {},
  readUnits: 0,
  writeUnits: 0,
  tableWriteUnits: 0,
  indexWriteUnits: 0,
  conditionalFailures: 0,
  itemsRead: 0,
  reportedReadUnits: 0,
  reportedWriteUnits: 0,
  byModule: {},
  maxItemBytes: {},
});

/** The index entry an item has in `index` (keys + projected attributes), or null when it is not in the index. */
function indexEntry(item: Item | undefined, index: IndexSchema): Item | null {
  if (!item || !item[index.partitionKey] || (index.sortKey && !item[index.sortKey])) return null;
  const names = [
    TABLE_KEYS.partitionKey,
    TABLE_KEYS.sortKey,
    index.partitionKey,
    ...(index.sortKey ? [index.sortKey] : []),
    ...index.include,
  ];
  const entry: Item = {};
  for (const n of names) if (item[n] !== undefined) entry[n] = item[n] as AttributeValue;
  return entry;
}

const entryUnits = (entry: Item) => writeUnits(attributeItemSize(entry) + 100);
const keyOf = (entry: Item, index: IndexSchema) =>
  JSON.stringify([entry[index.partitionKey], index.sortKey ? entry[index.sortKey] : null]);

/** Write units the change `before` → `after` of one item causes in the global secondary indexes. */
export function indexWriteUnits(before: Item | undefined, after: Item | undefined): number {
  let units = 0;
  for (const index of Object.values(INDEXES) as IndexSchema[]) {
    const old = indexEntry(before, index);
    const neu = indexEntry(after, index);
    if (!old && !neu) continue;
    if (!old) units += entryUnits(neu as Item);
    else if (!neu) units += entryUnits(old);
    else if (keyOf(old, index) !== keyOf(neu, index)) units += entryUnits(old) + entryUnits(neu);
    else if (JSON.stringify(old) !== JSON.stringify(neu)) units += entryUnits(neu);
  }
  return units;
}

const kindOf = (item: Item | undefined) => {
  const sk = item?.[TABLE_KEYS.sortKey]?.S;
  return typeof sk === 'string' ? (sk.split('#')[0] ?? sk) : 'other';
};

const WRITES = ['PutItem', 'UpdateItem', 'DeleteItem'];

export interface WireHooks {
  /** The handler module of the function that signs with this access key id; undefined: not counted. */
  moduleOf(principal: string): string | undefined;
  counting(): boolean;
  /** Milliseconds the meter spent inside a request of this module's function. */
  overhead(module: string, ms: number): void;
}

type Request = typeof http.request;

export class DynamoWire {
  tally = emptyTally();
  private readonly raw: DynamoDBClient;
  private original?: Request;

  constructor(
    private readonly upstream: URL,
    private readonly precise: boolean,
    private readonly hooks: WireHooks,
  ) {
    this.raw = new DynamoDBClient({
      endpoint: upstream.origin,
      region: 'ca-central-1',
      credentials: { accessKeyId: 'bench-meter', secretAccessKey: 'local' },
    });
  }

  install(): void {
    if (this.original) return;
    const original = http.request;
    this.original = original;
    const tapped = (...args: unknown[]): ClientRequest => {
      const [options, cb] = args as [RequestOptions, ((res: IncomingMessage) => void) | undefined];
      const plain = typeof options === 'object' && !(options instanceof URL) && args.length <= 2;
      const module = plain ? this.moduleOf(options) : undefined;
      return module
        ? this.intercept(original, module, options, cb)
        : (original as (...a: unknown[]) => ClientRequest)(...args);
    };
    http.request = tapped as Request;
  }

  uninstall(): void {
    if (this.original) http.request = this.original;
    this.original = undefined;
  }

  /** The module a request to dynalite is made for, when it is counted. */
  private moduleOf(options: RequestOptions): string | undefined {
    if (!this.hooks.counting() || String(options.port) !== this.upstream.port) return undefined;
    const headers = (options.headers ?? {}) as Record<string, unknown>;
    if (!String(headers['x-amz-target'] ?? '').startsWith('DynamoDB_')) return undefined;
    const principal = /Credential=([^/]+)\//.exec(String(headers.authorization ?? ''))?.[1];
    return principal ? this.hooks.moduleOf(principal) : undefined;
  }

  private intercept(
    original: Request,
    module: string,
    options: RequestOptions,
    cb: ((res: IncomingMessage) => void) | undefined,
  ): ClientRequest {
    const headers = (options.headers ?? {}) as Record<string, unknown>;
    const operation = String(headers['x-amz-target']).replace(/^DynamoDB_\d+\./, '');
    let input: Record<string, unknown> = {};
    let before: Item | undefined;
    let overheadMs = 0;
    const req = original(options, (up) => {
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => {
        void (async () => {
          const body = Buffer.concat(chunks);
          const t0 = performance.now();
          await this.account(module, operation, input, before, up.statusCode ?? 500, body).catch(() => 0);
          overheadMs += performance.now() - t0;
          this.hooks.overhead(module, overheadMs);
          // The proxy reads the status, the headers and the body, as dynalite sent them.
          const replay = Object.assign(new PassThrough(), {
            statusCode: up.statusCode,
            statusMessage: up.statusMessage,
            headers: up.headers,
          });
          cb?.(replay as unknown as IncomingMessage);
          replay.end(body);
        })();
      });
    });
    const end = req.end.bind(req) as (chunk?: unknown) => ClientRequest;
    req.end = ((chunk?: unknown) => {
      void (async () => {
        let body = chunk;
        try {
          input = JSON.parse(
            Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk ?? '{}'),
          ) as Record<string, unknown>;
          input.ReturnConsumedCapacity = 'TOTAL';
          body = JSON.stringify(input);
          req.setHeader('content-length', Buffer.byteLength(body as string));
          const key = (operation === 'PutItem' ? input.Item : input.Key) as Item | undefined;
          if (this.precise && WRITES.includes(operation) && key) {
            const t0 = performance.now();
            before = await this.item(String(input.TableName), key);
            overheadMs += performance.now() - t0;
          }
        } catch {
          // not JSON: dynalite answers it (and nothing is counted)
        }
        end(body);
      })();
      return req;
    }) as typeof req.end;
    return req;
  }

  private async item(table: string, key: Item): Promise<Item | undefined> {
    const Key: Item = {};
    for (const k of [TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey])
      if (key[k]) Key[k] = key[k] as AttributeValue;
    const out = await this.raw.send(new GetItemCommand({ TableName: table, Key, ConsistentRead: true }));
    return out.Item;
  }

  private add(module: string, read: number, write: number, itemsRead = 0): void {
    const t = this.tally;
    const m = (t.byModule[module] ??= { readUnits: 0, writeUnits: 0, itemsRead: 0 });
    m.readUnits += read;
    m.writeUnits += write;
    m.itemsRead += itemsRead;
    t.itemsRead += itemsRead;
    t.readUnits += read;
    t.writeUnits += write;
  }

  private noteSize(item: Item | undefined, bytes: number): void {
    const kind = kindOf(item);
    this.tally.maxItemBytes[kind] = Math.max(this.tally.maxItemBytes[kind] ?? 0, bytes);
  }

  private async account(
    module: string,
    operation: string,
    input: Record<string, unknown>,
    before: Item | undefined,
    status: number,
    body: Buffer,
  ): Promise<void> {
    const t = this.tally;
    const command = `${operation}Command`;
    t.commands[command] = (t.commands[command] ?? 0) + 1;
    const output = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
    if (status !== 200) {
      if (String(output.__type ?? '').endsWith('ConditionalCheckFailedException')) {
        t.conditionalFailures += 1;
        const units = writeUnits(attributeItemSize(before));
        t.tableWriteUnits += units;
        this.add(module, 0, units);
      }
      return;
    }
    const reported = (output.ConsumedCapacity as { CapacityUnits?: number } | undefined)?.CapacityUnits ?? 0;
    const consistent = input.ConsistentRead === true;
    if (WRITES.includes(operation)) {
      t.reportedWriteUnits += reported;
      const key = (operation === 'PutItem' ? input.Item : input.Key) as Item | undefined;
      if (this.precise && key) {
        const after = await this.item(String(input.TableName), key);
        const tableUnits = writeUnits(Math.max(attributeItemSize(before), attributeItemSize(after)));
        const indexUnits = indexWriteUnits(before, after);
        t.tableWriteUnits += tableUnits;
        t.indexWriteUnits += indexUnits;
        this.add(module, 0, tableUnits + indexUnits);
        this.noteSize(after ?? before, attributeItemSize(after ?? before));
      } else {
        t.tableWriteUnits += reported;
        this.add(module, 0, reported);
      }
    } else if (operation === 'GetItem') {
      t.reportedReadUnits += reported;
      const item = output.Item as Item | undefined;
      const bytes = attributeItemSize(item);
      if (item) this.noteSize(item, bytes);
      this.add(module, readUnits(bytes, consistent), 0, item ? 1 : 0);
    } else if (operation === 'Query' || operation === 'Scan') {
      t.reportedReadUnits += reported;
      const items = (output.Items as Item[] | undefined) ?? [];
      const bytes = items.reduce((s, i) => s + attributeItemSize(i), 0);
      const scanned = Number(output.ScannedCount ?? items.length);
      this.add(module, readUnits(bytes, consistent), 0, scanned);
    }
  }
}
