/**
 * The Monitoring construct in the synthesized stack (one synthesis for the file): the operations topic and its
 * email subscription, every alarm (metric, threshold, comparison, action → the topic), the LifecycleFailed
 * metric filter, the dashboard's widgets, and the SES feedback path (configuration set → EventBridge → Lambda).
 */
import { Match } from 'aws-cdk-lib/assertions';
import { PHASES } from '../../domain';
import {
  METRIC_NAMES,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  PHASE_DIMENSION,
} from '../../functions/lib/metrics';
import { LIFECYCLE_FAILED_METRIC } from '../../infra/constructs/monitoring';
import { EMAIL_DELAY_ALARM_SECONDS } from '../../infra/constructs/monitoring/alarms';
import { STATES } from '../../workflows/lifecycle';
import {
  type Resource,
  SYNTH_TIMEOUT_MS,
  type Statement,
  type SynthesizedStack,
  actionsOf,
  logicalId,
  referencedId,
  render,
  resourcesOf,
  roleStatements,
  serviceOf,
  synthesizeStack,
} from './support';

let synth: SynthesizedStack;
let resources: Record<string, Resource>;

beforeAll(() => {
  synth = synthesizeStack();
  resources = synth.resources;
}, SYNTH_TIMEOUT_MS);

const ofType = (type: string): [string, Resource][] =>
  Object.entries(resources).filter(([, r]) => r.Type === type);

function only(type: string): [string, Resource] {
  const found = ofType(type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as [string, Resource];
}

const topicId = () => logicalId(synth.stack.monitoring.topic);
const tableId = () => logicalId(synth.stack.data.table);
const stateMachineId = () => logicalId(synth.stack.lifecycle.stateMachine);
const restApiName = () => synth.stack.api.restApi.restApiName;

interface Dimension {
  Name: string;
  Value: unknown;
}
interface MetricStat {
  Metric: { Namespace: string; MetricName: string; Dimensions?: Dimension[] };
  Period: number;
  Stat: string;
}
interface MetricDataQuery {
  Id: string;
  Expression?: string;
  MetricStat?: MetricStat;
  ReturnData?: boolean;
}

const alarms = () => ofType('AWS::CloudWatch::Alarm');

/** The alarms on one metric (single-metric alarms: Namespace, MetricName, Dimensions on the alarm). */
function alarmsOn(namespace: string, metricName: string, dimensions?: Dimension[]): [string, Resource][] {
  return alarms().filter(
    ([, r]) =>
      r.Properties.Namespace === namespace &&
      r.Properties.MetricName === metricName &&
      (dimensions === undefined ||
        JSON.stringify(r.Properties.Dimensions ?? []) === JSON.stringify(dimensions)),
  );
}

function oneAlarmOn(namespace: string, metricName: string, dimensions?: Dimension[]): Resource {
  const found = alarmsOn(namespace, metricName, dimensions);
  if (found.length !== 1)
    throw new Error(`expected one alarm on ${namespace} ${metricName}, found ${found.length}`);
  return found[0]?.[1] as Resource;
}

/** What every alarm shares: one period, ≥ threshold, missing data not breaching, the topic as its action. */
function expectAlarm(
  alarm: Resource,
  expected: { threshold: number; statistic?: string; period?: number },
): void {
  expect(alarm.Properties).toMatchObject({
    Threshold: expected.threshold,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    EvaluationPeriods: 1,
    DatapointsToAlarm: 1,
    TreatMissingData: 'notBreaching',
    AlarmActions: [{ Ref: topicId() }],
  });
  if (expected.statistic) expect(alarm.Properties.Statistic).toBe(expected.statistic);
  if (expected.period) expect(alarm.Properties.Period).toBe(expected.period);
  expect(String(alarm.Properties.AlarmDescription ?? '').length).toBeGreaterThan(20);
}

describe('operations topic', () => {
  test('one SNS topic, emailing the OpsEmail parameter (no separate alarm address)', () => {
    only('AWS::SNS::Topic');
    synth.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: { Ref: 'OpsEmail' },
      TopicArn: { Ref: topicId() },
    });
    synth.template.resourceCountIs('AWS::SNS::Subscription', 1);
    expect(Object.keys(synth.template.toJSON().Parameters as object).sort()).toEqual([
      'BootstrapVersion',
      'OpsEmail',
      'ReplyToAddress',
      'SenderAddress',
      'SenderName',
    ]);
  });

  test('publishing requires TLS, and CloudWatch alarms of this account may publish (the policy replaces the default)', () => {
    const [, policy] = only('AWS::SNS::TopicPolicy');
    expect(policy.Properties.Topics).toEqual([{ Ref: topicId() }]);
    const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 'sns:Publish',
        Principal: '*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    const allow = statements.filter((s) => s.Effect === 'Allow');
    expect(allow).toHaveLength(1);
    expect(allow[0]).toMatchObject({
      Action: 'sns:Publish',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Resource: { Ref: topicId() },
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });
    expect(render(allow[0]?.Condition?.ArnLike?.['aws:SourceArn'])).toBe(
      'arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*',
    );
  });

  test('not encrypted with alias/aws/sns (CloudWatch could not publish to it), nor with any customer key', () => {
    expect(only('AWS::SNS::Topic')[1].Properties.KmsMasterKeyId).toBeUndefined();
  });
});

