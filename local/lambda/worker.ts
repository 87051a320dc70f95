/**
 * One Lambda function of the synthesized template, in its own worker thread (local/lambda/runtime.ts starts it):
 * its environment is exactly the function's (the template's variables and what Lambda itself provides), its
 * module is loaded here and nowhere else, and it reads the runtime's virtual clock from shared memory. It is
 * invoked as Lambda invokes a handler: `handler(event, context)`.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- patches the global Date signature */
import { parentPort, workerData } from 'node:worker_threads';
import type { Context } from 'aws-lambda';

export interface WorkerData {
  /** Absolute path of the handler module. */
  module: string;
  /** Its exported handler's name. */
  exportName: string;
  functionName: string;
  memoryMb: number;
  /** [offset, saved bound] of the virtual clock (local/clock.ts sharedClock). */
  clock: SharedArrayBuffer;
}

export interface Invocation {
  id: number;
  event: unknown;
  requestId: string;
  deadline: number;
}

export type InvocationResult =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { name: string; message: string; stack?: string } };

const data = workerData as WorkerData;
const clock = new Float64Array(data.clock);
const RealDate = Date;
const realNow = RealDate.now.bind(RealDate);
/** The virtual now, never past the bound the runtime has saved (so a crash cannot undo what is written). */
const now = (): number => Math.min(realNow() + (clock[0] ?? 0), clock[1] ?? Number.POSITIVE_INFINITY);
class VirtualDate extends RealDate {
  constructor(...args: any[]) {
    if (args.length === 0) super(now());
    else super(...(args as [any]));
  }
  static override now(): number {
    return now();
  }
}
globalThis.Date = VirtualDate as DateConstructor;

type Handler = (event: unknown, context: Context) => Promise<unknown>;
const loaded: Promise<Handler> = import(data.module).then((m: Record<string, unknown>) => {
  const fn = m[data.exportName] ?? (m.default as Record<string, unknown> | undefined)?.[data.exportName];
  if (typeof fn !== 'function') throw new Error(`${data.module} exports no function "${data.exportName}"`);
  return fn as Handler;
});
// A module that fails to load fails every invocation with its error, as a Lambda init error does.
loaded.catch(() => undefined);

const port = parentPort;
if (!port) throw new Error('local/lambda/worker.ts runs in a worker thread');
port.on('message', (msg: Invocation) => {
  void (async () => {
    let reply: InvocationResult;
    try {
      const handler = await loaded;
      const context: Context = {
        awsRequestId: msg.requestId,
        functionName: data.functionName,
        functionVersion: '$LATEST',
        invokedFunctionArn: `arn:aws:lambda:ca-central-1:000000000000:function:${data.functionName}`,
        memoryLimitInMB: String(data.memoryMb),
        logGroupName: `/aws/lambda/${data.functionName}`,
        logStreamName: 'local',
        callbackWaitsForEmptyEventLoop: true,
        getRemainingTimeInMillis: () => Math.max(0, msg.deadline - realNow()),
        done: () => undefined,
        fail: () => undefined,
        succeed: () => undefined,
      };
      // Lambda returns what JSON.stringify makes of the result (undefined → null).
      const result = await handler(msg.event, context);
      reply = {
        id: msg.id,
        ok: true,
        result: result === undefined ? null : JSON.parse(JSON.stringify(result)),
      };
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      reply = { id: msg.id, ok: false, error: { name: err.name, message: err.message, stack: err.stack } };
    }
    try {
      port.postMessage(reply);
    } catch (e) {
      port.postMessage({
        id: msg.id,
        ok: false,
        error: { name: 'Runtime.MalformedResult', message: `the result cannot be returned: ${String(e)}` },
      } satisfies InvocationResult);
    }
  })();
});
