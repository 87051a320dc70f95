/**
 * Local Step Functions: a server speaking the subset of the Step Functions JSON API the code uses
 * (StartExecution, SendTaskSuccess/Failure/Heartbeat, DescribeExecution, ListExecutions,
 * GetExecutionHistory, StopExecution), executing the CDK-synthesized definition with aws-local-stepfunctions.
 * Every resource runs for real: Lambda tasks call the task handler modules in-process; `states:startExecution`
 * calls this server through the AWS SDK. The code under test reaches it only through @aws-sdk/client-sfn.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { SFNClient, StartExecutionCommand, ExecutionAlreadyExists } from '@aws-sdk/client-sfn';
import { StateMachine } from 'aws-local-stepfunctions';
import { registerBusyCheck } from './clock';
import { taskFunctionArn, type SynthesizedLifecycle } from './synthesized';

type JSONValue = string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue };
type TaskHandler = (input: unknown) => Promise<unknown>;

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

interface HistoryEvent {
  timestamp: string;
  type: string;
  id: number;
  previousEventId: number;
  details?: Record<string, unknown>;
}

interface Execution {
  name: string;
  executionArn: string;
  input: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  history: HistoryEvent[];
  abort?: () => void;
  /** States entered (billed transitions). */
  transitions: number;
}

interface PendingTask {
  execution: string;
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
}

class SfnError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export interface LocalStepFunctionsOptions {
  lifecycle: SynthesizedLifecycle;
  /** Loads a handler module by its repository path. */
  load: (module: string) => Promise<Record<string, unknown>>;
  /** Execution summaries are appended here (JSON lines) so they survive a restart. */
  journal?: string;
  log?: (message: string) => void;
}

export class LocalStepFunctions {
  private server?: Server;
  private readonly executions = new Map<string, Execution>();
  private readonly tasks = new Map<string, PendingTask>();
  private readonly finishedTokens = new Set<string>();
  private readonly machine: StateMachine;
  private readonly handlerOfState: Record<string, string> = {};
  private inflight = 0;
  private client?: SFNClient;
  endpoint = '';
  /** Counters for benchmarks and the demo summary. */
  readonly stats = { executionsStarted: 0, transitions: 0, lambdaInvocations: 0, lambdaMillis: 0 };

  constructor(private readonly options: LocalStepFunctionsOptions) {
    this.machine = new StateMachine(
      options.lifecycle.definition as unknown as ConstructorParameters<typeof StateMachine>[0],
      {
        validationOptions: { checkPaths: false },
      },
    );
    for (const [name, state] of Object.entries(options.lifecycle.definition.States)) {
      const arn = state.Type === 'Task' ? taskFunctionArn(state) : null;
      if (arn) {
        const module = options.lifecycle.handlers[arn];
        if (!module) throw new Error(`state ${name} invokes ${arn}, which has no handler module`);
        this.handlerOfState[name] = module;
      } else if (state.Resource === 'arn:aws:states:::states:startExecution') {
        this.handlerOfState[name] = 'states:startExecution';
      } else if (state.Type === 'Task') {
        throw new Error(`state ${name}: resource ${String(state.Resource)} is not supported locally`);
      }
    }
    registerBusyCheck(() => this.inflight > 0);
    this.loadJournal();
  }

  get stateMachineArn(): string {
    return this.options.lifecycle.stateMachineArn;
  }

  executionArn(name: string): string {
    return this.stateMachineArn.replace(':stateMachine:', ':execution:') + `:${name}`;
  }

