import * as ses from 'aws-cdk-lib/aws-ses';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Arn, Fn, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';

export interface NotificationsProps {
  /** The verified sender address (a stack parameter). */
  senderAddress: string;
  /** Where escalations and failures go (a stack parameter). */
  opsEmail: string;
}

/**
 * Email: the sender identity and an SES configuration set (for sending metrics and bounce/complaint events).
 * The email content for every step is rendered by our own code (functions/notifications/templates.ts), the
 * same in AWS and against the local SES outbox.
 */
export class Notifications extends Construct {
  readonly configurationSet: ses.ConfigurationSet;
  readonly identity: ses.EmailIdentity;
  readonly senderAddress: string;
  readonly opsEmail: string;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    this.senderAddress = props.senderAddress;
    this.opsEmail = props.opsEmail;
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      reputationMetrics: true,
      sendingEnabled: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.identity = new ses.EmailIdentity(this, 'Sender', {
      identity: ses.Identity.email(props.senderAddress),
      configurationSet: this.configurationSet,
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
