import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { NodeFunction } from './node-function';
import { tableItemAccess } from './table-access';

export interface OutboxProps {
  /** The table, with its stream (NEW_IMAGE). */
  table: dynamodb.ITableV2;
  /** The key task tokens are sealed with: the functions that complete a step open them. */
  taskTokenKey: kms.IKey;
  stateMachineArn: string;
}

/** How often the reconciler's sweeps run (the local runtime runs them on its virtual clock). */
export const RECONCILE_SCHEDULES = {
  signals: Duration.minutes(5),
  executions: Duration.days(1),
} as const;

/** Stream records retried this many times (with backoff) before they go to the dead-letter queue. */
export const SIGNAL_RETRY_ATTEMPTS = 10;

/**
 * The outbox: what the API committed is told to the workflow after the commit. The table's stream (filtered to
 * company items carrying a pending `signal`) feeds the signalling function; records it cannot deliver are retried,
 * then sent to a dead-letter queue (alarmed, see Monitoring). The reconciler, on EventBridge Scheduler, delivers
 * signals left pending and restarts active companies' missing executions (metric ReconcilerRepairs, alarmed).
 */
export class Outbox extends Construct {
  readonly signalFunction: NodeFunction;
  readonly reconcileFunction: NodeFunction;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: OutboxProps) {
    super(scope, id);
    const executionArns = `${props.stateMachineArn.replace(':stateMachine:', ':execution:')}:*`;
    const environment = {
      TABLE_NAME: props.table.tableName,
      STATE_MACHINE_ARN: props.stateMachineArn,
      TASK_TOKEN_KEY_ID: props.taskTokenKey.keyId,
      POWERTOOLS_METRICS_NAMESPACE: 'SecorLifecycle',
    };
    // The company items only: an outbox signal lives on a company's PROFILE item.
    const itemAccess = tableItemAccess(props.table, ['GetItem', 'UpdateItem'], ['company']);
    const signalling = ['states:StartExecution', 'states:SendTaskSuccess'];

    this.signalFunction = new NodeFunction(this, 'SignalFunction', {
      entry: 'functions/tasks/signal.ts',
      description: 'Outbox: tell the workflow what the API committed (table stream)',
      environment,
    });
    this.signalFunction.addToRolePolicy(itemAccess);
    props.taskTokenKey.grantDecrypt(this.signalFunction);
    this.signalFunction.addToRolePolicy(
      new iam.PolicyStatement({ actions: signalling, resources: [props.stateMachineArn] }),
    );

    this.deadLetterQueue = new sqs.Queue(this, 'SignalDeadLetters', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason:
        'This queue is the on-failure destination of the stream event source mapping (a DLQ itself); nothing consumes it but operators.',
    });
    this.signalFunction.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 10,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: SIGNAL_RETRY_ATTEMPTS,
        maxRecordAge: Duration.hours(1),
        onFailure: new SqsDlq(this.deadLetterQueue),
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.or('INSERT', 'MODIFY'),
            dynamodb: {
              NewImage: { SK: { S: ['PROFILE'] }, signal: { M: { id: { S: lambda.FilterRule.exists() } } } },
            },
          }),
        ],
      }),
    );

    this.reconcileFunction = new NodeFunction(this, 'ReconcileFunction', {
      entry: 'functions/tasks/reconcile.ts',
      description: 'Outbox: deliver signals left pending, restart missing executions (scheduled)',
      environment,
      timeout: Duration.minutes(15),
    });
    this.reconcileFunction.addToRolePolicy(itemAccess);
    props.taskTokenKey.grantDecrypt(this.reconcileFunction);
    this.reconcileFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${props.table.tableArn}/index/byPendingSignal`, `${props.table.tableArn}/index/byPhase`],
      }),
    );
    this.reconcileFunction.addToRolePolicy(
      new iam.PolicyStatement({ actions: signalling, resources: [props.stateMachineArn] }),
    );
    this.reconcileFunction.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executionArns] }),
    );
    Validations.of(this.reconcileFunction.role as iam.IRole).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${Stack.of(this).stackName}-CertificationLifecycle:*]`,
      reason:
        'DescribeExecution on the executions of the lifecycle state machine only (names are per company).',
    });
    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
      description: 'EventBridge Scheduler: invoke the reconciler',
    });
    for (const [sweep, every] of Object.entries(RECONCILE_SCHEDULES)) {
      new scheduler.Schedule(this, `Reconcile${sweep.charAt(0).toUpperCase()}${sweep.slice(1)}`, {
        description: `Reconciler: the ${sweep} sweep`,
        schedule: scheduler.ScheduleExpression.rate(every),
        target: new targets.LambdaInvoke(this.reconcileFunction, {
          input: scheduler.ScheduleTargetInput.fromObject({ sweep }),
          retryAttempts: 2,
          role: schedulerRole,
        }),
      });
    }
    Validations.of(schedulerRole).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.reconcileFunction.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      reason: 'lambda:InvokeFunction on the reconciler and its versions (the CDK scheduler target grant).',
    });
  }
}
