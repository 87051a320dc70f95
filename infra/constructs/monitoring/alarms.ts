/**
 * The alarms (threshold over one period; missing data is "not breaching": no traffic is no failure):
 * - lifecycle executions failed ≥ 1 and timed out ≥ 1 (AWS/States, 5 min);
 * - the LifecycleFailed state entered ≥ 1 (a metric filter on the execution log, 5 min);
 * - Lambda Errors ≥ 1, per function (5 min);
 * - API 5xx ≥ 1 (5 min);
 * - DynamoDB throttled requests ≥ 1 (all operations the functions use, 5 min);
 * - outbox: a signal in the dead-letter queue ≥ 1 (5 min); reconciler repairs ≥ 5 (1 h);
 * - SES account reputation: bounce rate ≥ 4 % and complaint rate ≥ 0.08 % (1 h maximum).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import {
  METRIC_NAMES,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  REPAIR_DIMENSION,
  REPAIRS,
} from '../../../functions/lib/metrics';
import { STATES } from '../../../workflows/lifecycle';
import type { MonitoringProps } from './props';

/** The operations the functions run on the table (DynamoDB reports ThrottledRequests per operation). */
const TABLE_OPERATIONS = [
  dynamodb.Operation.GET_ITEM,
  dynamodb.Operation.PUT_ITEM,
  dynamodb.Operation.UPDATE_ITEM,
  dynamodb.Operation.DELETE_ITEM,
  dynamodb.Operation.QUERY,
];

/**
 * SES puts an account under review at a 5 % bounce rate or a 0.1 % complaint rate: alarm at 80 % of each,
 * while there is still time to act (fix the addresses the SES feedback flags on the companies).
 */
export const SES_BOUNCE_RATE_ALARM = 0.04;
export const SES_COMPLAINT_RATE_ALARM = 0.0008;

/** Reconciler repairs in an hour that alarm: a few are a blip (a throttled burst), more are a broken outbox. */
export const RECONCILER_REPAIRS_ALARM = 5;

/** A company's emails waiting this long for SES (throttled, paused, down) alarm: an hour. */
export const EMAIL_DELAY_ALARM_SECONDS = 3600;

/** The custom metric the LifecycleFailed metric filter writes. */
export const LIFECYCLE_FAILED_METRIC = 'LifecycleFailedStateEntered';

export const FIVE_MINUTES = Duration.minutes(5);
export const SUM_5_MIN = { statistic: cloudwatch.Stats.SUM, period: FIVE_MINUTES };

/** The alarms, in the order the dashboard shows them, and the signals they watch (the dashboard graphs them). */
export interface Signals {
  alarms: cloudwatch.Alarm[];
  executions: Record<'started' | 'succeeded' | 'failed' | 'timedOut' | 'aborted', cloudwatch.Metric>;
  lifecycleFailed: cloudwatch.Metric;
  api4xx: cloudwatch.Metric;
  api5xx: cloudwatch.Metric;
  throttled: cloudwatch.MathExpression;
  bounceRate: cloudwatch.Metric;
  complaintRate: cloudwatch.Metric;
}

/** An SES metric (namespace AWS/SES). */
export const sesMetric = (metricName: string, options: cloudwatch.MetricOptions) =>
  new cloudwatch.Metric({ namespace: 'AWS/SES', metricName, ...options });

export const HOURLY_MAX = { statistic: cloudwatch.Stats.MAXIMUM, period: Duration.hours(1) };

