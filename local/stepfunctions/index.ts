/**
 * Local Step Functions: a server speaking the subset of the Step Functions JSON API the code uses (./api.ts),
 * executing the CDK-synthesized definition with aws-local-stepfunctions (./engine.ts). Every resource runs for
 * real: Lambda tasks call the task handler modules in-process; `states:startExecution` calls this server
 * through the AWS SDK. The code under test reaches it only through @aws-sdk/client-sfn.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { SFNClient } from '@aws-sdk/client-sfn';
import { jsonApi } from './api';
import { ExecutionEngine } from './engine';
import type { Execution, LocalStepFunctionsOptions } from './types';

export type { Execution, ExecutionStatus, HistoryEvent, LocalStepFunctionsOptions } from './types';

export class LocalStepFunctions {
  private server?: Server;
  private readonly engine: ExecutionEngine;
  endpoint = '';

  /** `options` stays this object's own: its `load` is read at each task. */
  constructor(private readonly options: LocalStepFunctionsOptions) {
    this.engine = new ExecutionEngine(this.options);
  }

  /** Counters for benchmarks and the demo summary. */
  get stats(): ExecutionEngine['stats'] {
    return this.engine.stats;
  }

  get stateMachineArn(): string {
    return this.engine.stateMachineArn;
  }

  executionArn(name: string): string {
    return this.engine.executionArn(name);
  }

  async listen(port: number): Promise<string> {
    const serve = jsonApi(this.engine);
    this.server = createServer((req, res) => void serve(req, res));
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.engine.client = new SFNClient({
      endpoint: this.endpoint,
      region: 'ca-central-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    return this.endpoint;
  }

  async close(): Promise<void> {
    this.engine.abortAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  runningExecutions(): number {
    return [...this.engine.executions.values()].filter((e) => e.status === 'RUNNING').length;
  }

  allExecutions(): Execution[] {
    return [...this.engine.executions.values()];
  }

  startExecution(stateMachineArn: string, name: string, input: string) {
    return this.engine.startExecution(stateMachineArn, name, input);
  }

  /** Forgets an interrupted (ABORTED on restart) execution so its phase can be restarted under its name. */
  forgetInterrupted(name: string): void {
    this.engine.forgetInterrupted(name);
  }
}

export const ROOT = path.resolve(__dirname, '..', '..');
