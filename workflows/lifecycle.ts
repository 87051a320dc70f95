/**
 * The `CertificationLifecycle` state machine: one execution per company phase, built from one small fragment
 * per phase. Every execution starts the same way and every phase fragment is the same loop, driven by the
 * domain's plan (domain/workflow-plan.ts):
 *
 *   StartPhase (emails due, plan) → RoutePhase (phase + plan) ─┬─await──→ Await<Step> (callback, timeout = next
 *                                                              │          reminder/deadline) ─→ Route<Phase>Step
 *   Route<Phase>Step ─await─→ Await<Step> ─────────────────────┤
 *         ↑         ├─sleep──→ WaitFor<Phase>Window (until the window opens) → Check<Phase>Progress
 *         │         ├─notify / continue → Check<Phase>Progress (send emails; an old execution continues in a
 *         │         │                     fresh one) ──────────────────────────────────────────────┤
 *         │         ├─escalate→ <Escalate> (lapse / cancel) ──────────────────────────────────────┤
 *         └─────────┴──────────────────────────────────────────────────────────────────────────────┘
 *                   ├─advance→ StartNextExecution (deterministic name; AlreadyExists = success)
 *                   └─end────→ PhaseEnded
 *
 * Transitions are the bill: an execution that is started, waits for its person and hands over costs five
 * (StartPhase, RoutePhase, Await, Route, StartNextExecution). Every Lambda task retries service errors with
 * backoff and jitter (./retries.ts) and catches everything else into RecordLifecycleFailure → LifecycleFailed
 * (alarmed).
 */
import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { PhaseKey } from '../domain';
import {
  EXECUTION_ALREADY_EXISTS,
  TASK_TIMEOUT_SECONDS,
  retryLambdaTask,
  retryRecordFailure,
  retryServiceErrors,
} from './retries';

export interface LifecycleFunctions {
  /** Sends due emails and returns the plan (Start<Phase>, Check<Phase>Progress). */
  progress: lambda.IFunction;
  /** Stores the callback token of a human step (Await<Step>). */
  await: lambda.IFunction;
  /** Workflow-made changes: escalate a missed deadline, record a failure. */
  transition: lambda.IFunction;
}

export interface LifecycleDefinitionProps {
  functions: LifecycleFunctions;
  /** ARN of this state machine (built from its fixed name, so the definition can start its own executions). */
  stateMachineArn: string;
}

/** One phase's fragment: its state names (PascalCase verb-noun, unique across the machine). */
export interface PhaseFragmentSpec {
  phaseKey: PhaseKey;
  fragment: string;
  route: string;
  await: string;
  check: string;
  window: string;
  escalate: string;
}

const loopFragment = (
  phaseKey: PhaseKey,
  fragment: string,
  awaitName: string,
  escalate: string,
): PhaseFragmentSpec => ({
  phaseKey,
  fragment,
  route: `Route${fragment}Step`,
  await: awaitName,
  check: `Check${fragment}Progress`,
  window: `WaitFor${fragment}Window`,
  escalate,
});

export const PHASE_FRAGMENTS: PhaseFragmentSpec[] = [
  loopFragment('REGISTRATION', 'Registration', 'AwaitTraineeDesignation', 'LapseRegistration'),
  loopFragment('TRAINING', 'Training', 'AwaitExamResult', 'LapseTraining'),
  loopFragment('IMPLEMENTATION', 'Implementation', 'AwaitProgramSubmission', 'LapseImplementation'),
  loopFragment(
    'CERTIFICATION_AUDIT',
    'CertificationAudit',
    'AwaitCertificationAudit',
    'LapseCertificationAudit',
  ),
  loopFragment('MAINTENANCE2', 'MaintenanceYear2', 'AwaitMaintenanceAuditYear2', 'CancelCertificateYear2'),
  loopFragment('MAINTENANCE3', 'MaintenanceYear3', 'AwaitMaintenanceAuditYear3', 'CancelCertificateYear3'),
  loopFragment('RECERTIFICATION', 'Recertification', 'AwaitRecertificationAudit', 'LapseCertificate'),
];

