/**
 * The local Lambda service: every function of the synthesized template, each in its own worker thread
 * (./worker.ts) with only its own environment — the template's variables, resolved to the local resources, plus
 * what Lambda itself provides — its memory as the worker's heap limit, and its timeout enforced. A function
 * that would fail to load in AWS for a missing variable fails here the same way. Invoked as Lambda invokes:
 * `handler(event, context)`, the result passed through JSON.
 */
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { clearTimeout as clearRealTimeout, setTimeout as setRealTimeout } from 'node:timers';
import { Worker } from 'node:worker_threads';
import { sharedClock, virtualNow } from '../clock';
import { resolveIntrinsics, type CfnTemplate } from '../synthesized';
import { dynamoStatementsOf, type DynamoStatement } from './iam';
import type { Invocation, InvocationResult, WorkerData } from './worker';

const ROOT = path.resolve(__dirname, '..', '..');
const HANDLER_METADATA = 'secor:handler';

/** A function of the template, as the local runtime runs it. */
export interface LocalFunction {
  logicalId: string;
  /** Handler module, relative to the repository root. */
  module: string;
  exportName: string;
  environment: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
}

export interface LocalLambdaOptions {
  template: CfnTemplate;
  stackName: string;
  /** Local values of the template's resources and parameters, by logical id (what a `Ref` resolves to). */
  refs: Record<string, string>;
  /** URL prefixes of the template (e.g. the HTTP API's) → their local equivalents. */
  urls?: Record<string, string>;
  /** What Lambda itself puts in every function's environment (region, credentials, endpoints…). */
  runtimeEnvironment: Record<string, string>;
}

export class FunctionError extends Error {
  constructor(name: string, message: string, stack?: string) {
    super(message);
    this.name = name;
    if (stack) this.stack = stack;
  }
}

/** Resolves a template value to a string, with local refs; throws when something is left unresolved. */
function resolveValue(value: unknown, options: LocalLambdaOptions): string {
  const substituted = substituteRefs(value, options.refs);
  let resolved = resolveIntrinsics(substituted, options.template, options.stackName);
  if (typeof resolved !== 'string') resolved = JSON.stringify(resolved);
  let text = resolved as string;
  for (const [from, to] of Object.entries(options.urls ?? {})) text = text.split(from).join(to);
  return text;
}

function substituteRefs(value: unknown, refs: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => substituteRefs(v, refs));
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  if (typeof obj.Ref === 'string' && obj.Ref in refs) return refs[obj.Ref];
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, substituteRefs(v, refs)]));
}

