import { Aws, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { buildLifecycleDefinition } from '../../workflows/lifecycle';
import { NodeFunction } from './node-function';
import { tableItemAccess } from './table-access';
import type { Notifications } from './notifications';

export interface LifecycleProps {
  table: dynamodb.ITableV2;
  /** The key the await task seals task tokens with. */
  taskTokenKey: kms.IKey;
  notifications: Notifications;
  /** Base URL of the HTTP API, for links in emails. */
  publicApiUrl: string;
}

/** The state machine's fixed name and ARN (known before it exists, so the API can be built first). */
export function lifecycleStateMachine(scope: Construct): { name: string; arn: string } {
  const name = `${Stack.of(scope).stackName}-CertificationLifecycle`;
  return { name, arn: `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:stateMachine:${name}` };
}

/** The CertificationLifecycle state machine and its task functions. */
export class Lifecycle extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly stateMachineName: string;
  readonly stateMachineArn: string;
  readonly functions: { progress: NodeFunction; await: NodeFunction; transition: NodeFunction };
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: LifecycleProps) {
    super(scope, id);
    // A fixed name, so the definition and the functions can refer to the machine's ARN without a cycle.
    const { name, arn } = lifecycleStateMachine(this);
    this.stateMachineName = name;
    this.stateMachineArn = arn;
    const environment = {
      TABLE_NAME: props.table.tableName,
      ...props.notifications.mailEnvironment,
      PUBLIC_API_URL: props.publicApiUrl,
    };
    const progress = new NodeFunction(this, 'ProgressTask', {
      entry: 'functions/tasks/progress.ts',
      description: 'Lifecycle: send due emails, plan the next step',
      environment,
    });
    const awaitFn = new NodeFunction(this, 'AwaitTask', {
      entry: 'functions/tasks/await-step.ts',
      description: 'Lifecycle: store the callback token of a human step',
      environment: { ...environment, TASK_TOKEN_KEY_ID: props.taskTokenKey.keyId },
    });
    // It seals the token it stores; only the outbox's functions may open it.
    // (kms:Encrypt only: grantEncrypt would add ReEncrypt* and GenerateDataKey*, which it does not use.)
    awaitFn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['kms:Encrypt'], resources: [props.taskTokenKey.keyArn] }),
    );
    const transition = new NodeFunction(this, 'TransitionTask', {
      entry: 'functions/tasks/transition.ts',
      description: 'Lifecycle: escalate a missed deadline, record a failure',
      environment,
    });
    this.functions = { progress, await: awaitFn, transition };

    // Least privilege: item-level reads/writes on company items only (the notice claims are company items too);
    // the await task only reads the record and stores its token. SES send only where emails go out.
    for (const fn of [progress, transition]) {
      fn.addToRolePolicy(
        tableItemAccess(props.table, ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'], ['company']),
      );
      // Every lifecycle email carries a one-time sign-in link (its token is stored as a hash).
      fn.addToRolePolicy(tableItemAccess(props.table, ['PutItem'], ['signIn']));
    }
    awaitFn.addToRolePolicy(tableItemAccess(props.table, ['GetItem', 'UpdateItem'], ['company']));
    props.notifications.grantSend(progress);
    props.notifications.grantSend(transition);
    awaitFn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:SendTaskSuccess'], resources: [this.stateMachineArn] }),
    );

    this.logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: this.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      comment: 'SECOR certification lifecycle: one execution per company phase',
      definitionBody: sfn.DefinitionBody.fromChainable(
        buildLifecycleDefinition(this, {
          functions: { progress, await: awaitFn, transition },
          stateMachineArn: this.stateMachineArn,
        }),
      ),
      tracingEnabled: true,
      // Execution data (inputs, outputs, task tokens, emails) is never logged: events and errors only.
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    Validations.of(this.stateMachine).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason:
          'CloudWatch Logs delivery (logs:CreateLogDelivery…) and X-Ray tracing support no resource-level permissions.',
      },
      ...[progress, awaitFn, transition].map((fn) => ({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(fn.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
        reason:
          'lambda:InvokeFunction on the task function and its versions/aliases (CDK LambdaInvoke grant).',
      })),
    );
  }
}
