import * as ses from 'aws-cdk-lib/aws-ses';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Arn, Duration, Fn, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { tableItemAccess } from './table-access';
import { NodeFunction } from './node-function';

export interface NotificationsProps {
  /** The verified sender address (a stack parameter). */
  senderAddress: string;
  /** Where escalations and failures go (a stack parameter). */
  opsEmail: string;
  /** The sender's display name (a stack parameter). */
  senderName: string;
  /** Where replies go; empty: the operations email (a stack parameter). */
  replyToAddress: string;
  /** The company table: bounces and complaints are recorded on the company the email was about. */
  table: dynamodb.ITableV2;
}

/**
 * Email: the sender identity and an SES configuration set (for sending metrics and bounce/complaint events).
 * The configuration set publishes BOUNCE and COMPLAINT events to the default EventBridge bus; a rule sends them
 * to the SES feedback function (functions/tasks/ses-feedback.ts), which flags the company.
 * The email content for every step is rendered by our own code (functions/notifications/templates.ts), the
 * same in AWS and against the local SES outbox.
 */
export class Notifications extends Construct {
  readonly configurationSet: ses.ConfigurationSet;
  readonly identity: ses.EmailIdentity;
  readonly senderAddress: string;
  readonly opsEmail: string;
  /** The environment of every function that sends email: sender, display name, reply-to, configuration set. */
  readonly mailEnvironment: Record<string, string>;
  /** Records SES bounces and complaints on the company (EventBridge → Lambda). */
  readonly feedbackFunction: NodeFunction;
  readonly feedbackRule: events.Rule;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    this.senderAddress = props.senderAddress;
    this.opsEmail = props.opsEmail;
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      reputationMetrics: true,
      sendingEnabled: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.mailEnvironment = {
      SENDER_ADDRESS: props.senderAddress,
      SENDER_NAME: props.senderName,
      REPLY_TO_ADDRESS: props.replyToAddress,
      OPS_EMAIL: props.opsEmail,
      SES_CONFIGURATION_SET: this.configurationSet.configurationSetName,
    };
    this.identity = new ses.EmailIdentity(this, 'Sender', {
      identity: ses.Identity.email(props.senderAddress),
      configurationSet: this.configurationSet,
    });

    // Bounces and complaints → the default bus (the only bus SES event destinations may use) → the handler.
    const defaultBus = events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    this.configurationSet.addEventDestination('FeedbackToEventBridge', {
      destination: ses.EventDestination.eventBus(defaultBus),
      events: [ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT],
    });
    this.feedbackFunction = new NodeFunction(this, 'SesFeedbackFunction', {
      entry: 'functions/tasks/ses-feedback.ts',
      description: 'SES feedback: record bounces and complaints on the company',
      environment: { TABLE_NAME: props.table.tableName },
      memorySize: 256,
      timeout: Duration.seconds(10),
    });
    // CompanyRepository.mutate: a consistent read, then a conditional update. Nothing else.
    this.feedbackFunction.addToRolePolicy(
      tableItemAccess(props.table, ['GetItem', 'UpdateItem'], ['company']),
    );
    this.feedbackRule = new events.Rule(this, 'FeedbackRule', {
      description: 'SES bounces and complaints of the SECOR configuration set → the SES feedback function',
      eventBus: defaultBus,
      eventPattern: {
        source: ['aws.ses'],
        detailType: ['Email Bounced', 'Email Complaint Received'],
        // Only this stack's emails: other configuration sets of the account publish to the same bus.
        detail: {
          mail: { tags: { 'ses:configuration-set': [this.configurationSet.configurationSetName] } },
        },
      },
      targets: [
        new targets.LambdaFunction(this.feedbackFunction, {
          retryAttempts: 8,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });
  }

  /** Lets a function send from the sender identity through the configuration set, and nothing else. */
  grantSend(grantee: iam.IGrantable): void {
    const stack = Stack.of(this);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [
          // The sender is verified either as an address or as its domain.
          stack.formatArn({ service: 'ses', resource: 'identity', resourceName: this.senderAddress }),
          stack.formatArn({
            service: 'ses',
            resource: 'identity',
            resourceName: Fn.select(1, Fn.split('@', this.senderAddress)),
          }),
          Arn.format(
            {
              service: 'ses',
              resource: 'configuration-set',
              resourceName: this.configurationSet.configurationSetName,
            },
            stack,
          ),
        ],
        conditions: { StringEquals: { 'ses:FromAddress': this.senderAddress } },
      }),
    );
  }
}
