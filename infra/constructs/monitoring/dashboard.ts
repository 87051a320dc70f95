/**
 * The operations dashboard: the alarms' status, then lifecycle, Lambda, API, DynamoDB and SES graphs (the
 * signals the alarms watch, labelled, beside the custom lifecycle metrics).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { PHASES } from '../../../domain';
import {
  METRIC_NAMES,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  PHASE_DIMENSION,
} from '../../../functions/lib/metrics';
import { STATES } from '../../../workflows/lifecycle';
import {
  FIVE_MINUTES,
  HOURLY_MAX,
  SES_BOUNCE_RATE_ALARM,
  SES_COMPLAINT_RATE_ALARM,
  SUM_5_MIN,
  sesMetric,
  type Signals,
} from './alarms';
import type { MonitoringProps } from './props';

export function createDashboard(
  scope: Construct,
  props: MonitoringProps,
  signals: Signals,
): cloudwatch.Dashboard {
  const { executions, api4xx, api5xx, throttled, bounceRate, complaintRate } = signals;
  const functions = Object.entries(props.functions);
  const sum = SUM_5_MIN;

  // The configuration set's own rates (reputationMetrics on it): SES reviews the account-wide ones.
  const configurationSetRates = ['BounceRate', 'ComplaintRate'].map((rate) =>
    sesMetric(`Reputation.${rate}`, {
      ...HOURLY_MAX,
      dimensionsMap: { 'ses:configuration-set': props.configurationSetName },
      label: `${rate === 'BounceRate' ? 'bounce' : 'complaint'} rate (configuration set)`,
    }),
  );
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
  const perFunction = (title: string, metric: (fn: lambda.IFunction, label: string) => cloudwatch.IMetric) =>
    graph(
      title,
      functions.map(([label, fn]) => metric(fn, label)),
      { width: 8 },
    );

  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName: `${Stack.of(scope).stackName}-operations`,
    defaultInterval: Duration.days(7),
  });
  dashboard.addWidgets(
    new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: signals.alarms, width: 24, height: 4 }),
  );
  dashboard.addWidgets(
    graph(
      'Lifecycle executions',
      Object.entries(executions).map(([state, metric]) =>
        metric.with({ label: state === 'timedOut' ? 'timed out' : state }),
      ),
    ),
    // A flow: companies entering each phase per hour (see functions/lib/metrics.ts), not a gauge.
    graph(
      'Companies entering each phase (per hour)',
      PHASES.map((phase) => custom(METRIC_NAMES.companiesEnteringPhase, phase, { [PHASE_DIMENSION]: phase })),
      { stacked: true },
    ),
  );
  dashboard.addWidgets(
    graph('Lifecycle events (per hour)', [
      custom(METRIC_NAMES.remindersSent, 'reminders sent'),
      custom(METRIC_NAMES.certificatesIssued, 'certificates issued'),
      custom(METRIC_NAMES.cancellations, 'cancellations'),
      custom(METRIC_NAMES.lapses, 'lapses'),
    ]),
    graph(`Failures: ${STATES.failed} entered`, [
      signals.lifecycleFailed.with({ label: `${STATES.failed} entered` }),
      executions.failed.with({ label: 'executions failed' }),
    ]),
  );
  dashboard.addWidgets(
    perFunction('Lambda errors', (fn, label) => fn.metricErrors({ ...sum, label })),
    perFunction('Lambda throttles', (fn, label) => fn.metricThrottles({ ...sum, label })),
    perFunction('Lambda duration p99', (fn, label) =>
      fn.metricDuration({ statistic: cloudwatch.Stats.p(99), period: FIVE_MINUTES, label }),
    ),
  );
  dashboard.addWidgets(
    graph('API 4xx / 5xx', [api4xx.with({ label: '4xx' }), api5xx.with({ label: '5xx' })], { width: 8 }),
    graph(
      'API latency p99',
      [
        props.restApi.metricLatency({
          statistic: cloudwatch.Stats.p(99),
          period: FIVE_MINUTES,
          label: 'p99',
        }),
      ],
      { width: 8 },
    ),
    graph('DynamoDB throttled requests', [throttled], { width: 8 }),
  );
  dashboard.addWidgets(
    graph('SES sends / bounces / complaints', [
      sesMetric('Send', { statistic: cloudwatch.Stats.SUM, period: Duration.hours(1), label: 'sends' }),
      sesMetric('Bounce', { statistic: cloudwatch.Stats.SUM, period: Duration.hours(1), label: 'bounces' }),
      sesMetric('Complaint', {
        statistic: cloudwatch.Stats.SUM,
        period: Duration.hours(1),
        label: 'complaints',
      }),
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
  return dashboard;
}
