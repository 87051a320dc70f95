/**
 * The subset of the Step Functions JSON API the code uses (StartExecution, SendTaskSuccess/Failure/Heartbeat,
 * DescribeExecution, ListExecutions, GetExecutionHistory, StopExecution), answered from the engine, in the
 * shapes the AWS SDK parses.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExecutionEngine } from './engine';
import { SfnError, type Execution, type HistoryEvent } from './types';

/** The HTTP handler of the API (`x-amz-target: AWSStepFunctions.<Action>`, JSON 1.0 bodies). */
export function jsonApi(engine: ExecutionEngine) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    engine.inflight += 1;
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = chunks.length
        ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>)
        : {};
      const action = String(req.headers['x-amz-target'] ?? '').replace('AWSStepFunctions.', '');
      const result = dispatch(engine, action, body);
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(result));
    } catch (e) {
      const err = e instanceof SfnError ? e : new SfnError('InternalFailure', (e as Error).message);
      res.writeHead(err.type === 'InternalFailure' ? 500 : 400, {
        'content-type': 'application/x-amz-json-1.0',
      });
      res.end(JSON.stringify({ __type: err.type, message: err.message }));
    } finally {
      engine.inflight -= 1;
    }
  };
}

function dispatch(engine: ExecutionEngine, action: string, body: Record<string, unknown>): unknown {
  switch (action) {
    case 'StartExecution':
      return engine.startExecution(
        String(body.stateMachineArn),
        String(body.name ?? randomUUID()),
        String(body.input ?? '{}'),
      );
    case 'SendTaskSuccess':
      return engine.completeTask(String(body.taskToken), (t) =>
        t.resolve(JSON.parse(String(body.output ?? '{}'))),
      );
    case 'SendTaskFailure':
      return engine.completeTask(String(body.taskToken), (t) =>
        t.reject(
          Object.assign(new Error(String(body.cause ?? '')), { name: String(body.error ?? 'TaskFailed') }),
        ),
      );
    case 'SendTaskHeartbeat':
      if (!engine.isWaiting(String(body.taskToken))) throw engine.tokenError(String(body.taskToken));
      return {};
    case 'DescribeExecution':
      return describe(engine, engine.find(String(body.executionArn)));
    case 'ListExecutions':
      return listExecutions(engine, body);
    case 'GetExecutionHistory':
      return history(engine.find(String(body.executionArn)), Boolean(body.reverseOrder));
    case 'StopExecution': {
      const e = engine.find(String(body.executionArn));
      engine.stop(e, String(body.error ?? ''), String(body.cause ?? ''));
      return { stopDate: (e.stopDate ?? Date.now()) / 1000 };
    }
    default:
      throw new SfnError(
        'UnknownOperationException',
        `operation ${action} is not supported by the local runtime`,
      );
  }
}

/** An execution as ListExecutions lists it. */
function summary(engine: ExecutionEngine, e: Execution) {
  return {
    executionArn: e.executionArn,
    stateMachineArn: engine.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: e.startDate / 1000,
    ...(e.stopDate ? { stopDate: e.stopDate / 1000 } : {}),
  };
}

/** An execution as DescribeExecution describes it: the summary, its input, and its output or error. */
function describe(engine: ExecutionEngine, e: Execution) {
  return {
    ...summary(engine, e),
    input: e.input,
    ...(e.output !== undefined ? { output: e.output } : {}),
    ...(e.error ? { error: e.error, cause: e.cause } : {}),
  };
}

/** Newest first, optionally of one status, paged by an offset token. */
function listExecutions(engine: ExecutionEngine, body: Record<string, unknown>) {
  const filter = body.statusFilter as string | undefined;
  const items = [...engine.executions.values()]
    .filter((e) => !filter || e.status === filter)
    .sort((a, b) => b.startDate - a.startDate);
  const start = body.nextToken ? Number(body.nextToken) : 0;
  const max = Number(body.maxResults ?? 100) || 100;
  const page = items.slice(start, start + max);
  return {
    executions: page.map((e) => summary(engine, e)),
    ...(start + max < items.length ? { nextToken: String(start + max) } : {}),
  };
}

function history(e: Execution, reverseOrder: boolean) {
  const events = reverseOrder ? [...e.history].reverse() : e.history;
  // The state's name where Step Functions puts it, so that the AWS SDK keeps it.
  const stateDetails = (h: HistoryEvent) =>
    h.type.endsWith('StateEntered')
      ? { stateEnteredEventDetails: { name: h.details?.name } }
      : h.type.endsWith('StateExited')
        ? { stateExitedEventDetails: { name: h.details?.name } }
        : {};
  return {
    events: events.map((h) => ({
      ...h,
      ...stateDetails(h),
      timestamp: Date.parse(h.timestamp) / 1000,
    })),
  };
}
