/**
 * The one way this project builds a Lambda function (workflow tasks, API handlers, the SES feedback handler):
 * a Node.js function bundled with esbuild, with its own log group and role, and the handler module it runs
 * recorded in its metadata for the local runtime.
 */
import * as path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export const ROOT = path.resolve(__dirname, '..', '..');

/** Metadata key naming a function's handler module (the local runtime maps Lambda ARNs to code with it). */
export const HANDLER_METADATA = 'secor:handler';

export interface NodeFunctionProps {
  /** Path of the handler module, relative to the repository root (e.g. functions/tasks/progress.ts). */
  entry: string;
  description: string;
  environment: Record<string, string>;
  memorySize?: number;
  timeout?: Duration;
}

/** A Node.js Lambda function the way this project builds all of them: esbuild, minified, source maps, arm64. */
export class NodeFunction extends nodejs.NodejsFunction {
  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An own role: logs to its own log group only (no AWS managed policy).
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (function role)`,
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    super(scope, id, {
      role,
      entry: path.join(ROOT, props.entry),
      handler: 'handler',
      description: props.description,
      // The Node.js major the code is tested on and bundled for (target below), not the newest one.
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'secor-lifecycle',
        ...props.environment,
      },
      bundling: {
        minify: true,
        sourceMap: true,
        target: 'node22',
        format: nodejs.OutputFormat.CJS,
        // The AWS SDK v3 ships with the Lambda Node.js runtime: not bundled (small bundles, fast cold starts).
        externalModules: ['@aws-sdk/*'],
      },
    });
    (this.node.defaultChild as lambda.CfnFunction).addMetadata(HANDLER_METADATA, props.entry);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) support no resource-level permissions.',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions::AwsSolutions-L1',
      reason:
        'Node.js 22 on purpose: the major the code is tested on and bundled for; moving to a newer one is a ' +
        'deliberate upgrade, not a side effect of a CDK update.',
    });
  }
}
