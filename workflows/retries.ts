/**
 * How the lifecycle's tasks fail: the errors they retry (and how), their timeout, and the name a duplicate
 * execution is reported under. Everything not retried here is caught into RecordLifecycleFailure (see
 * ./lifecycle.ts).
 */
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';

/** Lambda service errors worth retrying (throttling, transient service failures). */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
];

/**
 * Errors our handlers and the AWS SDK raise for transient conditions (throttling, a concurrent write, a
 * network blip): retried. Anything else is a defect or a bad record: caught, recorded and alarmed at once.
 */
export const TRANSIENT_ERRORS = [
  'ConflictError',
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'NetworkingError',
];

/**
 * An email is claimed by another attempt that has not sent it yet (functions/lib/notify.ts): retried once its
 * claim's lease (two minutes) may have run out, when this task takes the claim over and sends the email.
 */
export const NOTICE_IN_FLIGHT_ERROR = 'NoticeInFlightError';

/** How the optimized `states:startExecution` integration names a duplicate execution. */
export const EXECUTION_ALREADY_EXISTS = [
  'StepFunctions.ExecutionAlreadyExistsException',
  'StepFunctions.ExecutionAlreadyExists',
];

/** Every Lambda task gives up after this long (the handlers take well under a second). */
export const TASK_TIMEOUT_SECONDS = 60;

export function retryServiceErrors(task: sfn.TaskStateBase): void {
  task.addRetry({
    errors: LAMBDA_SERVICE_ERRORS,
    interval: Duration.seconds(2),
    maxAttempts: 6,
    backoffRate: 2,
    maxDelay: Duration.seconds(60),
    jitterStrategy: sfn.JitterType.FULL,
  });
}

/**
 * A task that sends emails waits out another attempt's claim: 90 s, then 3, 5 and 5 min. Not jittered: a
 * jittered delay may be near 0, and four of them could all fall inside the lease (a company then FAILED for an
 * email that was merely in flight); without jitter the second retry alone is 270 s after the error, past any
 * lease. These retries are rare (a claim in flight), so they need no spreading. After them the task fails like
 * any other, and the claim is taken over by the next attempt that finds it expired.
 */
export function retryNoticeInFlight(task: sfn.TaskStateBase): void {
  task.addRetry({
    errors: [NOTICE_IN_FLIGHT_ERROR],
    interval: Duration.seconds(90),
    maxAttempts: 4,
    backoffRate: 2,
    maxDelay: Duration.seconds(300),
    jitterStrategy: sfn.JitterType.NONE,
  });
}

/** A Lambda task's retries: service errors, emails in flight, then transient errors and timeouts. */
export function retryLambdaTask(task: sfn.TaskStateBase): void {
  retryServiceErrors(task);
  retryNoticeInFlight(task);
  task.addRetry({
    errors: [...TRANSIENT_ERRORS, 'States.Timeout'],
    interval: Duration.seconds(5),
    maxAttempts: 3,
    backoffRate: 2,
    maxDelay: Duration.seconds(60),
    jitterStrategy: sfn.JitterType.FULL,
  });
}

/** RecordLifecycleFailure's retries: service errors, emails in flight, then anything (it must not be lost). */
export function retryRecordFailure(task: sfn.TaskStateBase): void {
  retryServiceErrors(task);
  retryNoticeInFlight(task);
  task.addRetry({
    errors: ['States.ALL'],
    interval: Duration.seconds(5),
    maxAttempts: 3,
    backoffRate: 2,
    jitterStrategy: sfn.JitterType.FULL,
  });
}
