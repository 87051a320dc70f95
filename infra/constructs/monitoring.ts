import { Aws, Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { PHASES } from '../../domain';
import {
  METRIC_NAMES,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  PHASE_DIMENSION,
} from '../../functions/lib/metrics';
import { STATES } from '../../workflows/lifecycle';

export interface MonitoringProps {
  /** The CertificationLifecycle state machine. */
  stateMachine: sfn.IStateMachine;
  /** Its execution log group (level ALL, no execution data): the LifecycleFailed metric filter reads it. */
  executionLogGroup: logs.ILogGroup;
  /** Every Lambda function of the stack, by the label the dashboard and the alarms show. */
  functions: Record<string, lambda.IFunction>;
  httpApi: apigw.IHttpApi;
  table: dynamodb.ITableV2;
  /**
   * The SES configuration set the emails go through: the dashboard shows its own reputation rates beside the
   * account-level ones, which are what SES reviews and what the alarms watch.
   */
  configurationSetName: string;
  /** Where alarms are emailed (the OpsEmail stack parameter). */
  alarmEmail: string;
}

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

/** The custom metric the LifecycleFailed metric filter writes. */
export const LIFECYCLE_FAILED_METRIC = 'LifecycleFailedStateEntered';

const FIVE_MINUTES = Duration.minutes(5);

/**
 * Operations monitoring: an SNS topic emailing the operations address, an alarm on every failure signal (each
 * with that topic as its action), and one CloudWatch dashboard.
 *
 * Alarms (threshold over one period; missing data is "not breaching": no traffic is no failure):
 * - lifecycle executions failed ≥ 1 and timed out ≥ 1 (AWS/States, 5 min);
 * - the LifecycleFailed state entered ≥ 1 (a metric filter on the execution log, 5 min);
 * - Lambda Errors ≥ 1, per function (5 min);
 * - API 5xx ≥ 1 (5 min);
 * - DynamoDB throttled requests ≥ 1 (all operations the functions use, 5 min);
 * - SES account reputation: bounce rate ≥ 4 % and complaint rate ≥ 0.08 % (1 h maximum).
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];
  /** The custom metric counting entries into the LifecycleFailed state. */
  readonly lifecycleFailedMetric: cloudwatch.Metric;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const stack = Stack.of(this);

    // Not encrypted at rest, on purpose: CloudWatch alarms cannot publish to a topic encrypted with the AWS
    // managed key alias/aws/sns (its key policy does not admit CloudWatch), and the stack uses no customer
    // managed keys. The topic carries alarm names and states only, no personal data. TLS is enforced.
    this.topic = new sns.Topic(this, 'OperationsTopic', {
      displayName: 'SECOR Lifecycle operations alarms',
      enforceSSL: true,
    });
    // The topic has a policy (enforceSSL), which replaces SNS's default one: CloudWatch alarms of this account
    // need an explicit grant to publish.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: {
            'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*`,
          },
        },
      }),
    );
    this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const action = new actions.SnsAction(this.topic);

    const alarm = (
      name: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      description: string,
    ): cloudwatch.Alarm => {
      const created = new cloudwatch.Alarm(this, `${name}Alarm`, {
        metric,
        threshold,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(action);
      this.alarms.push(created);
      return created;
    };

    // --- the lifecycle -----------------------------------------------------------------------------------
    const sum = { statistic: cloudwatch.Stats.SUM, period: FIVE_MINUTES };
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
    const lifecycleFailed = new logs.MetricFilter(this, 'LifecycleFailedFilter', {
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
    this.lifecycleFailedMetric = lifecycleFailed.metric(sum);
    alarm(
      'LifecycleFailedState',
      this.lifecycleFailedMetric,
      1,
      `An execution ended in ${STATES.failed}: a lifecycle task failed after its retries; the company is ` +
        'FAILED (see its failure cause) and waits for a redrive.',
    );

    // --- Lambda --------------------------------------------------------------------------------------------
    const functions = Object.entries(props.functions);
    for (const [label, fn] of functions) {
      alarm(
        `${constructId(label)}Errors`,
        fn.metricErrors(sum),
        1,
        `Lambda function "${label}" raised errors (unhandled exceptions, timeouts, crashes).`,
      );
    }

    // --- API -------------------------------------------------------------------------------------------------
    const api4xx = props.httpApi.metricClientError(sum);
    const api5xx = props.httpApi.metricServerError(sum);
    alarm(
      'Api5xx',
      api5xx,
      1,
      'The HTTP API answered 5xx: every 5xx is a defect or an outage (the API contract has none).',
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
    const ses = (metricName: string, options: cloudwatch.MetricOptions) =>
      new cloudwatch.Metric({ namespace: 'AWS/SES', metricName, ...options });
    const hourlyMax = { statistic: cloudwatch.Stats.MAXIMUM, period: Duration.hours(1) };
    const bounceRate = ses('Reputation.BounceRate', hourlyMax);
    const complaintRate = ses('Reputation.ComplaintRate', hourlyMax);
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

    // The configuration set's own rates (reputationMetrics on it): SES reviews the account-wide ones above.
    const configurationSetRates = ['BounceRate', 'ComplaintRate'].map((rate) =>
      ses(`Reputation.${rate}`, {
        ...hourlyMax,
        dimensionsMap: { 'ses:configuration-set': props.configurationSetName },
        label: `${rate === 'BounceRate' ? 'bounce' : 'complaint'} rate (configuration set)`,
      }),
    );

    // --- the dashboard -------------------------------------------------------------------------------------
    const custom = (metricName: string, label: string, dimensions: Record<string, string> = {}) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: METRICS_SERVICE, ...dimensions },
        statistic: cloudwatch.Stats.SUM,
        period: Duration.hours(1),
        label,
      });
    const graph = (
      title: string,
      left: cloudwatch.IMetric[],
      extra: Partial<cloudwatch.GraphWidgetProps> = {},
    ) => new cloudwatch.GraphWidget({ title, left, width: 12, height: 6, ...extra });
    const perFunction = (
      title: string,
      metric: (fn: lambda.IFunction, label: string) => cloudwatch.IMetric,
    ) =>
      graph(
        title,
        functions.map(([label, fn]) => metric(fn, label)),
        { width: 8 },
      );

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${stack.stackName}-operations`,
      defaultInterval: Duration.days(7),
    });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 4 }),
    );
    this.dashboard.addWidgets(
      graph(
        'Lifecycle executions',
        Object.entries(executions).map(([state, metric]) =>
          metric.with({ label: state === 'timedOut' ? 'timed out' : state }),
        ),
      ),
      // A flow: companies entering each phase per hour (see functions/lib/metrics.ts), not a gauge.
      graph(
        'Companies entering each phase (per hour)',
        PHASES.map((phase) =>
          custom(METRIC_NAMES.companiesEnteringPhase, phase, { [PHASE_DIMENSION]: phase }),
        ),
        { stacked: true },
      ),
    );
    this.dashboard.addWidgets(
      graph('Lifecycle events (per hour)', [
        custom(METRIC_NAMES.remindersSent, 'reminders sent'),
        custom(METRIC_NAMES.certificatesIssued, 'certificates issued'),
        custom(METRIC_NAMES.cancellations, 'cancellations'),
        custom(METRIC_NAMES.lapses, 'lapses'),
      ]),
      graph(`Failures: ${STATES.failed} entered`, [
        this.lifecycleFailedMetric.with({ label: `${STATES.failed} entered` }),
        executions.failed.with({ label: 'executions failed' }),
      ]),
    );
    this.dashboard.addWidgets(
      perFunction('Lambda errors', (fn, label) => fn.metricErrors({ ...sum, label })),
      perFunction('Lambda throttles', (fn, label) => fn.metricThrottles({ ...sum, label })),
      perFunction('Lambda duration p99', (fn, label) =>
        fn.metricDuration({ statistic: cloudwatch.Stats.p(99), period: FIVE_MINUTES, label }),
      ),
    );
    this.dashboard.addWidgets(
      graph('API 4xx / 5xx', [api4xx.with({ label: '4xx' }), api5xx.with({ label: '5xx' })], { width: 8 }),
      graph(
        'API latency p99',
        [
          props.httpApi.metricLatency({
            statistic: cloudwatch.Stats.p(99),
            period: FIVE_MINUTES,
            label: 'p99',
          }),
        ],
        { width: 8 },
      ),
      graph('DynamoDB throttled requests', [throttled], { width: 8 }),
    );
    this.dashboard.addWidgets(
      graph('SES sends / bounces / complaints', [
        ses('Send', { statistic: cloudwatch.Stats.SUM, period: Duration.hours(1), label: 'sends' }),
        ses('Bounce', { statistic: cloudwatch.Stats.SUM, period: Duration.hours(1), label: 'bounces' }),
        ses('Complaint', { statistic: cloudwatch.Stats.SUM, period: Duration.hours(1), label: 'complaints' }),
      ]),
      graph(
        'SES reputation: bounce / complaint rate',
        [
          bounceRate.with({ label: 'bounce rate (account)' }),
          complaintRate.with({ label: 'complaint rate (account)' }),
          ...configurationSetRates,
        ],
        {
          leftAnnotations: [
            { value: 0.05, label: 'bounce review (5 %)', color: cloudwatch.Color.RED },
            { value: SES_BOUNCE_RATE_ALARM, label: 'bounce alarm (4 %)', color: cloudwatch.Color.ORANGE },
            { value: 0.001, label: 'complaint review (0.1 %)', color: cloudwatch.Color.RED },
            {
              value: SES_COMPLAINT_RATE_ALARM,
              label: 'complaint alarm (0.08 %)',
              color: cloudwatch.Color.ORANGE,
            },
          ],
        },
      ),
    );
  }
}

/** "API companies" → "ApiCompanies": a construct id from a label. */
function constructId(label: string): string {
  return label
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
