/**
 * Counts what a run on the local runtime would be billed for in AWS, from inside the runtime's process:
 *
 * - Lambda: every handler the runtime invokes (state-machine tasks, API handlers, the authorizer) is wrapped,
 *   so each invocation's duration is measured from the call to the settling of its promise — what Lambda
 *   bills. (The Step Functions counter `lambdaMillis` cannot be used for that: for a `.waitForTaskToken` task
 *   it also counts the time the execution waits for the person.) Time the meter itself spends (its extra
 *   reads, below) is subtracted, per invocation, through an AsyncLocalStorage.
 * - DynamoDB: a middleware on the handlers' DocumentClient (functions/lib/aws.ts) sees every command. Reads:
 *   request units from the returned item sizes (GetItem: 1 per 4 KB strongly consistent, ½ eventually
 *   consistent, at least one unit even when nothing is found; Query/Scan: the page's bytes, rounded up per
 *   page). Writes, in precise mode: the item is read (outside the count) before and after the write, and the
 *   write is charged 1 WRU per KB of the larger of the two (a failed condition: of the item as it stands), plus
 *   the global-secondary-index writes the change causes (an index entry put, deleted, or both when its key
 *   changes; entry = keys + projected attributes + 100 bytes). Without precise mode, the table units dynalite
 *   reports (ReturnConsumedCapacity: TOTAL, same rules, no index units) are used.
 * - API Gateway: every request the local gateway serves.
 *
 * The runtime classes are patched at their prototypes (before startRuntime), nothing in local/ is edited.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { DynamoDBClient, GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/lib-dynamodb';
import type { InitializeHandler, InitializeHandlerArguments, InitializeHandlerOutput } from '@smithy/types';
import { INDEXES, TABLE_KEYS, type IndexSchema } from '../../infra/table-schema';
import { LocalApiGateway, type LocalRequest, type LocalResponse } from '../../local/api-gateway';
import { LocalStepFunctions } from '../../local/stepfunctions';
import { attributeItemSize, documentItemSize, readUnits, writeUnits } from './size';

type Handler = (...args: unknown[]) => Promise<unknown>;
type Loader = (module: string) => Promise<Record<string, unknown>>;

interface Invocation {
  /** The handler module being invoked. */
  module: string;
  /** Milliseconds the meter spent inside this invocation (subtracted from its duration). */
  overheadMs: number;
}

const invocation = new AsyncLocalStorage<Invocation>();

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
  /** Request units by the handler module that caused them ('runtime' outside any handler). */
  byModule: Record<string, { readUnits: number; writeUnits: number; itemsRead: number }>;
  /** Largest item seen, by the first segment of its sort key (PROFILE, NOTICE, CERT, KEY…), in bytes. */
  maxItemBytes: Record<string, number>;
}

export interface MeterSnapshot {
  /** Handler durations (ms) by module path. */
  lambda: Record<string, number[]>;
  api: { requests: number; serverErrors: number };
  dynamo: DynamoTally;
}

