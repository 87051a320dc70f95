import { Aws } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { createAlarms } from './alarms';
import { createDashboard } from './dashboard';
import type { MonitoringProps } from './props';

export type { MonitoringProps } from './props';
export { LIFECYCLE_FAILED_METRIC, SES_BOUNCE_RATE_ALARM, SES_COMPLAINT_RATE_ALARM } from './alarms';

/**
 * Operations monitoring: an SNS topic emailing the operations address, an alarm on every failure signal (each
 * with that topic as its action; see ./alarms.ts), and one CloudWatch dashboard (./dashboard.ts).
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[];
  /** The custom metric counting entries into the LifecycleFailed state. */
  readonly lifecycleFailedMetric: cloudwatch.Metric;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);

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

    const signals = createAlarms(this, props, new actions.SnsAction(this.topic));
    this.alarms = signals.alarms;
    this.lifecycleFailedMetric = signals.lifecycleFailed;
    this.dashboard = createDashboard(this, props, signals);
  }
}