  async listen(port: number): Promise<string> {
    this.server = createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.client = new SFNClient({
      endpoint: this.endpoint,
      region: 'ca-central-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    return this.endpoint;
  }

  async close(): Promise<void> {
    for (const e of this.executions.values()) e.abort?.();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  runningExecutions(): number {
    return [...this.executions.values()].filter((e) => e.status === 'RUNNING').length;
  }

  allExecutions(): Execution[] {
    return [...this.executions.values()];
  }

  // ---- the JSON API ----------------------------------------------------------------------------

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inflight += 1;
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = chunks.length
        ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>)
        : {};
      const action = String(req.headers['x-amz-target'] ?? '').replace('AWSStepFunctions.', '');
      const result = await this.dispatch(action, body);
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(result));
    } catch (e) {
      const err = e instanceof SfnError ? e : new SfnError('InternalFailure', (e as Error).message);
      res.writeHead(err.type === 'InternalFailure' ? 500 : 400, {
        'content-type': 'application/x-amz-json-1.0',
      });
      res.end(JSON.stringify({ __type: err.type, message: err.message }));
    } finally {
      this.inflight -= 1;
    }
  }

  private async dispatch(action: string, body: Record<string, unknown>): Promise<unknown> {
    switch (action) {
      case 'StartExecution':
        return this.startExecution(
          String(body.stateMachineArn),
          String(body.name ?? randomUUID()),
          String(body.input ?? '{}'),
        );
      case 'SendTaskSuccess':
        return this.completeTask(String(body.taskToken), (t) =>
          t.resolve(JSON.parse(String(body.output ?? '{}'))),
        );
      case 'SendTaskFailure':
        return this.completeTask(String(body.taskToken), (t) =>
          t.reject(
            Object.assign(new Error(String(body.cause ?? '')), { name: String(body.error ?? 'TaskFailed') }),
          ),
        );
      case 'SendTaskHeartbeat':
        if (!this.tasks.has(String(body.taskToken))) throw this.tokenError(String(body.taskToken));
        return {};
      case 'DescribeExecution':
        return this.describe(this.find(String(body.executionArn)));
      case 'ListExecutions': {
        const filter = body.statusFilter as string | undefined;
        const items = [...this.executions.values()]
          .filter((e) => !filter || e.status === filter)
          .sort((a, b) => b.startDate - a.startDate);
        const start = body.nextToken ? Number(body.nextToken) : 0;
        const max = Number(body.maxResults ?? 100) || 100;
        const page = items.slice(start, start + max);
        return {
          executions: page.map((e) => ({
            executionArn: e.executionArn,
            stateMachineArn: this.stateMachineArn,
            name: e.name,
            status: e.status,
            startDate: e.startDate / 1000,
            ...(e.stopDate ? { stopDate: e.stopDate / 1000 } : {}),
          })),
          ...(start + max < items.length ? { nextToken: String(start + max) } : {}),
        };
      }
      case 'GetExecutionHistory': {
        const e = this.find(String(body.executionArn));
        const events = body.reverseOrder ? [...e.history].reverse() : e.history;
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
      case 'StopExecution': {
        const e = this.find(String(body.executionArn));
        if (e.status === 'RUNNING') {
          e.abort?.();
          this.finish(e, 'ABORTED', { error: String(body.error ?? ''), cause: String(body.cause ?? '') });
        }
        return { stopDate: (e.stopDate ?? Date.now()) / 1000 };
      }
      default:
        throw new SfnError(
          'UnknownOperationException',
          `operation ${action} is not supported by the local runtime`,
        );
    }
  }

  private find(arn: string): Execution {
    const e = this.executions.get(arn.replace(/^.*:execution:[^:]+:/, ''));
    if (!e) throw new SfnError('ExecutionDoesNotExist', `execution ${arn} does not exist`);
    return e;
  }

  private describe(e: Execution) {
    return {
      executionArn: e.executionArn,
      stateMachineArn: this.stateMachineArn,
      name: e.name,
      status: e.status,
      startDate: e.startDate / 1000,
      ...(e.stopDate ? { stopDate: e.stopDate / 1000 } : {}),
      input: e.input,
      ...(e.output !== undefined ? { output: e.output } : {}),
      ...(e.error ? { error: e.error, cause: e.cause } : {}),
    };
  }

  private tokenError(token: string): SfnError {
    return this.finishedTokens.has(token)
      ? new SfnError('TaskTimedOut', 'the task is no longer waiting for this token')
      : new SfnError('InvalidToken', 'unknown task token');
  }

  private completeTask(token: string, complete: (t: PendingTask) => void): Record<string, never> {
    const t = this.tasks.get(token);
    if (!t) throw this.tokenError(token);
    this.tasks.delete(token);
    this.finishedTokens.add(token);
    complete(t);
    return {};
  }

  // ---- executions ------------------------------------------------------------------------------

  startExecution(stateMachineArn: string, name: string, input: string) {
    if (stateMachineArn !== this.stateMachineArn)
      throw new SfnError('StateMachineDoesNotExist', `unknown state machine ${stateMachineArn}`);
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name))
      throw new SfnError('InvalidName', `invalid execution name ${name}`);
    const existing = this.executions.get(name);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === input) {
        return { executionArn: existing.executionArn, startDate: existing.startDate / 1000 };
      }
      throw new SfnError('ExecutionAlreadyExists', `execution ${name} already exists`);
    }
    let parsed: JSONValue;
    try {
      parsed = JSON.parse(input) as JSONValue;
    } catch {
      throw new SfnError('InvalidExecutionInput', 'input is not JSON');
    }
    const e: Execution = {
      name,
      executionArn: this.executionArn(name),
      input,
      status: 'RUNNING',
      startDate: Date.now(),
      history: [],
      transitions: 0,
    };
    this.executions.set(name, e);
    this.stats.executionsStarted += 1;
    this.journal(e);
    this.run(e, parsed);
    return { executionArn: e.executionArn, startDate: e.startDate / 1000 };
  }

  private addHistory(e: Execution, type: string, details?: Record<string, unknown>): void {
    const id = e.history.length + 1;
    e.history.push({
      timestamp: new Date().toISOString(),
      type,
      id,
      previousEventId: id - 1,
      ...(details ? { details } : {}),
    });
  }

  private run(e: Execution, input: JSONValue): void {
    const overrides: Record<string, (input: JSONValue) => Promise<JSONValue>> = {};
    for (const [state, module] of Object.entries(this.handlerOfState)) {
      overrides[state] = (taskInput) => this.runTask(e, state, module, taskInput);
    }
    const execution = this.machine.run(input, {
      overrides: { taskResourceLocalHandlers: overrides },
      // The engine makes no task tokens: runTask gives every callback task a fresh one (see below).
      context: {
        Execution: { Id: e.executionArn, Name: e.name },
        StateMachine: { Id: this.stateMachineArn },
        Task: { Token: 'per-task' },
      },
    });
    e.abort = () => execution.abort();
    this.addHistory(e, 'ExecutionStarted', { input: e.input });
    void (async () => {
      for await (const ev of execution.eventLogs) {
        if (ev.type === 'StateEntered') {
          e.transitions += 1;
          this.stats.transitions += 1;
          this.addHistory(e, `${ev.state.type}StateEntered`, { name: ev.state.name });
        } else if (ev.type === 'StateExited')
          this.addHistory(e, `${ev.state.type}StateExited`, { name: ev.state.name });
        else if (ev.type === 'StateRetried') this.addHistory(e, 'StateRetried', { name: ev.state.name });
        else if (ev.type === 'StateFailed')
          this.addHistory(e, 'StateFailed', { name: ev.state.name, error: ev.Error });
        else if (ev.type === 'StateCaught') this.addHistory(e, 'StateCaught', { name: ev.state.name });
      }
    })();
    execution.result.then(
      (output) => this.finish(e, 'SUCCEEDED', { output: JSON.stringify(output ?? null) }),
      (err: Error & { cause?: string }) => {
        if (e.status !== 'RUNNING') return;
        const name = err.name ?? 'Error';
        const status: ExecutionStatus =
          name === 'ExecutionAbortedError'
            ? 'ABORTED'
            : name === 'ExecutionTimeoutError'
              ? 'TIMED_OUT'
              : 'FAILED';
        const error = (err as { error?: string }).error ?? name;
        this.finish(e, status, { error, cause: String((err as { cause?: unknown }).cause ?? err.message) });
        if (status === 'FAILED') this.options.log?.(`execution ${e.name} FAILED: ${error}`);
      },
    );
  }

  private finish(
    e: Execution,
    status: ExecutionStatus,
    data: { output?: string; error?: string; cause?: string },
  ): void {
    if (e.status !== 'RUNNING') return;
    e.status = status;
    e.stopDate = Date.now();
    Object.assign(e, data);
    this.addHistory(
      e,
      `Execution${status === 'SUCCEEDED' ? 'Succeeded' : status === 'TIMED_OUT' ? 'TimedOut' : status === 'ABORTED' ? 'Aborted' : 'Failed'}`,
    );
    for (const [token, t] of this.tasks) if (t.execution === e.name) this.tasks.delete(token);
    this.journal(e);
  }

  private async runTask(e: Execution, state: string, module: string, input: JSONValue): Promise<JSONValue> {
    this.inflight += 1;
    const started = performance.now();
    try {
      // Failure injection (tests): SECOR_FAIL_TASK names a state that fails while <dataDir>/fail-task exists.
      const dataDir = this.options.journal ? path.dirname(this.options.journal) : process.env.SECOR_DATA_DIR;
      if (process.env.SECOR_FAIL_TASK === state && dataDir && existsSync(path.join(dataDir, 'fail-task'))) {
        throw Object.assign(new Error(`injected failure in ${state}`), { name: 'InjectedFailure' });
      }
      if (module === 'states:startExecution') return await this.startNext(input as Record<string, JSONValue>);
      const handler = (await this.options.load(module)).handler as TaskHandler;
      const raw = input as Record<string, JSONValue>;
      const resource = String(this.options.lifecycle.definition.States[state]?.Resource ?? '');
      this.stats.lambdaInvocations += 1;
      if (resource.endsWith('.waitForTaskToken')) {
        // Step Functions makes a fresh token for every callback task; so does this runtime.
        const token = `${e.name}:${state}:${randomUUID()}`;
        const payload = { ...(raw.Payload as Record<string, JSONValue>), taskToken: token };
        const result = new Promise<JSONValue>((resolve, reject) => {
          this.tasks.set(token, { execution: e.name, resolve: resolve as (o: unknown) => void, reject });
        });
        await handler(payload);
        this.inflight -= 1; // now waiting on a person (or on the callback timeout): idle
        try {
          return await result;
        } finally {
          this.inflight += 1;
          if (this.tasks.delete(token)) this.finishedTokens.add(token);
        }
      }
      return (await handler(
        resource.startsWith('arn:aws:states:::lambda:invoke') ? raw.Payload : raw,
      )) as JSONValue;
    } finally {
      this.stats.lambdaMillis += performance.now() - started;
      this.inflight -= 1;
    }
  }

  /** The optimized `states:startExecution` integration, through the AWS SDK against this server. */
  private async startNext(input: Record<string, JSONValue>): Promise<JSONValue> {
    try {
      const out = await this.client?.send(
        new StartExecutionCommand({
          stateMachineArn: String(input.StateMachineArn),
          name: String(input.Name),
          input: typeof input.Input === 'string' ? input.Input : JSON.stringify(input.Input ?? {}),
        }),
      );
      return { ExecutionArn: out?.executionArn ?? '', StartDate: String(out?.startDate ?? '') };
    } catch (err) {
      if (err instanceof ExecutionAlreadyExists) {
        throw Object.assign(new Error((err as Error).message), {
          name: 'StepFunctions.ExecutionAlreadyExistsException',
        });
      }
      throw err;
    }
  }

  // ---- journal (execution summaries survive a restart; running ones are restarted from the records) ----

  private journal(e: Execution): void {
    if (!this.options.journal) return;
    const { name, input, status, startDate, stopDate, error, transitions } = e;
    appendFileSync(
      this.options.journal,
      JSON.stringify({ name, input, status, startDate, stopDate, error, transitions }) + '\n',
    );
  }

  private loadJournal(): void {
    const file = this.options.journal;
    if (!file || !existsSync(file)) return;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const j = JSON.parse(line) as Omit<Execution, 'executionArn' | 'history'>;
        // A run cut short by the previous process is over: the runtime restarts the company's phase.
        const status = j.status === 'RUNNING' ? 'ABORTED' : j.status;
        this.executions.set(j.name, { ...j, status, executionArn: this.executionArn(j.name), history: [] });
      } catch {
        // a torn last line after kill -9: ignore it
      }
    }
  }

  /** Forgets an interrupted (ABORTED on restart) execution so its phase can be restarted under its name. */
  forgetInterrupted(name: string): void {
    const e = this.executions.get(name);
    if (e && e.status === 'ABORTED' && !e.abort) this.executions.delete(name);
  }
}

export const ROOT = path.resolve(__dirname, '..');