/** Creates every alarm in `scope`, each with `action`. */
export function createAlarms(
  scope: Construct,
  props: MonitoringProps,
  action: cloudwatch.IAlarmAction,
): Signals {
  const alarms: cloudwatch.Alarm[] = [];
  const alarm = (name: string, metric: cloudwatch.IMetric, threshold: number, description: string) => {
    const created = new cloudwatch.Alarm(scope, `${name}Alarm`, {
      metric,
      threshold,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    created.addAlarmAction(action);
    alarms.push(created);
  };
  const sum = SUM_5_MIN;

  // --- the lifecycle -----------------------------------------------------------------------------------
  // Alarm metrics carry no label (the template names metric, namespace, statistic and period directly); the
  // dashboard labels its copies.
  const executions = {
    started: props.stateMachine.metricStarted(sum),
    succeeded: props.stateMachine.metricSucceeded(sum),
    failed: props.stateMachine.metricFailed(sum),
    timedOut: props.stateMachine.metricTimedOut(sum),
    aborted: props.stateMachine.metricAborted(sum),
  };
  alarm(
    'ExecutionsFailed',
    executions.failed,
    1,
    'A CertificationLifecycle execution failed (the LifecycleFailed state or any other failure): see the ' +
      'company it names, fix the cause, redrive it (POST /ops/companies/{id}/redrive).',
  );
  alarm(
    'ExecutionsTimedOut',
    executions.timedOut,
    1,
    'A CertificationLifecycle execution timed out: the phase stopped without reaching its end.',
  );

  // Every task's Catch ends in RecordLifecycleFailure → LifecycleFailed (workflows/lifecycle.ts). The state
  // is counted from the execution log (`{"type":"FailStateEntered","details":{"name":"LifecycleFailed"}}`)
  // rather than from `type = ExecutionFailed`, which would only duplicate ExecutionsFailed: this metric says
  // precisely that a task failed after its retries and the failure was recorded on a company (now FAILED,
  // waiting for a redrive). ExecutionsFailed stays as the net under it, should the log format change.
  const lifecycleFailedFilter = new logs.MetricFilter(scope, 'LifecycleFailedFilter', {
    logGroup: props.executionLogGroup,
    filterPattern: logs.FilterPattern.all(
      logs.FilterPattern.stringValue('$.type', '=', 'FailStateEntered'),
      logs.FilterPattern.stringValue('$.details.name', '=', STATES.failed),
    ),
    metricNamespace: METRICS_NAMESPACE,
    metricName: LIFECYCLE_FAILED_METRIC,
    metricValue: '1',
    defaultValue: 0,
  });
  const lifecycleFailed = lifecycleFailedFilter.metric(sum);
  alarm(
    'LifecycleFailedState',
    lifecycleFailed,
    1,
    `An execution ended in ${STATES.failed}: a lifecycle task failed after its retries; the company is ` +
      'FAILED (see its failure cause) and waits for a redrive.',
  );

  // --- Lambda --------------------------------------------------------------------------------------------
  for (const [label, fn] of Object.entries(props.functions)) {
    alarm(
      `${constructId(label)}Errors`,
      fn.metricErrors(sum),
      1,
      `Lambda function "${label}" raised errors (unhandled exceptions, timeouts, crashes).`,
    );
  }

  // --- API -------------------------------------------------------------------------------------------------
  const api4xx = props.restApi.metricClientError(sum);
  const api5xx = props.restApi.metricServerError(sum);
  alarm(
    'Api5xx',
    api5xx,
    1,
    'The API answered 5xx: every 5xx is a defect or an outage (the API contract has none).',
  );

  // --- the outbox ------------------------------------------------------------------------------------------
  const deadLetters = props.signalDeadLetters.metricApproximateNumberOfMessagesVisible({
    statistic: cloudwatch.Stats.MAXIMUM,
    period: FIVE_MINUTES,
  });
  alarm(
    'SignalDeadLetters',
    deadLetters,
    1,
    'Outbox signals the stream could not deliver after its retries are in the dead-letter queue. The reconciler ' +
      'delivers pending signals every 5 minutes; if this persists, Step Functions is refusing them (see the ' +
      '"outbox signal" function logs).',
  );
  // --- email ------------------------------------------------------------------------------------------------
  alarm(
    'EmailsDelayed',
    new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: METRIC_NAMES.emailDelaySeconds,
      dimensionsMap: { service: METRICS_SERVICE },
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.minutes(15),
    }),
    EMAIL_DELAY_ALARM_SECONDS,
    "A company's lifecycle emails have waited more than an hour because SES refuses them (throttling, sending " +
      'paused, an outage). They are retried with backoff and go out once SES accepts them; no company fails. ' +
      'See the "task progress" logs ("emails delayed") and the SES account\'s sending status and quota.',
  );

  // One series per repair kind (Powertools adds the `service` dimension), each FILLed with 0 and summed.
  const repairsByKind = Object.fromEntries(
    REPAIRS.map((repair) => [
      repair.toLowerCase(),
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: METRIC_NAMES.reconcilerRepairs,
        dimensionsMap: { service: METRICS_SERVICE, [REPAIR_DIMENSION]: repair },
        statistic: cloudwatch.Stats.SUM,
        period: Duration.hours(1),
      }),
    ]),
  );
  alarm(
    'ReconcilerRepairs',
    new cloudwatch.MathExpression({
      expression: Object.keys(repairsByKind)
        .map((id) => `FILL(${id}, 0)`)
        .join(' + '),
      usingMetrics: repairsByKind,
      period: Duration.hours(1),
      label: 'reconciler repairs (all kinds)',
    }),
    RECONCILER_REPAIRS_ALARM,
    `The reconciler repaired ${RECONCILER_REPAIRS_ALARM} or more companies in an hour (signals left pending, ` +
      'executions missing): the outbox or the workflow chaining is failing; see the "outbox reconcile" logs.',
  );

  // --- DynamoDB ----------------------------------------------------------------------------------------
  // ThrottledRequests is reported per operation, and only while throttling: each series is FILLed with 0 so
  // that the sum has a value whenever any one operation is throttled.
  const throttledByOperation = Object.fromEntries(
    TABLE_OPERATIONS.map((operation) => [
      operation.toLowerCase(),
      props.table.metric('ThrottledRequests', {
        ...sum,
        dimensionsMap: { TableName: props.table.tableName, Operation: operation },
      }),
    ]),
  );
  const throttled = new cloudwatch.MathExpression({
    expression: Object.keys(throttledByOperation)
      .map((id) => `FILL(${id}, 0)`)
      .join(' + '),
    usingMetrics: throttledByOperation,
    period: FIVE_MINUTES,
    label: 'throttled requests (all operations)',
  });
  alarm(
    'DynamoDbThrottling',
    throttled,
    1,
    'DynamoDB throttled requests on the SECOR table (on-demand: a hot partition or an account limit).',
  );

  // --- SES -----------------------------------------------------------------------------------------------
  const bounceRate = sesMetric('Reputation.BounceRate', HOURLY_MAX);
  const complaintRate = sesMetric('Reputation.ComplaintRate', HOURLY_MAX);
  alarm(
    'SesBounceRate',
    bounceRate,
    SES_BOUNCE_RATE_ALARM,
    'The SES account bounce rate reached 4 %, approaching the 5 % at which SES reviews the account: fix the ' +
      'addresses of companies flagged with an emailIssue (GET /ops/companies).',
  );
  alarm(
    'SesComplaintRate',
    complaintRate,
    SES_COMPLAINT_RATE_ALARM,
    'The SES account complaint rate reached 0.08 %, approaching the 0.1 % at which SES reviews the account.',
  );

  return { alarms, executions, lifecycleFailed, api4xx, api5xx, throttled, bounceRate, complaintRate };
}

/** "API companies" → "ApiCompanies": a construct id from a label. */
function constructId(label: string): string {
  return label
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