describe('alarms: every one notifies the operations topic', () => {
  test('lifecycle executions failed ≥ 1 (5 min)', () => {
    const alarm = oneAlarmOn('AWS/States', 'ExecutionsFailed', [
      { Name: 'StateMachineArn', Value: { Ref: stateMachineId() } },
    ]);
    expectAlarm(alarm, { threshold: 1, statistic: 'Sum', period: 300 });
  });

  test('lifecycle executions timed out ≥ 1 (5 min)', () => {
    const alarm = oneAlarmOn('AWS/States', 'ExecutionsTimedOut', [
      { Name: 'StateMachineArn', Value: { Ref: stateMachineId() } },
    ]);
    expectAlarm(alarm, { threshold: 1, statistic: 'Sum', period: 300 });
  });

  test(`the ${STATES.failed} state entered ≥ 1: a metric filter on the execution log`, () => {
    const [, filter] = only('AWS::Logs::MetricFilter');
    expect(filter.Properties.LogGroupName).toEqual({ Ref: logicalId(synth.stack.lifecycle.logGroup) });
    expect(filter.Properties.FilterPattern).toBe(
      `{ ($.type = "FailStateEntered") && ($.details.name = "${STATES.failed}") }`,
    );
    expect(filter.Properties.MetricTransformations).toEqual([
      {
        MetricNamespace: METRICS_NAMESPACE,
        MetricName: LIFECYCLE_FAILED_METRIC,
        MetricValue: '1',
        DefaultValue: 0,
      },
    ]);
    expectAlarm(oneAlarmOn(METRICS_NAMESPACE, LIFECYCLE_FAILED_METRIC, []), {
      threshold: 1,
      statistic: 'Sum',
      period: 300,
    });
  });

  test('Lambda Errors ≥ 1 (5 min) on every function of the stack, one alarm each', () => {
    const functionIds = ofType('AWS::Lambda::Function').map(([id]) => id);
    expect(functionIds).toHaveLength(3 + 6 + 1 + 2);
    const errorAlarms = alarmsOn('AWS/Lambda', 'Errors');
    expect(errorAlarms).toHaveLength(functionIds.length);
    const alarmed = errorAlarms.map(([, r]) => {
      const dims = r.Properties.Dimensions as Dimension[];
      expect(dims).toHaveLength(1);
      expect(dims[0]?.Name).toBe('FunctionName');
      return referencedId(dims[0]?.Value);
    });
    expect(alarmed.sort()).toEqual(functionIds.sort());
    for (const [, alarm] of errorAlarms) expectAlarm(alarm, { threshold: 1, statistic: 'Sum', period: 300 });
  });

  test('API 5xx ≥ 1 (5 min)', () => {
    const alarm = oneAlarmOn('AWS/ApiGateway', '5XXError', [{ Name: 'ApiName', Value: restApiName() }]);
    expectAlarm(alarm, { threshold: 1, statistic: 'Sum', period: 300 });
  });

  test('DynamoDB throttled requests ≥ 1 (5 min): every operation the functions use, each FILLed with 0', () => {
    const throttling = alarms().filter(([, r]) =>
      ((r.Properties.Metrics as MetricDataQuery[] | undefined) ?? []).some(
        (q) => q.MetricStat?.Metric.MetricName === 'ThrottledRequests',
      ),
    );
    expect(throttling).toHaveLength(1);
    const alarm = throttling[0]?.[1] as Resource;
    expectAlarm(alarm, { threshold: 1 });
    const queries = alarm.Properties.Metrics as MetricDataQuery[];
    const inputs = queries.filter((q) => q.MetricStat);
    const operations = inputs.map((q) => {
      expect(q.ReturnData).toBe(false);
      expect(q.MetricStat).toMatchObject({
        Metric: { Namespace: 'AWS/DynamoDB', MetricName: 'ThrottledRequests' },
        Period: 300,
        Stat: 'Sum',
      });
      const dims = Object.fromEntries((q.MetricStat?.Metric.Dimensions ?? []).map((d) => [d.Name, d.Value]));
      expect(dims.TableName).toEqual({ Ref: tableId() });
      return dims.Operation as string;
    });
    expect(operations.sort()).toEqual(['DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem']);
    const expressions = queries.filter((q) => q.Expression);
    expect(expressions).toHaveLength(1);
    expect(expressions[0]?.ReturnData).toBe(true);
    expect(expressions[0]?.Expression).toBe(inputs.map((q) => `FILL(${q.Id}, 0)`).join(' + '));
  });

  test('SES bounce rate ≥ 4 % (approaching the 5 % review threshold), account level, hourly maximum', () => {
    expectAlarm(oneAlarmOn('AWS/SES', 'Reputation.BounceRate', []), {
      threshold: 0.04,
      statistic: 'Maximum',
      period: 3600,
    });
  });

  test('SES complaint rate ≥ 0.08 % (approaching the 0.1 % review threshold), account level, hourly maximum', () => {
    expectAlarm(oneAlarmOn('AWS/SES', 'Reputation.ComplaintRate', []), {
      threshold: 0.0008,
      statistic: 'Maximum',
      period: 3600,
    });
  });

  test('emails waiting for SES an hour or more alarm (maximum EmailDelaySeconds over 15 minutes)', () => {
    expectAlarm(
      oneAlarmOn(METRICS_NAMESPACE, METRIC_NAMES.emailDelaySeconds, [
        { Name: 'service', Value: METRICS_SERVICE },
      ]),
      { threshold: EMAIL_DELAY_ALARM_SECONDS, statistic: 'Maximum', period: 900 },
    );
    expect(EMAIL_DELAY_ALARM_SECONDS).toBe(3600);
  });

  test('exactly these alarms: 10 on the system, one per Lambda function; all in the construct, all with the action', () => {
    expect(alarms()).toHaveLength(10 + 12);
    expect(synth.stack.monitoring.alarms.map((a) => logicalId(a)).sort()).toEqual(
      alarms()
        .map(([id]) => id)
        .sort(),
    );
    synth.template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: topicId() }],
      TreatMissingData: 'notBreaching',
    });
  });
});

