import { CfnOutput, CfnParameter, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Data } from './constructs/data';
import { Api } from './constructs/api';
import { Lifecycle, lifecycleStateMachine } from './constructs/lifecycle';
import { Monitoring } from './constructs/monitoring';
import { Notifications } from './constructs/notifications';
import { Outbox } from './constructs/outbox';

export interface SecorStackProps extends StackProps {
  /** Keep the table on stack deletion (default true; tests pass false). */
  retainData?: boolean;
}

/** The whole backend: data, notifications, the HTTP API, the lifecycle, and their monitoring. */
export class SecorStack extends Stack {
  readonly data: Data;
  readonly notifications: Notifications;
  readonly lifecycle: Lifecycle;
  readonly api: Api;
  readonly outbox: Outbox;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: SecorStackProps = {}) {
    super(scope, id, props);
    const sender = new CfnParameter(this, 'SenderAddress', {
      type: 'String',
      description: 'Verified SES sender address for all SECOR emails',
      allowedPattern: '^[^@\\s]+@[^@\\s]+$',
      constraintDescription: 'an email address',
    });
    const ops = new CfnParameter(this, 'OpsEmail', {
      type: 'String',
      description: 'Operations email: escalations and workflow failures',
      allowedPattern: '^[^@\\s]+@[^@\\s]+$',
      constraintDescription: 'an email address',
    });
    const senderName = new CfnParameter(this, 'SenderName', {
      type: 'String',
      description: 'The display name of the sender of SECOR emails (what people see as "From")',
      default: 'SECOR Certification',
      allowedPattern: '^[^<>"@\\r\\n]{1,64}$',
      constraintDescription: '1–64 characters, no <, >, ", @ or line breaks',
    });
    const replyTo = new CfnParameter(this, 'ReplyToAddress', {
      type: 'String',
      description:
        'Where replies to SECOR emails go (operations or the certifying partner); empty: the operations email',
      default: '',
      allowedPattern: '^$|^[^@\\s]+@[^@\\s]+$',
      constraintDescription: 'empty, or an email address',
    });
    this.data = new Data(this, 'Data', { retain: props.retainData ?? true });
    this.notifications = new Notifications(this, 'Notifications', {
      senderAddress: sender.valueAsString,
      senderName: senderName.valueAsString,
      replyToAddress: replyTo.valueAsString,
      opsEmail: ops.valueAsString,
      table: this.data.table,
    });
    this.api = new Api(this, 'Api', {
      table: this.data.table,
      notifications: this.notifications,
      stateMachineArn: lifecycleStateMachine(this).arn,
    });
    this.outbox = new Outbox(this, 'Outbox', {
      table: this.data.table,
      taskTokenKey: this.data.taskTokenKey,
      stateMachineArn: lifecycleStateMachine(this).arn,
    });
    this.lifecycle = new Lifecycle(this, 'Lifecycle', {
      table: this.data.table,
      taskTokenKey: this.data.taskTokenKey,
      notifications: this.notifications,
      publicApiUrl: this.api.url.replace(/\/$/, ''),
    });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      stateMachine: this.lifecycle.stateMachine,
      executionLogGroup: this.lifecycle.logGroup,
      functions: {
        'task progress': this.lifecycle.functions.progress,
        'task await': this.lifecycle.functions.await,
        'task transition': this.lifecycle.functions.transition,
        'ses feedback': this.notifications.feedbackFunction,
        'outbox signal': this.outbox.signalFunction,
        'outbox reconcile': this.outbox.reconcileFunction,
        ...Object.fromEntries(
          Object.entries(this.api.functions).map(([entry, fn]) => [
            `api ${entry.replace(/^.*\//, '').replace(/\.ts$/, '')}`,
            fn,
          ]),
        ),
      },
      restApi: this.api.restApi,
      signalDeadLetters: this.outbox.deadLetterQueue,
      table: this.data.table,
      configurationSetName: this.notifications.configurationSet.configurationSetName,
      // Alarms go to the operations address that already receives escalations and workflow failures.
      alarmEmail: ops.valueAsString,
    });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
    new CfnOutput(this, 'StateMachineArn', { value: this.lifecycle.stateMachine.stateMachineArn });
  }
}
