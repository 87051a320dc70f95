import { CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import {
  HttpIamAuthorizer,
  HttpLambdaAuthorizer,
  HttpLambdaResponseType,
} from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { AUTHORIZER_MODULE, ROUTES } from '../../functions/api/route-table';
import { NodeFunction } from './node-function';
import { tableItemAccess } from './table-access';
import type { Notifications } from './notifications';

export interface ApiProps {
  table: dynamodb.ITableV2;
  notifications: Notifications;
  stateMachineArn: string;
  /** Steady-state requests per second across the API, and the burst above it. */
  throttle?: { rate: number; burst: number };
}

/**
 * The HTTP API of API.md: every route of functions/api/route-table.ts, the Lambda authorizer (API keys) on
 * company/assessor routes, IAM (SigV4) on /ops/*, throttling, access logs, the URL as a stack output.
 */
/** The API functions that render emails (and so their links). */
export const EMAILING_API_FUNCTIONS = ['functions/api/ops.ts', 'functions/api/access.ts'];

export class Api extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly functions: Record<string, NodeFunction> = {};
  readonly url: string;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const executionArns = `${props.stateMachineArn.replace(':stateMachine:', ':execution:')}:*`;
    const environment = {
      TABLE_NAME: props.table.tableName,
      STATE_MACHINE_ARN: props.stateMachineArn,
      SENDER_ADDRESS: props.notifications.senderAddress,
      OPS_EMAIL: props.notifications.opsEmail,
      SES_CONFIGURATION_SET: props.notifications.configurationSet.configurationSetName,
      POWERTOOLS_METRICS_NAMESPACE: 'SecorLifecycle',
    };
    const item = tableItemAccess.bind(null, props.table);
    const index = (name: string) =>
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${props.table.tableArn}/index/${name}`],
      });
    const states = (actions: string[], resource: string) =>
      new iam.PolicyStatement({ actions: actions.map((a) => `states:${a}`), resources: [resource] });

    // One function per resource; each gets only what its routes need.
    const grants: Record<string, { description: string; statements: iam.PolicyStatement[]; ses?: boolean }> =
      {
        'functions/api/companies.ts': {
          description:
            'API: company routes (sign-up, status, trainee, training, program, audits, withdrawal)',
          // No Step Functions: what a write owes the workflow goes out through the outbox (the table stream).
          statements: [
            item(
              ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'],
              ['company', 'legalName', 'apiKey', 'idempotency', 'certificateSequence', 'email'],
            ),
          ],
        },
        'functions/api/certificates.ts': {
          description: 'API: public certificate verification',
          statements: [item(['GetItem'], ['company']), index('byCertificate')],
        },
        'functions/api/ops.ts': {
          description: 'API: operations routes',
          statements: [
            item(
              ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'],
              ['company', 'apiKey', 'keyHolder', 'idempotency'],
            ),
            // Listing assessors and reviewers, and a company's executions: a Query of their partition.
            new iam.PolicyStatement({
              actions: ['dynamodb:Query'],
              resources: [props.table.tableArn],
              conditions: {
                'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['KEYHOLDER#*', 'COMPANY#*'] },
              },
            }),
            index('byPhase'),
            states(['DescribeExecution', 'GetExecutionHistory'], executionArns),
          ],
          ses: true,
        },
        'functions/api/openapi.ts': { description: 'API: the OpenAPI document', statements: [] },
        'functions/api/access.ts': {
          description: 'API: sign-in by email and sessions',
          statements: [
            item(['GetItem'], ['company']),
            item(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'], ['signIn', 'signInLimit', 'session']),
            // The companies an address is the contact or trainee of: a Query of its EMAIL# partition.
            new iam.PolicyStatement({
              actions: ['dynamodb:Query'],
              resources: [props.table.tableArn],
              conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['EMAIL#*'] } },
            }),
          ],
          ses: true,
        },
        [AUTHORIZER_MODULE]: {
          description: 'API: key authorizer',
          // The key item, and the company's current key hash on its item.
          statements: [item(['GetItem'], ['apiKey', 'company', 'session'])],
        },
      };
    for (const [entry, grant] of Object.entries(grants)) {
      const name = entry.replace(/^.*\//, '').replace(/\.ts$/, '');
      const fnId = `${name.charAt(0).toUpperCase()}${name.slice(1)}Function`;
      const fn = new NodeFunction(this, fnId, {
        entry,
        description: grant.description,
        environment: entry === 'functions/api/openapi.ts' ? {} : environment,
        memorySize: 512,
        timeout: Duration.seconds(10),
      });
      for (const s of grant.statements) fn.addToRolePolicy(s);
      if (grant.ses) props.notifications.grantSend(fn);
      this.functions[entry] = fn;
      if (grant.statements.some((st) => st.resources.includes(executionArns))) {
        Validations.of(fn.role as iam.IRole).acknowledge({
          // cdk-nag names the resource with CloudFormation pseudo parameters in angle brackets.
          id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${stack.stackName}-CertificationLifecycle:*]`,
          reason:
            'DescribeExecution and GetExecutionHistory on the executions of the lifecycle state machine only (names are per company).',
        });
      }
    }

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      apiName: `${stack.stackName}-api`,
      description: 'SECOR Lifecycle HTTP API',
      createDefaultStage: false,
    });
    const stage = new apigw.HttpStage(this, 'Stage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttle?.rate ?? 50, burstLimit: props.throttle?.burst ?? 100 },
    });
    const cfnStage = stage.node.defaultChild as apigw.CfnStage;
    cfnStage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      // No headers, no bodies: keys and personal data never reach the access log.
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        time: '$context.requestTime',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latency: '$context.responseLatency',
        integrationError: '$context.integrationErrorMessage',
        authorizerError: '$context.authorizer.error',
      }),
    };

    const authorizer = new HttpLambdaAuthorizer(
      'KeyAuthorizer',
      this.functions[AUTHORIZER_MODULE] as NodeFunction,
      {
        responseTypes: [HttpLambdaResponseType.SIMPLE],
        // No identity source, no cache: API Gateway calls the authorizer on every request, also one without an
        // Authorization header (with one as identity source, API Gateway would answer that itself, with its own
        // body, not the contract's 401), and a revoked key is refused at once (no cached "allow" for minutes).
        identitySource: [],
        resultsCacheTtl: Duration.seconds(0),
      },
    );
    const iamAuthorizer = new HttpIamAuthorizer();
    const integrations = new Map<string, HttpLambdaIntegration>();
    for (const route of ROUTES) {
      const [method, path] = route.routeKey.split(' ') as [string, string];
      let integration = integrations.get(route.module);
      if (!integration) {
        integration = new HttpLambdaIntegration(
          `${route.module.replace(/\W/g, '')}Integration`,
          this.functions[route.module] as NodeFunction,
        );
        integrations.set(route.module, integration);
      }
      this.httpApi.addRoutes({
        path,
        methods: [method as apigw.HttpMethod],
        integration,
        ...(route.auth === 'key'
          ? { authorizer }
          : route.auth === 'iam'
            ? { authorizer: iamAuthorizer }
            : {}),
      });
    }
    for (const route of ROUTES.filter((r) => r.auth === 'none')) {
      const [method, path] = route.routeKey.split(' ') as [string, string];
      const construct = this.httpApi.node.tryFindChild(
        `${method}--${path.replace(/^\//, '').replace(/\//g, '--')}`,
      );
      if (!construct) throw new Error(`route construct for ${route.routeKey} not found`);
      Validations.of(construct).acknowledge({
        id: 'AwsSolutions::AwsSolutions-APIG4',
        reason: `${route.routeKey} is public by the API contract; throttled at the stage.`,
      });
    }
    this.url = stage.url;
    // Email links point at this API (the resend of a reminder renders one): every function that may send
    // an email gets the URL, so none falls back to a placeholder. No cycle: the Api resource does not depend
    // on the functions (its routes and integrations do).
    for (const entry of EMAILING_API_FUNCTIONS)
      this.functions[entry]?.addEnvironment('PUBLIC_API_URL', this.url.replace(/\/$/, ''));
    new CfnOutput(stack, 'ApiUrl', { value: this.url, description: 'Base URL of the SECOR HTTP API' });
  }
}