interface Widget {
  type: string;
  properties: {
    title?: string;
    metrics?: unknown[][];
    alarms?: string[];
    annotations?: { horizontal?: { value: number; label?: string }[] };
  };
}

describe('dashboard', () => {
  const body = (): { widgets: Widget[] } => {
    const [, dashboard] = only('AWS::CloudWatch::Dashboard');
    return JSON.parse(render(dashboard.Properties.DashboardBody)) as { widgets: Widget[] };
  };
  const widget = (title: string): Widget => {
    const found = body().widgets.filter((w) => w.properties.title === title);
    if (found.length !== 1) throw new Error(`expected one widget "${title}", found ${found.length}`);
    return found[0] as Widget;
  };
  /** A graph's metrics as `namespace|name|dim|value…` (the options object dropped). */
  const metricsOf = (title: string): string[] =>
    (widget(title).properties.metrics ?? []).map((m) =>
      m.filter((part) => typeof part === 'string').join('|'),
    );
  const statsOf = (title: string): unknown[] =>
    (widget(title).properties.metrics ?? []).map(
      (m) => (m.find((part) => typeof part === 'object') as { stat?: string } | undefined)?.stat,
    );
  const fnRef = (id: string) => `\${${id}}`;
  const functionIds = () => ofType('AWS::Lambda::Function').map(([id]) => id);

  test('the widgets the issue lists, by title', () => {
    expect(body().widgets.map((w) => w.properties.title)).toEqual([
      'Alarms',
      'Lifecycle executions',
      'Companies entering each phase (per hour)',
      'Lifecycle events (per hour)',
      `Failures: ${STATES.failed} entered`,
      'Lambda errors',
      'Lambda throttles',
      'Lambda duration p99',
      'API 4xx / 5xx',
      'API latency p99',
      'DynamoDB throttled requests',
      'SES sends / bounces / complaints',
      'SES reputation: bounce / complaint rate',
    ]);
  });

  test('an alarm status widget with every alarm', () => {
    expect(widget('Alarms').type).toBe('alarm');
    expect(widget('Alarms').properties.alarms?.sort()).toEqual(
      alarms()
        .map(([id]) => `\${${id}.Arn}`)
        .sort(),
    );
  });

  test('executions started / succeeded / failed / timed out / aborted of the lifecycle state machine', () => {
    const sm = `StateMachineArn|\${${stateMachineId()}}`;
    expect(metricsOf('Lifecycle executions')).toEqual(
      ['Started', 'Succeeded', 'Failed', 'TimedOut', 'Aborted'].map((s) => `AWS/States|Executions${s}|${sm}`),
    );
  });

  test('companies entering each phase: the Powertools metric, one line per phase (Phase + service dimensions)', () => {
    expect(metricsOf('Companies entering each phase (per hour)')).toEqual(
      PHASES.map(
        (phase) =>
          `${METRICS_NAMESPACE}|${METRIC_NAMES.companiesEnteringPhase}|${PHASE_DIMENSION}|${phase}|service|${METRICS_SERVICE}`,
      ),
    );
  });

  test('reminders sent, certificates issued, cancellations, lapses; the LifecycleFailed count', () => {
    expect(metricsOf('Lifecycle events (per hour)')).toEqual(
      [
        METRIC_NAMES.remindersSent,
        METRIC_NAMES.certificatesIssued,
        METRIC_NAMES.cancellations,
        METRIC_NAMES.lapses,
      ].map((name) => `${METRICS_NAMESPACE}|${name}|service|${METRICS_SERVICE}`),
    );
    expect(metricsOf(`Failures: ${STATES.failed} entered`)).toEqual([
      `${METRICS_NAMESPACE}|${LIFECYCLE_FAILED_METRIC}`,
      `AWS/States|ExecutionsFailed|StateMachineArn|\${${stateMachineId()}}`,
    ]);
  });

  test.each([
    ['Lambda errors', 'Errors', 'Sum'],
    ['Lambda throttles', 'Throttles', 'Sum'],
    ['Lambda duration p99', 'Duration', 'p99'],
  ])('%s: one line per function of the stack', (title, metricName, stat) => {
    expect(metricsOf(title).sort()).toEqual(
      functionIds()
        .map((id) => `AWS/Lambda|${metricName}|FunctionName|${fnRef(id)}`)
        .sort(),
    );
    expect(new Set(statsOf(title))).toEqual(new Set([stat]));
  });

  test('API 4xx / 5xx and latency p99 of the REST API', () => {
    const api = `ApiName|${restApiName()}`;
    expect(metricsOf('API 4xx / 5xx')).toEqual([
      `AWS/ApiGateway|4XXError|${api}`,
      `AWS/ApiGateway|5XXError|${api}`,
    ]);
    expect(metricsOf('API latency p99')).toEqual([`AWS/ApiGateway|Latency|${api}`]);
    expect(statsOf('API latency p99')).toEqual(['p99']);
  });

  test('DynamoDB throttled requests: the alarm expression over the table', () => {
    const metrics = widget('DynamoDB throttled requests').properties.metrics ?? [];
    expect(metrics[0]?.[0]).toMatchObject({
      expression: expect.stringMatching(/^FILL\(\w+, 0\)( \+ FILL\(\w+, 0\))+$/),
    });
    expect(metricsOf('DynamoDB throttled requests').filter(Boolean)).toEqual(
      ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query'].map(
        (op) => `AWS/DynamoDB|ThrottledRequests|Operation|${op}|TableName|\${${tableId()}}`,
      ),
    );
  });

  test('SES sends / bounces / complaints, and the reputation rates against the review thresholds', () => {
    expect(metricsOf('SES sends / bounces / complaints')).toEqual([
      'AWS/SES|Send',
      'AWS/SES|Bounce',
      'AWS/SES|Complaint',
    ]);
    const configSet = `ses:configuration-set|\${${logicalId(synth.stack.notifications.configurationSet)}}`;
    expect(metricsOf('SES reputation: bounce / complaint rate')).toEqual([
      'AWS/SES|Reputation.BounceRate',
      'AWS/SES|Reputation.ComplaintRate',
      `AWS/SES|Reputation.BounceRate|${configSet}`,
      `AWS/SES|Reputation.ComplaintRate|${configSet}`,
    ]);
    expect(
      widget('SES reputation: bounce / complaint rate').properties.annotations?.horizontal?.map(
        (a) => a.value,
      ),
    ).toEqual([0.05, 0.04, 0.001, 0.0008]);
  });
});

