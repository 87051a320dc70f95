import { CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  edgeBody,
  GATEWAY_RESPONSES,
  NO_METHOD,
  NO_ROUTE,
  STAGE_NAME,
  type EdgeAnswer,
} from '../../functions/api/edge';
import { AUTHORIZER_MODULE, ROUTES } from '../../functions/api/route-table';
import { Firewall } from './firewall';
import { NodeFunction } from './node-function';
import { STATUS_PAGE_CSP, STATUS_PAGE_HTML, STATUS_PAGE_JS } from '../../portal/status-page';
import { tableItemAccess } from './table-access';
import type { Notifications } from './notifications';

export interface ApiProps {
  table: dynamodb.ITableV2;
  notifications: Notifications;
  stateMachineArn: string;
  /** Steady-state requests per second across the API, and the burst above it. */
  throttle?: { rate: number; burst: number };
}

/** The API functions that render emails (and so their links). */
export const EMAILING_API_FUNCTIONS = ['functions/api/ops.ts', 'functions/api/access.ts'];

export { STAGE_NAME };

/** Sign-ups a day that may name one contact email (the companies function's SIGN_UPS_PER_ADDRESS_PER_DAY). */
export const SIGN_UPS_PER_ADDRESS_PER_DAY = 5;

/**
 * The API of API.md as an API Gateway REST API: every route of functions/api/route-table.ts (Lambda proxy
 * integrations), the Lambda authorizer (API keys, session keys) on the key routes, IAM (SigV4) on /ops/*,
 * the gateway responses and the answers to unrouted requests from functions/api/edge.ts (so every 4xx/5xx
 * API Gateway answers itself is the contract's error body), the firewall (AWS WAF), stage throttling, access
 * logs, the URL as a stack output.
 *
 * A REST API rather than an HTTP API: an HTTP API answers throttling, IAM refusals and unknown routes with its
 * own bodies (`{"message":"Forbidden"}`), which cannot be changed, and AWS WAF cannot be attached to it.
 */