/** The template's functions, with their environments resolved to the local resources. */
export function templateFunctions(options: LocalLambdaOptions): LocalFunction[] {
  const out: LocalFunction[] = [];
  for (const [logicalId, r] of Object.entries(options.template.Resources)) {
    const module = r.Metadata?.[HANDLER_METADATA];
    if (r.Type !== 'AWS::Lambda::Function' || typeof module !== 'string') continue;
    const props = r.Properties ?? {};
    const variables = ((props.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables ?? {}) as Record<string, unknown>;
    const environment = Object.fromEntries(
      Object.entries(variables).map(([k, v]) => [k, resolveValue(v, options)]),
    );
    const handler = String(props.Handler ?? 'index.handler');
    out.push({
      logicalId,
      module,
      exportName: handler.slice(handler.lastIndexOf('.') + 1),
      environment,
      timeoutSeconds: Number(props.Timeout ?? 3),
      memoryMb: Number(props.MemorySize ?? 128),
    });
  }
  return out;
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** One function's worker: started on first use, kept warm. */
class FunctionWorker {
  private worker: Worker | null = null;
  private next = 0;
  private readonly pending = new Map<number, Pending>();
  inflight = 0;

  constructor(
    readonly fn: LocalFunction,
    private readonly env: Record<string, string>,
  ) {}

  private start(): Worker {
    const data: WorkerData = {
      module: path.join(ROOT, this.fn.module),
      exportName: this.fn.exportName,
      functionName: this.fn.logicalId,
      memoryMb: this.fn.memoryMb,
      clock: sharedClock(),
    };
    const worker = new Worker(path.join(__dirname, 'worker.ts'), {
      execArgv: ['--import', 'tsx'],
      env: this.env,
      workerData: data,
      resourceLimits: { maxOldGenerationSizeMb: this.fn.memoryMb },
    });
    worker.on('message', (reply: InvocationResult) => {
      const p = this.pending.get(reply.id);
      if (!p) return; // timed out already
      this.pending.delete(reply.id);
      clearRealTimeout(p.timer);
      if (reply.ok) p.resolve(reply.result);
      else p.reject(new FunctionError(reply.error.name, reply.error.message, reply.error.stack));
    });
    const fail = (error: Error) => {
      // The worker is gone (crashed, out of memory): its invocations fail, the next one starts a fresh one.
      for (const [id, p] of this.pending) {
        clearRealTimeout(p.timer);
        p.reject(new FunctionError('Runtime.ExitError', `${this.fn.logicalId}: ${error.message}`));
        this.pending.delete(id);
      }
      if (this.worker === worker) this.worker = null;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the function's process exited (${code})`)));
    worker.unref();
    return worker;
  }

  invoke(event: unknown): Promise<unknown> {
    virtualNow(); // saves the clock's bound a little ahead: the worker reads up to it
    this.worker ??= this.start();
    const worker = this.worker;
    const id = ++this.next;
    const timeoutMs = this.fn.timeoutSeconds * 1000;
    this.inflight += 1;
    return new Promise<unknown>((resolve, reject) => {
      // Real time (a function's timeout is wall-clock time, not lifecycle time on the virtual clock).
      const timer = setRealTimeout(() => {
        this.pending.delete(id);
        reject(
          new FunctionError(
            'Sandbox.Timedout',
            `${this.fn.logicalId}: task timed out after ${this.fn.timeoutSeconds.toFixed(2)} seconds`,
          ),
        );
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      const realNow = performance.timeOrigin + performance.now();
      const msg: Invocation = { id, event, requestId: randomUUID(), deadline: realNow + timeoutMs };
      worker.postMessage(msg);
    }).finally(() => {
      this.inflight -= 1;
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}

export class LocalLambda {
  readonly functions: LocalFunction[];
  private readonly workers = new Map<string, FunctionWorker>();
  private readonly byModule = new Map<string, FunctionWorker>();
  /** Invocations per function (logical id). */
  readonly invocations = new Map<string, number>();

  constructor(options: LocalLambdaOptions) {
    this.functions = templateFunctions(options);
    for (const fn of this.functions) {
      // Each function calls AWS with its own credentials (its role's, in AWS): the local DynamoDB checks them
      // against that role's statements (./iam.ts).
      const w = new FunctionWorker(fn, {
        ...options.runtimeEnvironment,
        ...fn.environment,
        AWS_ACCESS_KEY_ID: fn.logicalId,
      });
      this.workers.set(fn.logicalId, w);
      if (!this.byModule.has(fn.module)) this.byModule.set(fn.module, w);
    }
  }

  /** Each function's DynamoDB statements, by the access key id it calls with (its logical id). */
  static dynamoPrincipals(options: LocalLambdaOptions, tableName: string): Map<string, DynamoStatement[]> {
    return new Map(
      templateFunctions(options).map((fn) => [
        fn.logicalId,
        dynamoStatementsOf(options.template, fn.logicalId, tableName),
      ]),
    );
  }

  /** Whether any invocation is in flight (the virtual clock waits for it). */
  get busy(): boolean {
    for (const w of this.workers.values()) if (w.inflight > 0) return true;
    return false;
  }

  /** Invokes the function that runs `module` (the template has one per module). */
  invokeModule(module: string, event: unknown): Promise<unknown> {
    const w = this.byModule.get(module);
    if (!w) throw new Error(`no function of the template runs ${module}`);
    return this.invoke(w.fn.logicalId, event);
  }

  invoke(logicalId: string, event: unknown): Promise<unknown> {
    const w = this.workers.get(logicalId);
    if (!w) throw new Error(`no function ${logicalId} in the template`);
    this.invocations.set(logicalId, (this.invocations.get(logicalId) ?? 0) + 1);
    return w.invoke(event);
  }

  /** A module's `handler`, as the gateway and the state machine call it: through its function. */
  load = async (module: string): Promise<Record<string, unknown>> => ({
    handler: (event: unknown) => this.invokeModule(module, event),
  });

  async close(): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => w.close()));
  }
}