describe('SES feedback: configuration set → EventBridge → the feedback function', () => {
  const feedbackId = () => logicalId(synth.stack.notifications.feedbackFunction);

  test('the configuration set publishes bounces and complaints to the default event bus', () => {
    const [, destination] = only('AWS::SES::ConfigurationSetEventDestination');
    expect(destination.Properties.ConfigurationSetName).toEqual({
      Ref: logicalId(synth.stack.notifications.configurationSet),
    });
    const eventDestination = destination.Properties.EventDestination as {
      Enabled: boolean;
      MatchingEventTypes: string[];
      EventBridgeDestination: { EventBusArn: unknown };
    };
    expect(eventDestination.Enabled).toBe(true);
    expect(eventDestination.MatchingEventTypes.sort()).toEqual(['bounce', 'complaint']);
    expect(render(eventDestination.EventBridgeDestination.EventBusArn)).toBe(
      'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default',
    );
  });

  test("a rule on the default bus forwards this configuration set's SES bounce and complaint events to the function", () => {
    synth.template.resourceCountIs('AWS::Events::Rule', 1);
    synth.template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'default',
      State: 'ENABLED',
      EventPattern: {
        source: ['aws.ses'],
        'detail-type': ['Email Bounced', 'Email Complaint Received'],
        detail: {
          mail: {
            tags: {
              'ses:configuration-set': [{ Ref: logicalId(synth.stack.notifications.configurationSet) }],
            },
          },
        },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [feedbackId(), 'Arn'] },
          RetryPolicy: Match.objectLike({ MaximumRetryAttempts: Match.anyValue() }),
        }),
      ],
    });
    synth.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [feedbackId(), 'Arn'] },
      Principal: 'events.amazonaws.com',
    });
  });

  test('the function runs functions/tasks/ses-feedback.ts, reads and updates company items only', () => {
    const fn = resources[feedbackId()] as Resource;
    expect(fn.Metadata?.['secor:handler']).toBe('functions/tasks/ses-feedback.ts');
    expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      TABLE_NAME: { Ref: tableId() },
    });
    const roleId = referencedId(fn.Properties.Role) as string;
    const statements = roleStatements(resources, roleId);
    expect([...new Set(statements.flatMap(actionsOf).map(serviceOf))].sort()).toEqual([
      'dynamodb',
      'logs',
      'xray',
    ]);
    const dynamo = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.flatMap(actionsOf).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    for (const s of dynamo) expect(resourcesOf(s)).toEqual([{ 'Fn::GetAtt': [tableId(), 'Arn'] }]);
  });
});