/** Shared state names. */
export const STATES = {
  startPhase: 'StartPhase',
  routePhase: 'RoutePhase',
  startNext: 'StartNextExecution',
  alreadyStarted: 'NextExecutionAlreadyStarted',
  noteUnstarted: 'NoteUnstartedExecution',
  phaseEnded: 'PhaseEnded',
  recordFailure: 'RecordLifecycleFailure',
  failed: 'LifecycleFailed',
  unknownPlan: 'RejectUnknownPlan',
} as const;

/**
 * Where the plan lives in the state data. It is `$.Payload` so that the callback task's TimeoutSecondsPath
 * (`$.Payload.waitSeconds`) resolves both against the state input and against the effective input after
 * Parameters (whose Payload copies it): engines differ on which one they read.
 */
export const PLAN = '$.Payload';

const execution = {
  name: sfn.JsonPath.stringAt('$$.Execution.Name'),
  startedAt: sfn.JsonPath.stringAt('$$.Execution.StartTime'),
};
const base = { companyId: sfn.JsonPath.stringAt('$.companyId'), execution };
const withIteration = { ...base, iteration: sfn.JsonPath.numberAt(`${PLAN}.iteration`) };

export function buildLifecycleDefinition(scope: Construct, props: LifecycleDefinitionProps): sfn.IChainable {
  const s = new Construct(scope, 'Definition');
  const fns = props.functions;

  const failed = new sfn.Fail(s, STATES.failed, {
    error: 'LifecycleTaskFailed',
    comment: 'A lifecycle task failed after its retries; the failure is recorded on the company. Alarmed.',
    causePath: '$.error.Cause',
  });
  const recordFailure = new tasks.LambdaInvoke(s, STATES.recordFailure, {
    lambdaFunction: fns.transition,
    payload: sfn.TaskInput.fromObject({
      ...base,
      action: 'recordFailure',
      error: sfn.JsonPath.objectAt('$.error'),
    }),
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
    resultPath: sfn.JsonPath.DISCARD,
    taskTimeout: sfn.Timeout.duration(Duration.seconds(TASK_TIMEOUT_SECONDS)),
  });
  retryRecordFailure(recordFailure);
  recordFailure.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.recordFailureError' });
  recordFailure.next(failed);

  const lambdaTask = (id: string, fn: lambda.IFunction, payload: Record<string, unknown>) => {
    const task = new tasks.LambdaInvoke(s, id, {
      lambdaFunction: fn,
      payload: sfn.TaskInput.fromObject(payload),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      resultPath: PLAN,
      taskTimeout: sfn.Timeout.duration(Duration.seconds(TASK_TIMEOUT_SECONDS)),
    });
    retryLambdaTask(task);
    task.addCatch(recordFailure, { errors: ['States.ALL'], resultPath: '$.error' });
    return task;
  };

  const phaseEnded = new sfn.Succeed(s, STATES.phaseEnded, {
    comment: 'This phase execution is done: the next one was started, or the company left the lifecycle.',
  });
  const alreadyStarted = new sfn.Pass(s, STATES.alreadyStarted, {
    comment: 'The next execution already exists under its deterministic name: a retried start never forks.',
  });
  // The last state of a phase (End): continue-as-new under the next execution's deterministic name.
  const startNext = new tasks.StepFunctionsStartExecution(s, STATES.startNext, {
    stateMachine: sfn.StateMachine.fromStateMachineArn(s, 'Self', props.stateMachineArn),
    name: sfn.JsonPath.stringAt(`${PLAN}.next.name`),
    input: sfn.TaskInput.fromJsonPathAt(`${PLAN}.next.input`),
    integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
    resultPath: sfn.JsonPath.DISCARD,
    taskTimeout: sfn.Timeout.duration(Duration.seconds(TASK_TIMEOUT_SECONDS)),
  });
  startNext.addCatch(alreadyStarted, { errors: EXECUTION_ALREADY_EXISTS, resultPath: sfn.JsonPath.DISCARD });
  startNext.addRetry({
    errors: [
      'StepFunctions.ExecutionLimitExceededException',
      'StepFunctions.SdkClientException',
      'StepFunctions.StepFunctionsException',
      'States.Timeout',
    ],
    interval: Duration.seconds(2),
    maxAttempts: 6,
    backoffRate: 2,
    maxDelay: Duration.seconds(60),
    jitterStrategy: sfn.JitterType.FULL,
  });
  // The record already names the execution that could not be started: say which, so the failure is recorded
  // on the company (it would otherwise stay in its phase with no execution running, and nothing to redrive).
  const noteUnstarted = new sfn.Pass(s, STATES.noteUnstarted, {
    comment:
      'StartNextExecution failed after its retries: record the failure against the unstarted execution.',
    parameters: {
      Error: sfn.JsonPath.stringAt('$.error.Error'),
      Cause: sfn.JsonPath.stringAt('$.error.Cause'),
      unstarted: sfn.JsonPath.stringAt(`${PLAN}.next.name`),
    },
    resultPath: '$.error',
  });
  noteUnstarted.next(recordFailure);
  startNext.addCatch(noteUnstarted, { errors: ['States.ALL'], resultPath: '$.error' });

  const unknownPlan = new sfn.Pass(s, STATES.unknownPlan, {
    comment: 'A plan action (or a phase key) this definition does not know: record it as a failure.',
    parameters: {
      Error: 'UnknownPlan',
      Cause: sfn.JsonPath.format(
        'unknown plan action {} for phase key {}',
        sfn.JsonPath.stringAt(`${PLAN}.action`),
        sfn.JsonPath.stringAt('$.phaseKey'),
      ),
    },
    resultPath: '$.error',
  });
  unknownPlan.next(recordFailure);

  // Every execution starts here: send what is due, plan, and go straight to the phase's next state.
  const start = lambdaTask(STATES.startPhase, fns.progress, base);
  const router = new sfn.Choice(s, STATES.routePhase, {
    comment: 'The first plan of an execution: to the phase fragment state it names.',
  });
  start.next(router);

  for (const spec of PHASE_FRAGMENTS) {
    const check = lambdaTask(spec.check, fns.progress, withIteration);
    const escalate = lambdaTask(spec.escalate, fns.transition, { ...base, action: 'escalate' });
    const awaitStep = new tasks.LambdaInvoke(s, spec.await, {
      lambdaFunction: fns.await,
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: sfn.TaskInput.fromObject({
        ...withIteration,
        waitSeconds: sfn.JsonPath.numberAt(`${PLAN}.waitSeconds`),
        taskToken: sfn.JsonPath.taskToken,
      }),
      retryOnServiceExceptions: false,
      resultPath: PLAN,
      taskTimeout: sfn.Timeout.at(`${PLAN}.waitSeconds`),
    });
    retryServiceErrors(awaitStep);
    awaitStep.addRetry({
      errors: ['States.TaskFailed'],
      interval: Duration.seconds(5),
      maxAttempts: 3,
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });
    awaitStep.addCatch(check, { errors: ['States.Timeout'], resultPath: '$.timeout' });
    awaitStep.addCatch(recordFailure, { errors: ['States.ALL'], resultPath: '$.error' });
    const wait = new sfn.Wait(s, spec.window, {
      time: sfn.WaitTime.timestampPath(`${PLAN}.wakeAt`),
      comment: 'The step cannot be done before its window opens (minimum implementation, maintenance year).',
    });
    // `continue` goes through Check<Phase>Progress, whose task moves an old execution's phase to a fresh one.
    const route = new sfn.Choice(s, spec.route)
      .when(planIs('await'), awaitStep)
      .when(planIs('sleep'), wait)
      .when(sfn.Condition.or(planIs('notify'), planIs('continue')), check)
      .when(planIs('escalate'), escalate)
      .when(planIs('advance'), startNext)
      .when(planIs('end'), phaseEnded)
      .otherwise(unknownPlan);
    check.next(route);
    awaitStep.next(route);
    wait.next(check);
    escalate.next(route);
    const inPhase = (c: sfn.Condition) =>
      sfn.Condition.and(sfn.Condition.stringEquals('$.phaseKey', spec.phaseKey), c);
    router
      .when(inPhase(planIs('await')), awaitStep)
      .when(inPhase(planIs('sleep')), wait)
      .when(inPhase(sfn.Condition.or(planIs('notify'), planIs('continue'))), check)
      .when(inPhase(planIs('escalate')), escalate);
  }
  router.when(planIs('advance'), startNext).when(planIs('end'), phaseEnded).otherwise(unknownPlan);
  return start;
}

function planIs(action: string): sfn.Condition {
  return sfn.Condition.stringEquals(`${PLAN}.action`, action);
}
