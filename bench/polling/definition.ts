/**
 * The daily-polling anchor: the naive design the lifecycle's event-driven workflow is measured against. One
 * execution per company, started at sign-up: a check task (a Lambda that reads the company record and works out
 * which reminders are due — in such a design it would also send them) → a Choice → a Wait of one day → the
 * check again. A Standard execution may live at most a year, so after `POLLS_PER_EXECUTION` checks it starts a
 * fresh execution of itself (`states:startExecution`) and ends. It stops when the company leaves the program
 * (an ended phase) — or, in the benchmark, when the company's path ends (StopExecution).
 *
 * Per day: 3 state transitions (WaitOneDay, CheckCompany, Done?), 1 Lambda invocation, 1 strongly consistent
 * read of the company record; per yearly hand-over: ContinueAsNew, and the new execution's first check and
 * choice on the same day.
 */
import type { AslDefinition, SynthesizedLifecycle } from '../../local/synthesized';

export const POLLING_STATE_MACHINE_ARN =
  'arn:aws:states:ca-central-1:000000000000:stateMachine:secor-bench-daily-polling';
export const CHECK_FUNCTION_ARN = 'arn:aws:lambda:ca-central-1:000000000000:function:BenchPollingCheck';
/** The handler module the check task runs (bench/polling/check.ts), as the meter and the runner name it. */
export const CHECK_MODULE = 'bench/polling/check.ts';
/** Checks per execution: a Standard execution lives at most a year (365 days). */
export const POLLS_PER_EXECUTION = 364;
export const POLL_SECONDS = 86_400;

/** What the execution carries from one day to the next (the check's input and output). */
export interface PollState {
  companyId: string;
  /** Executions before this one (0 for the first). */
  generation: number;
  /** Checks made by this execution. */
  polls: number;
  /** The company has left the program: nothing more to poll for. */
  done?: boolean;
  /** Notices (reminders and event emails) the record called for at the last check. */
  noticesDue?: number;
}

export const executionName = (companyId: string, generation: number) => `${companyId}-poll-${generation}`;

export const pollingDefinition: AslDefinition = {
  Comment: 'Naive daily polling of one company (benchmark anchor): check, decide, wait a day, repeat.',
  StartAt: 'CheckCompany',
  States: {
    CheckCompany: { Type: 'Task', Resource: CHECK_FUNCTION_ARN, Next: 'Done?' },
    'Done?': {
      Type: 'Choice',
      Choices: [
        { Variable: '$.done', BooleanEquals: true, Next: 'Finished' },
        { Variable: '$.polls', NumericGreaterThanEquals: POLLS_PER_EXECUTION, Next: 'ContinueAsNew' },
      ],
      Default: 'WaitOneDay',
    },
    WaitOneDay: { Type: 'Wait', Seconds: POLL_SECONDS, Next: 'CheckCompany' },
    ContinueAsNew: {
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution',
      Parameters: {
        'StateMachineArn.$': '$$.StateMachine.Id',
        'Name.$': "States.Format('{}-poll-{}', $.companyId, States.MathAdd($.generation, 1))",
        Input: {
          'companyId.$': '$.companyId',
          'generation.$': 'States.MathAdd($.generation, 1)',
          polls: 0,
        },
      },
      End: true,
    },
    Finished: { Type: 'Succeed' },
  },
};

/** The polling state machine in the shape the local Step Functions run (local/stepfunctions). */
export const pollingLifecycle: SynthesizedLifecycle = {
  template: { Resources: {} },
  stackName: 'SecorBenchPolling',
  stateMachineName: 'secor-bench-daily-polling',
  stateMachineArn: POLLING_STATE_MACHINE_ARN,
  definition: pollingDefinition,
  handlers: { [CHECK_FUNCTION_ARN]: CHECK_MODULE },
};
