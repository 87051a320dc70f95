/**
 * The execution engine: runs the CDK-synthesized definition with aws-local-stepfunctions, one run per
 * execution, keeps the executions (with their history) and the callback tasks waiting on a token. Lambda
 * tasks call the task handler modules in-process; `states:startExecution` calls the local API through the
 * AWS SDK, as the state machine does in AWS.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { StateMachine } from 'aws-local-stepfunctions';
import { registerBusyCheck } from '../clock';
import { taskFunctionArn } from '../synthesized';
import { appendToJournal, readJournal } from './journal';
import {
  SfnError,
  type Execution,
  type ExecutionStatus,
  type JSONValue,
  type LocalStepFunctionsOptions,
} from './types';

type TaskHandler = (input: unknown) => Promise<unknown>;

export interface PendingTask {
  execution: string;
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
}

export class ExecutionEngine {
  readonly executions = new Map<string, Execution>();
  private readonly tasks = new Map<string, PendingTask>();
  private readonly finishedTokens = new Set<string>();
  private readonly machine: StateMachine;
  private readonly handlerOfState: Record<string, string> = {};
  /** Requests and task invocations under way: the virtual clock does not jump while any is. */
  inflight = 0;
  /** The client of the local API (set once it listens): how `states:startExecution` starts executions. */
  client?: SFNClient;
  /** Counters for benchmarks and the demo summary. */
  readonly stats = { executionsStarted: 0, transitions: 0, lambdaInvocations: 0, lambdaMillis: 0 };

  /** `options` is read at each task (a benchmark may wrap `options.load` after construction). */
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
    for (const e of readJournal(options.journal, (name) => this.executionArn(name))) {
      this.executions.set(e.name, e);
    }
  }

  get stateMachineArn(): string {
    return this.options.lifecycle.stateMachineArn;
  }

  executionArn(name: string): string {
    return this.stateMachineArn.replace(':stateMachine:', ':execution:') + `:${name}`;
  }

  find(arn: string): Execution {
    const e = this.executions.get(arn.replace(/^.*:execution:[^:]+:/, ''));
    if (!e) throw new SfnError('ExecutionDoesNotExist', `execution ${arn} does not exist`);
    return e;
  }

  abortAll(): void {
    for (const e of this.executions.values()) e.abort?.();
  }

  /** Forgets an interrupted (ABORTED on restart) execution so its phase can be restarted under its name. */
  forgetInterrupted(name: string): void {
    const e = this.executions.get(name);
    if (e && e.status === 'ABORTED' && !e.abort) this.executions.delete(name);
  }

  // ---- callback tasks --------------------------------------------------------------------------

  /** The error for a token no task waits on: one that did (and no longer does), or an unknown one. */
  tokenError(token: string): SfnError {
    return this.finishedTokens.has(token)
      ? new SfnError('TaskTimedOut', 'the task is no longer waiting for this token')
      : new SfnError('InvalidToken', 'unknown task token');
  }

  isWaiting(token: string): boolean {
    return this.tasks.has(token);
  }

  completeTask(token: string, complete: (t: PendingTask) => void): Record<string, never> {
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
    appendToJournal(this.options.journal, e);
    this.run(e, parsed);
    return { executionArn: e.executionArn, startDate: e.startDate / 1000 };
  }

  /** Stops a running execution (StopExecution). */
  stop(e: Execution, error: string, cause: string): void {
    if (e.status !== 'RUNNING') return;
    e.abort?.();
    this.finish(e, 'ABORTED', { error, cause });
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
    appendToJournal(this.options.journal, e);
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

  /** The optimized `states:startExecution` integration, through the AWS SDK against the local API. */
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
}