const emptyTally = (): DynamoTally => ({
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

type Item = Record<string, AttributeValue>;

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

const kindOf = (sk: unknown) => (typeof sk === 'string' ? (sk.split('#')[0] ?? sk) : 'other');

export class Meter {
  /** Only what happens while counting is true is counted. */
  counting = false;
  private lambda = new Map<string, number[]>();
  private api = { requests: 0, serverErrors: 0 };
  private dynamo = emptyTally();
  private readonly wrapped = new WeakMap<Handler, Handler>();
  private raw?: DynamoDBClient;

  constructor(private readonly options: { precise: boolean }) {}

  reset(): void {
    this.lambda = new Map();
    this.api = { requests: 0, serverErrors: 0 };
    this.dynamo = emptyTally();
  }

  snapshot(): MeterSnapshot {
    return {
      lambda: Object.fromEntries([...this.lambda].map(([k, v]) => [k, [...v]])),
      api: { ...this.api },
      dynamo: JSON.parse(JSON.stringify(this.dynamo)) as DynamoTally,
    };
  }

  /** Wraps the handlers the runtime will load. Call before startRuntime. */
  patchRuntime(): void {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the patched methods need both `this`es
    const meter = this;
    const sfnProto = LocalStepFunctions.prototype as unknown as { listen(port: number): Promise<string> };
    const listen = sfnProto.listen;
    sfnProto.listen = function (this: { options?: { load?: Loader } }, port: number) {
      const options = this.options;
      const load = options?.load;
      if (!options || !load) throw new Error('bench meter: LocalStepFunctions no longer has options.load');
      options.load = async (module: string) => {
        const m = await load(module);
        return typeof m.handler === 'function'
          ? { ...m, handler: meter.wrap(module, m.handler as Handler) }
          : m;
      };
      return listen.call(this, port);
    };
    const gwProto = LocalApiGateway.prototype as unknown as {
      module(path: string): Promise<{ handler: Handler }>;
      invoke(req: LocalRequest): Promise<LocalResponse>;
    };
    const moduleOf = gwProto.module;
    if (typeof moduleOf !== 'function') throw new Error('bench meter: LocalApiGateway.module is gone');
    gwProto.module = async function (this: unknown, path: string) {
      const m = await moduleOf.call(this, path);
      return { ...m, handler: meter.wrap(path, m.handler) };
    };
    const invoke = gwProto.invoke;
    gwProto.invoke = async function (this: unknown, req: LocalRequest) {
      const res = await invoke.call(this, req);
      if (meter.counting) {
        meter.api.requests += 1;
        if (res.statusCode >= 500) meter.api.serverErrors += 1;
      }
      return res;
    };
  }

  private wrap(module: string, handler: Handler): Handler {
    let w = this.wrapped.get(handler);
    if (!w) {
      w = async (...args: unknown[]) => {
        const inv: Invocation = { module, overheadMs: 0 };
        const t0 = performance.now();
        try {
          return await invocation.run(inv, () => handler(...args));
        } finally {
          if (this.counting) {
            const list = this.lambda.get(module) ?? [];
            list.push(Math.max(0, performance.now() - t0 - inv.overheadMs));
            this.lambda.set(module, list);
          }
        }
      };
      this.wrapped.set(handler, w);
    }
    return w;
  }

  /** Counts the handlers' DynamoDB traffic. Call after startRuntime (the client's endpoint is set by then). */
  async attachDynamo(): Promise<void> {
    const { dynamo } = await import('../../functions/lib/aws');
    this.raw = new DynamoDBClient({});
    dynamo.middlewareStack.add(
      (next: InitializeHandler<ServiceInputTypes, ServiceOutputTypes>, context) =>
        (args: InitializeHandlerArguments<ServiceInputTypes>) =>
          this.observe(next, String(context.commandName ?? ''), args),
      { step: 'initialize', name: 'secorBenchMeter' },
    );
  }

  private async rawItem(table: string, key: Record<string, unknown>): Promise<Item | undefined> {
    const Key: Item = {};
    for (const k of [TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey]) Key[k] = { S: String(key[k]) };
    const out = await this.raw?.send(new GetItemCommand({ TableName: table, Key, ConsistentRead: true }));
    return out?.Item;
  }

  /** Runs `fn` outside the count: its time is subtracted from the invocation it happens in. */
  private async aside<T>(fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      const inv = invocation.getStore();
      if (inv) inv.overheadMs += performance.now() - t0;
    }
  }

  private addUnits(read: number, write: number, itemsRead = 0): void {
    const module = invocation.getStore()?.module ?? 'runtime';
    const m = (this.dynamo.byModule[module] ??= { readUnits: 0, writeUnits: 0, itemsRead: 0 });
    m.readUnits += read;
    m.writeUnits += write;
    m.itemsRead += itemsRead;
    this.dynamo.itemsRead += itemsRead;
    this.dynamo.readUnits += read;
    this.dynamo.writeUnits += write;
  }

  private noteSize(sk: unknown, bytes: number): void {
    const kind = kindOf(sk);
    this.dynamo.maxItemBytes[kind] = Math.max(this.dynamo.maxItemBytes[kind] ?? 0, bytes);
  }

  private async observe(
    next: InitializeHandler<ServiceInputTypes, ServiceOutputTypes>,
    command: string,
    args: InitializeHandlerArguments<ServiceInputTypes>,
  ): Promise<InitializeHandlerOutput<ServiceOutputTypes>> {
    if (!this.counting) return next(args);
    const input = args.input as Record<string, unknown>;
    input.ReturnConsumedCapacity = 'TOTAL';
    const t = this.dynamo;
    t.commands[command] = (t.commands[command] ?? 0) + 1;
    const table = String(input.TableName);
    const isWrite = ['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand'].includes(command);
    const key = (command === 'PutItemCommand' ? input.Item : input.Key) as
      Record<string, unknown> | undefined;
    const precise = this.options.precise && isWrite && key !== undefined;
    const before = precise ? await this.aside(() => this.rawItem(table, key)) : undefined;
    let result: InitializeHandlerOutput<ServiceOutputTypes>;
    try {
      result = await next(args);
    } catch (e) {
      if ((e as Error).name === 'ConditionalCheckFailedException') {
        t.conditionalFailures += 1;
        const units = writeUnits(attributeItemSize(before));
        t.tableWriteUnits += units;
        this.addUnits(0, units);
      }
      throw e;
    }
    const output = result.output as unknown as Record<string, unknown>;
    const reported = (output.ConsumedCapacity as { CapacityUnits?: number } | undefined)?.CapacityUnits ?? 0;
    if (isWrite) {
      t.reportedWriteUnits += reported;
      if (precise) {
        const after = await this.aside(() => this.rawItem(table, key));
        const tableUnits = writeUnits(Math.max(attributeItemSize(before), attributeItemSize(after)));
        const indexUnits = indexWriteUnits(before, after);
        t.tableWriteUnits += tableUnits;
        t.indexWriteUnits += indexUnits;
        this.addUnits(0, tableUnits + indexUnits);
        this.noteSize(key.SK, attributeItemSize(after ?? before));
      } else {
        t.tableWriteUnits += reported;
        this.addUnits(0, reported);
      }
    } else if (command === 'GetItemCommand') {
      t.reportedReadUnits += reported;
      const item = output.Item as Record<string, unknown> | undefined;
      const bytes = documentItemSize(item);
      if (item) this.noteSize(item.SK, bytes);
      this.addUnits(readUnits(bytes, input.ConsistentRead === true), 0, item ? 1 : 0);
    } else if (command === 'QueryCommand' || command === 'ScanCommand') {
      t.reportedReadUnits += reported;
      const items = (output.Items as Record<string, unknown>[] | undefined) ?? [];
      const bytes = items.reduce((s, i) => s + documentItemSize(i), 0);
      const scanned = Number(output.ScannedCount ?? items.length);
      this.addUnits(readUnits(bytes, input.ConsistentRead === true), 0, scanned);
    }
    return result;
  }
}
