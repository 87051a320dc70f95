/**
 * Counts what a run on the local runtime would be billed for in AWS, from inside the runtime's process:
 *
 * - Lambda: every invocation of a template function (local/lambda/runtime.ts `LocalLambda.invoke`: the
 *   state-machine tasks, the API handlers and the authorizer, the stream-fed signalling function) is timed
 *   from the call to the settling of its promise — what Lambda bills. (The Step Functions counter
 *   `lambdaMillis` cannot be used for that: for a `.waitForTaskToken` task it also counts the time the
 *   execution waits for the person.) The reconciler is not counted: it runs on a schedule for all companies
 *   (every 5 minutes and daily in AWS), not per company. Time the meter itself spends inside an invocation
 *   (its extra DynamoDB reads, below) is subtracted from it.
 * - DynamoDB: each function's requests, as they pass from the local IAM proxy to dynalite (./dynamo-wire.ts):
 *   commands, read and write request units, items read, by the function's module.
 * - API Gateway: every request the local gateway serves.
 *
 * The runtime classes are patched at their prototypes (before startRuntime), nothing in local/ is edited.
 */
import { LocalApiGateway, type LocalRequest, type LocalResponse } from '../../local/api-gateway';
import { LocalLambda } from '../../local/lambda/runtime';
import { DynamoWire, emptyTally, type DynamoTally } from './dynamo-wire';

export { indexWriteUnits, type DynamoTally } from './dynamo-wire';

/** Modules not billed to the companies measured: scheduled for everyone. */
const NOT_PER_COMPANY = ['functions/tasks/reconcile.ts'];

interface Invocation {
  module: string;
  /** Milliseconds the meter spent inside this invocation (subtracted from its duration). */
  overheadMs: number;
}

export interface MeterSnapshot {
  /** Invocation durations (ms) by handler module. */
  lambda: Record<string, number[]>;
  api: { requests: number; serverErrors: number };
  dynamo: DynamoTally;
}

interface FunctionRef {
  logicalId: string;
  module: string;
}

export class Meter {
  /** Only what happens while counting is true is counted. */
  counting = false;
  private lambda = new Map<string, number[]>();
  private api = { requests: 0, serverErrors: 0 };
  private readonly active = new Map<string, Set<Invocation>>();
  private wire?: DynamoWire;

  constructor(private readonly options: { precise: boolean }) {}

  reset(): void {
    this.lambda = new Map();
    this.api = { requests: 0, serverErrors: 0 };
    if (this.wire) this.wire.tally = emptyTally();
  }

  snapshot(): MeterSnapshot {
    return {
      lambda: Object.fromEntries([...this.lambda].map(([k, v]) => [k, [...v]])),
      api: { ...this.api },
      dynamo: JSON.parse(JSON.stringify(this.wire?.tally ?? emptyTally())) as DynamoTally,
    };
  }

  /** Times the functions' invocations and counts the API requests. Call before startRuntime. */
  patchRuntime(): void {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the patched methods need both `this`es
    const meter = this;
    const lambdaProto = LocalLambda.prototype as unknown as {
      invoke(this: LocalLambda, logicalId: string, event: unknown): Promise<unknown>;
    };
    const invoke = lambdaProto.invoke;
    if (typeof invoke !== 'function') throw new Error('bench meter: LocalLambda.invoke is gone');
    lambdaProto.invoke = function (this: LocalLambda, logicalId: string, event: unknown) {
      const module = this.functions.find((f) => f.logicalId === logicalId)?.module ?? logicalId;
      if (!meter.counting || NOT_PER_COMPANY.includes(module)) return invoke.call(this, logicalId, event);
      return meter.timed(module, () => invoke.call(this, logicalId, event));
    };
    const gwProto = LocalApiGateway.prototype as unknown as {
      invoke(req: LocalRequest): Promise<LocalResponse>;
    };
    const serve = gwProto.invoke;
    if (typeof serve !== 'function') throw new Error('bench meter: LocalApiGateway.invoke is gone');
    gwProto.invoke = async function (this: unknown, req: LocalRequest) {
      const res = await serve.call(this, req);
      if (meter.counting) {
        meter.api.requests += 1;
        if (res.statusCode >= 500) meter.api.serverErrors += 1;
      }
      return res;
    };
  }

  private async timed(module: string, fn: () => Promise<unknown>): Promise<unknown> {
    const inv: Invocation = { module, overheadMs: 0 };
    const set = this.active.get(module) ?? new Set<Invocation>();
    this.active.set(module, set);
    set.add(inv);
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      set.delete(inv);
      if (this.counting) {
        const list = this.lambda.get(module) ?? [];
        list.push(Math.max(0, performance.now() - t0 - inv.overheadMs));
        this.lambda.set(module, list);
      }
    }
  }

  /**
   * Counts the functions' DynamoDB requests. Call after startRuntime (with its functions): the runtime's own
   * environment names dynalite's endpoint by then.
   */
  attachDynamo(functions: readonly FunctionRef[]): void {
    const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
    if (!endpoint) throw new Error('bench meter: no AWS_ENDPOINT_URL_DYNAMODB (start the runtime first)');
    const modules = new Map(functions.map((f) => [f.logicalId, f.module]));
    this.wire = new DynamoWire(new URL(endpoint), this.options.precise, {
      moduleOf: (principal) => {
        const module = modules.get(principal);
        return module && !NOT_PER_COMPANY.includes(module) ? module : undefined;
      },
      counting: () => this.counting,
      overhead: (module, ms) => {
        // Spread over the module's invocations in flight (one, in the sequential benchmarks).
        const set = this.active.get(module);
        if (set?.size) for (const inv of set) inv.overheadMs += ms / set.size;
      },
    });
    this.wire.install();
  }
}