export class Api extends Construct {
  readonly restApi: apigw.RestApi;
  readonly firewall: Firewall;
  readonly functions: Record<string, NodeFunction> = {};
  readonly url: string;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const executionArns = `${props.stateMachineArn.replace(':stateMachine:', ':execution:')}:*`;
    const environment = {
      TABLE_NAME: props.table.tableName,
      STATE_MACHINE_ARN: props.stateMachineArn,
      ...props.notifications.mailEnvironment,
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
            // The per-address allowance of sign-up emails.
            item(['GetItem', 'UpdateItem'], ['signUpLimit']),
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
            // A resent reminder carries a sign-in link, like every lifecycle email.
            item(['PutItem'], ['signIn']),
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
        environment:
          entry === 'functions/api/openapi.ts'
            ? {}
            : entry === 'functions/api/companies.ts'
              ? { ...environment, SIGN_UPS_PER_ADDRESS_PER_DAY: String(SIGN_UPS_PER_ADDRESS_PER_DAY) }
              : environment,
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
    this.restApi = new apigw.RestApi(this, 'RestApi', {
      restApiName: `${stack.stackName}-api`,
      description: 'SECOR Lifecycle API',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // API Gateway's account-level role for execution logs (ERROR level below).
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: STAGE_NAME,
        throttlingRateLimit: props.throttle?.rate ?? 50,
        throttlingBurstLimit: props.throttle?.burst ?? 100,
        tracingEnabled: true,
        metricsEnabled: true,
        // Errors only, and never request or response data: bodies hold keys and personal emails.
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        // No headers, no bodies: keys and personal data never reach the access log.
        accessLogFormat: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            time: '$context.requestTime',
            method: '$context.httpMethod',
            resource: '$context.resourcePath',
            status: '$context.status',
            latency: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            waf: '$context.wafResponseCode',
          }),
        ),
      },
    });

    // What API Gateway answers itself is the contract's error body too.
    for (const [type, answer] of Object.entries(GATEWAY_RESPONSES) as [string, EdgeAnswer][]) {
      this.restApi.addGatewayResponse(`Gateway${type}`, {
        type: apigw.ResponseType.of(type),
        statusCode: String(answer.status),
        templates: { 'application/json': edgeBody(answer) },
        ...(answer.code === 'THROTTLED' ? { responseHeaders: { 'Retry-After': "'1'" } } : {}),
      });
    }

    const authorizer = new apigw.RequestAuthorizer(this, 'KeyAuthorizer', {
      handler: this.functions[AUTHORIZER_MODULE] as NodeFunction,
      // No identity source, no cache: API Gateway calls the authorizer on every request, also one without an
      // Authorization header (with one as identity source, API Gateway would answer that itself), and a revoked
      // key is refused at once (no cached "allow" for minutes).
      identitySources: [],
      resultsCacheTtl: Duration.seconds(0),
    });
    const integrations = new Map<string, apigw.LambdaIntegration>();
    const resources = new Map<string, apigw.IResource>([['/', this.restApi.root]]);
    const resourceFor = (path: string): apigw.IResource => {
      let resource = resources.get(path);
      if (!resource) {
        const cut = path.lastIndexOf('/');
        resource = resourceFor(path.slice(0, cut) || '/').addResource(path.slice(cut + 1));
        resources.set(path, resource);
      }
      return resource;
    };
    const routed = new Set<string>();
    for (const route of ROUTES) {
      const [method, path] = route.routeKey.split(' ') as [string, string];
      let integration = integrations.get(route.module);
      if (!integration) {
        integration = new apigw.LambdaIntegration(this.functions[route.module] as NodeFunction, {
          allowTestInvoke: false,
        });
        integrations.set(route.module, integration);
      }
      const m = resourceFor(path).addMethod(method, integration, {
        ...(route.auth === 'key'
          ? { authorizationType: apigw.AuthorizationType.CUSTOM, authorizer }
          : route.auth === 'iam'
            ? { authorizationType: apigw.AuthorizationType.IAM }
            : { authorizationType: apigw.AuthorizationType.NONE }),
      });
      routed.add(path);
      if (route.auth === 'none') {
        Validations.of(m).acknowledge(
          {
            id: 'AwsSolutions::AwsSolutions-APIG4',
            reason: `${route.routeKey} is public by the API contract; throttled at the stage and by the firewall.`,
          },
          {
            id: 'AwsSolutions::AwsSolutions-COG4',
            reason: `${route.routeKey} is public by the API contract (keys and sessions are ours, not Cognito's).`,
          },
        );
      }
      if (route.auth === 'key') {
        Validations.of(m).acknowledge({
          id: 'AwsSolutions::AwsSolutions-COG4',
          reason:
            'Authorized by the key authorizer (API keys and session keys; the contract has no Cognito).',
        });
      }
      if (route.auth === 'iam') {
        Validations.of(m).acknowledge({
          id: 'AwsSolutions::AwsSolutions-COG4',
          reason: 'Operations routes are IAM-authorized (SigV4), as the contract says.',
        });
      }
    }
    // The page email links open (until the portal exists): the same files the local gateway serves.
    this.staticPage(this.restApi.root, STATUS_PAGE_HTML, 'text/html; charset=utf-8', STATUS_PAGE_CSP);
    this.staticPage(resourceFor('/status.js'), STATUS_PAGE_JS, 'text/javascript; charset=utf-8');
    routed.add('/');
    routed.add('/status.js');
    // Unrouted requests: a path no route serves is 404, a route's path with another method 405, both with the
    // contract's body and no Lambda behind them (API Gateway would answer 403 "Missing Authentication Token").
    this.unrouted(this.restApi.root.addResource('{proxy+}'), NO_ROUTE);
    for (const [path, resource] of resources)
      this.unrouted(resource, routed.has(path) ? NO_METHOD : NO_ROUTE);

    this.firewall = new Firewall(this, 'Firewall', { stage: this.restApi.deploymentStage });
    Validations.of(this.restApi).acknowledge({
      id: 'AwsSolutions::AwsSolutions-APIG2',
      reason:
        'Every body is validated by the route handler against the contract schema (precompiled ajv), which answers the contract error body with every failing field; API Gateway request validators would answer their own.',
    });
    Validations.of(this.restApi).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason: "API Gateway's account-level logging role: the AWS-managed policy is the documented one.",
    });

    // From the API's id, not the stage: the stage depends on the methods, which depend on the functions.
    this.url = `https://${this.restApi.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${STAGE_NAME}/`;
    // Email links point at this API (the resend of a reminder renders one): every function that may send
    // an email gets the URL, so none falls back to a placeholder. No cycle: the RestApi resource does not
    // depend on the functions (its methods and integrations do).
    for (const entry of EMAILING_API_FUNCTIONS)
      this.functions[entry]?.addEnvironment('PUBLIC_API_URL', this.url.replace(/\/$/, ''));
    new CfnOutput(stack, 'ApiUrl', { value: this.url, description: 'Base URL of the SECOR API' });
  }

  /**
   * GET on `resource` answers a static file from a mock integration. The response template is Velocity: the
   * file must hold no `#` or `$` (checked), and the headers are set through `$context.responseOverride`.
   */
  private staticPage(resource: apigw.IResource, body: string, contentType: string, csp?: string): void {
    if (/[#$]/.test(body)) throw new Error('a static page for a mock integration must contain no # or $');
    const headers = [
      `#set($context.responseOverride.header.Content-Type = "${contentType}")`,
      ...(csp
        ? [
            `#set($context.responseOverride.header.Content-Security-Policy = "${csp}")`,
            '#set($context.responseOverride.header.Referrer-Policy = "no-referrer")',
          ]
        : []),
    ].join('\n');
    const template = `${headers}\n${body}`;
    const m = resource.addMethod(
      'GET',
      new apigw.MockIntegration({
        requestTemplates: { 'application/json': '{"statusCode": 200}' },
        passthroughBehavior: apigw.PassthroughBehavior.WHEN_NO_MATCH,
        integrationResponses: [
          { statusCode: '200', responseTemplates: { 'application/json': template, 'text/html': template } },
        ],
      }),
      { authorizationType: apigw.AuthorizationType.NONE, methodResponses: [{ statusCode: '200' }] },
    );
    Validations.of(m).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-APIG4',
        reason: 'A public static page: the sign-in page of email links.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-COG4',
        reason: 'A public static page: the sign-in page of email links.',
      },
    );
  }

  /** ANY on `resource` (the methods it does not have) answers `answer` from a mock integration. */
  private unrouted(resource: apigw.IResource, answer: EdgeAnswer): void {
    const status = String(answer.status);
    const m = resource.addMethod(
      'ANY',
      new apigw.MockIntegration({
        requestTemplates: { 'application/json': `{"statusCode": ${answer.status}}` },
        passthroughBehavior: apigw.PassthroughBehavior.WHEN_NO_MATCH,
        integrationResponses: [
          { statusCode: status, responseTemplates: { 'application/json': edgeBody(answer) } },
        ],
      }),
      { authorizationType: apigw.AuthorizationType.NONE, methodResponses: [{ statusCode: status }] },
    );
    Validations.of(m).acknowledge(
      { id: 'AwsSolutions::AwsSolutions-APIG4', reason: `Answers ${status} to requests no route serves.` },
      { id: 'AwsSolutions::AwsSolutions-COG4', reason: `Answers ${status} to requests no route serves.` },
    );
  }
}
