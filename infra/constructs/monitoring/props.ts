import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';

/** What the monitoring watches, and whom it tells. */
export interface MonitoringProps {
  /** The CertificationLifecycle state machine. */
  stateMachine: sfn.IStateMachine;
  /** Its execution log group (level ALL, no execution data): the LifecycleFailed metric filter reads it. */
  executionLogGroup: logs.ILogGroup;
  /** Every Lambda function of the stack, by the label the dashboard and the alarms show. */
  functions: Record<string, lambda.IFunction>;
  /** The API (REST API): its 4XXError, 5XXError and Latency metrics. */
  restApi: apigw.RestApi;
  /** The outbox's dead-letter queue: signals the stream's retries could not deliver. */
  signalDeadLetters: sqs.IQueue;
  table: dynamodb.ITableV2;
  /**
   * The SES configuration set the emails go through: the dashboard shows its own reputation rates beside the
   * account-level ones, which are what SES reviews and what the alarms watch.
   */
  configurationSetName: string;
  /** Where alarms are emailed (the OpsEmail stack parameter). */
  alarmEmail: string;
}
