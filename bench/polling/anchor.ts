/**
 * Runs the daily-polling state machine (./definition.ts) on a second local Step Functions — the same engine
 * (aws-local-stepfunctions) and the same virtual clock as the lifecycle's, in the same process, with its own
 * API server (so its `states:startExecution` hand-over and StopExecution go through the Step Functions API as
 * in AWS). `watch` starts one execution per company at sign-up; `stop` ends them when the company's path
 * ends and returns what they were billed for: states entered, executions, check invocations and their
 * durations, the record reads.
 */
import { ListExecutionsCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { LocalStepFunctions } from '../../local/stepfunctions';
import { median, round } from '../lib/child';
import { checkHandler, emptyCheckTally } from './check';
import { CHECK_MODULE, executionName, pollingLifecycle, type PollState } from './definition';

export interface PollingCounts {
  /** Companies polled. */
  companies: number;
  executions: number;
  /** States entered, all executions (the lifecycle's transitions are counted the same way). */
  transitions: number;
  transitionsByState: Record<string, number>;
  /** Check-task invocations as the engine counted them, and as the handler did (a cross-check). */
  sfnLambdaInvocations: number;
  checkInvocations: number;
  checkMemoryMb: number;
  checkMedianMs: number;
  /** Σ duration rounded up to the millisecond, × memory. */
  checkBilledMs: number;
  checkGbSeconds: number;
  reads: number;
  readUnits: number;
  /** Days between the first execution's start and the stop (virtual clock). */
  days: number;
  /** Notices the record called for at the checks (which a polling design would send). */
  noticesSeen: number;
}

export class PollingAnchor {
  private readonly tally = emptyCheckTally();
  private readonly sfn: LocalStepFunctions;
  private client?: SFNClient;
  private readonly watched: string[] = [];
  private startedAt?: number;

  constructor(
    tableName: string,
    private readonly checkMemoryMb = 512,
  ) {
    const check = checkHandler(tableName, this.tally);
    this.sfn = new LocalStepFunctions({
      lifecycle: pollingLifecycle,
      load: (module) => {
        if (module !== CHECK_MODULE) throw new Error(`the polling machine has no task ${module}`);
        return Promise.resolve({ handler: (input: unknown) => check(input as PollState) });
      },
    });
  }

  async listen(): Promise<void> {
    const endpoint = await this.sfn.listen(0);
    this.client = new SFNClient({
      endpoint,
      region: 'ca-central-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  }

  /** Starts polling the company (at its sign-up). */
  watch(companyId: string): void {
    const input: PollState = { companyId, generation: 0, polls: 0 };
    this.sfn.startExecution(
      pollingLifecycle.stateMachineArn,
      executionName(companyId, 0),
      JSON.stringify(input),
    );
    this.startedAt ??= Date.now();
    this.watched.push(companyId);
  }

  /** Stops every running polling execution (the companies' paths have ended) and returns the counts. */
  async stop(): Promise<PollingCounts> {
    const client = this.client;
    if (!client) throw new Error('PollingAnchor: listen() first');
    const running = await client.send(
      new ListExecutionsCommand({
        stateMachineArn: pollingLifecycle.stateMachineArn,
        statusFilter: 'RUNNING',
        maxResults: 1000,
      }),
    );
    for (const e of running.executions ?? [])
      await client.send(
        new StopExecutionCommand({ executionArn: e.executionArn, cause: 'the benchmark path ended' }),
      );
    const executions = this.sfn.allExecutions();
    const byState: Record<string, number> = {};
    for (const e of executions)
      for (const h of e.history)
        if (h.type.endsWith('StateEntered')) {
          const name = String(h.details?.name ?? '?');
          byState[name] = (byState[name] ?? 0) + 1;
        }
    const t = this.tally;
    const billedMs = t.durationsMs.reduce((s, d) => s + Math.ceil(d), 0);
    return {
      companies: this.watched.length,
      executions: executions.length,
      transitions: executions.reduce((s, e) => s + e.transitions, 0),
      transitionsByState: byState,
      sfnLambdaInvocations: this.sfn.stats.lambdaInvocations,
      checkInvocations: t.invocations,
      checkMemoryMb: this.checkMemoryMb,
      checkMedianMs: round(median(t.durationsMs), 2),
      checkBilledMs: billedMs,
      checkGbSeconds: (billedMs / 1000) * (this.checkMemoryMb / 1024),
      reads: t.reads,
      readUnits: t.readUnits,
      days: this.startedAt === undefined ? 0 : round((Date.now() - this.startedAt) / 86_400_000, 1),
      noticesSeen: t.noticesSeen,
    };
  }

  close(): Promise<void> {
    return this.sfn.close();
  }
}
