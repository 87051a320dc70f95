/**
 * The synthesized SecorLifecycle stack (one synthesis for the whole file): the table and its indexes (one
 * source of truth with the local runtime), the task functions, least-privilege IAM per function, the state
 * machine resource, and cdk-nag's verdict on the app.
 *
 * How cdk-nag 3 reports: it is a CDK validation plugin (buildApp adds the AwsSolutions pack through
 * Validations.of(app).addPlugins). Synthesis writes the cloud assembly's validation-report.json
 * (pluginReports[].conclusion, violations, suppressedViolations) and, for an in-memory app (NODE_ENV=test),
 * throws `ValidationFailed` with the report when a plugin reports an unacknowledged error — so a nag error
 * fails every test of this file at synthesis, with the report as the message.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { VALIDATION_REPORT_FILE } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  edgeBody,
  GATEWAY_RESPONSES,
  MAX_BODY_BYTES,
  NO_METHOD,
  NO_ROUTE,
  RATE_RULES,
} from '../../functions/api/edge';
import { STATUS_PAGE_CSP, STATUS_PAGE_HTML, STATUS_PAGE_JS } from '../../portal/status-page';
import { ROUTES } from '../../functions/api/route-table';
import { EMAILING_API_FUNCTIONS, STAGE_NAME } from '../../infra/constructs/api';
import { HANDLER_METADATA, NodeFunction, ROOT } from '../../infra/constructs/node-function';
import { INDEXES, type IndexSchema, TABLE_KEYS, createTableInput } from '../../infra/table-schema';
import {
  type AcknowledgementRecord,
  type Resource,
  SYNTH_TIMEOUT_MS,
  acknowledgementsIn,
  type Statement,
  type SynthesizedStack,
  actionsOf,
  logicalId,
  managedPoliciesOf,
  referencedId,
  render,
  resourcesOf,
  roleStatements,
  serviceOf,
  synthesizeStack,
} from './support';

let synth: SynthesizedStack;
let resources: Record<string, Resource>;

beforeAll(() => {
  synth = synthesizeStack();
  resources = synth.resources;
}, SYNTH_TIMEOUT_MS);

function only(type: string): [string, Resource] {
  const found = Object.entries(resources).filter(([, r]) => r.Type === type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as [string, Resource];
}

const tableId = () => logicalId(synth.stack.data.table);
const tableProps = () => only('AWS::DynamoDB::GlobalTable')[1].Properties;

interface KeySchemaElement {
  AttributeName: string;
  KeyType: 'HASH' | 'RANGE';
}
interface Gsi {
  IndexName: string;
  KeySchema: KeySchemaElement[];
  Projection: { ProjectionType: string; NonKeyAttributes?: readonly string[] };
}
interface Replica {
  Region: unknown;
  DeletionProtectionEnabled?: boolean;
  PointInTimeRecoverySpecification?: { PointInTimeRecoveryEnabled: boolean };
  SSESpecification?: { KMSMasterKeyId?: unknown };
  GlobalSecondaryIndexes?: { IndexName: string }[];
}
interface AttributeDefinition {
  AttributeName: string;
  AttributeType: string;
}

const keySchema = (partitionKey: string, sortKey?: string): KeySchemaElement[] => [
  { AttributeName: partitionKey, KeyType: 'HASH' },
  ...(sortKey ? [{ AttributeName: sortKey, KeyType: 'RANGE' as const }] : []),
];

/** GSIs in a comparable form: ordered by name, projected attributes sorted. */
const normaliseGsis = (gsis: readonly Gsi[]) =>
  [...gsis]
    .map((g) => ({
      IndexName: g.IndexName,
      KeySchema: g.KeySchema,
      Projection: {
        ProjectionType: g.Projection.ProjectionType,
        NonKeyAttributes: [...(g.Projection.NonKeyAttributes ?? [])].sort(),
      },
    }))
    .sort((a, b) => a.IndexName.localeCompare(b.IndexName));

const sortAttributes = (defs: readonly AttributeDefinition[]) =>
  [...defs].sort((a, b) => a.AttributeName.localeCompare(b.AttributeName));

/** The static pages of the REST API (the page email links open, until the portal exists). */
const STATIC_PAGES = ['/', '/status.js'];

describe('DynamoDB table', () => {
  test('one table, keyed by TABLE_KEYS, on-demand, retained on stack deletion', () => {
    synth.template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    synth.template.resourceCountIs('AWS::DynamoDB::Table', 0);
    const [id, table] = only('AWS::DynamoDB::GlobalTable');
    expect(id).toBe(tableId());
    expect(table.Properties.KeySchema).toEqual(keySchema(TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey));
    expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.Properties.WriteProvisionedThroughputSettings).toBeUndefined();
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
  });

  test('point-in-time recovery and deletion protection on every replica', () => {
    const replicas = tableProps().Replicas as Replica[];
    expect(replicas.length).toBeGreaterThan(0);
    for (const replica of replicas) {
      expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(replica.DeletionProtectionEnabled).toBe(true);
    }
  });

  test('encrypted at rest with the AWS managed KMS key (the one customer key seals task tokens only)', () => {
    expect(tableProps().SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
    for (const replica of tableProps().Replicas as Replica[]) {
      expect(replica.SSESpecification?.KMSMasterKeyId).toBeUndefined();
    }
    synth.template.resourceCountIs('AWS::KMS::Key', 1);
  });

  test('task tokens: a rotated customer key; the await task may only Encrypt, the outbox functions only Decrypt', () => {
    const [keyId, key] = only('AWS::KMS::Key');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const kmsActions = (f: NodeFunction) =>
      statementsOfFunction(f)
        .filter((st) => actionsOf(st).some((a) => a.startsWith('kms:')))
        .map((st) => ({ actions: [...actionsOf(st)].sort(), resources: resourcesOf(st) }));
    const onKey = [{ 'Fn::GetAtt': [keyId, 'Arn'] }];
    expect(kmsActions(synth.stack.lifecycle.functions.await)).toEqual([
      { actions: ['kms:Encrypt'], resources: onKey },
    ]);
    for (const f of [synth.stack.outbox.signalFunction, synth.stack.outbox.reconcileFunction]) {
      expect(kmsActions(f)).toEqual([{ actions: ['kms:Decrypt'], resources: onKey }]);
    }
    for (const f of [synth.stack.lifecycle.functions.progress, synth.stack.lifecycle.functions.transition]) {
      expect(kmsActions(f)).toEqual([]);
    }
    for (const f of Object.values(synth.stack.api.functions)) expect(kmsActions(f)).toEqual([]);
  });

  test('TTL on expiresAt', () => {
    expect(tableProps().TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  });

  test('exactly the GSIs of INDEXES: names, keys, INCLUDE projections', () => {
    const expected = normaliseGsis(
      Object.values(INDEXES).map((i: IndexSchema) => ({
        IndexName: i.indexName,
        KeySchema: keySchema(i.partitionKey, i.sortKey),
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: i.include },
      })),
    );
    expect(expected).toHaveLength(Object.keys(INDEXES).length);
    expect(normaliseGsis(tableProps().GlobalSecondaryIndexes as Gsi[])).toEqual(expected);
    for (const replica of tableProps().Replicas as Replica[]) {
      expect((replica.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName).sort()).toEqual(
        expected.map((g) => g.IndexName),
      );
    }
  });

  test('attribute definitions: every key attribute as a string, and nothing else', () => {
    const keyAttributes = new Set([
      TABLE_KEYS.partitionKey,
      TABLE_KEYS.sortKey,
      ...Object.values(INDEXES).flatMap((i: IndexSchema) => [
        i.partitionKey,
        ...(i.sortKey ? [i.sortKey] : []),
      ]),
    ]);
    expect(sortAttributes(tableProps().AttributeDefinitions as AttributeDefinition[])).toEqual(
      sortAttributes([...keyAttributes].map((name) => ({ AttributeName: name, AttributeType: 'S' }))),
    );
  });

  test('createTableInput() (the local runtime) builds the same table as CDK: one source of truth', () => {
    const input = createTableInput('secor-test');
    const props = tableProps();
    expect(input.BillingMode).toBe(props.BillingMode);
    expect(input.KeySchema).toEqual(props.KeySchema);
    expect(sortAttributes(input.AttributeDefinitions)).toEqual(
      sortAttributes(props.AttributeDefinitions as AttributeDefinition[]),
    );
    expect(normaliseGsis(input.GlobalSecondaryIndexes)).toEqual(
      normaliseGsis(props.GlobalSecondaryIndexes as Gsi[]),
    );
  });
});

const FUNCTIONS = ['progress', 'await', 'transition'] as const;
type FunctionKey = (typeof FUNCTIONS)[number];

/** The module each task function runs (the local runtime maps Lambda ARNs to code with it). */
const HANDLER_MODULES: Record<FunctionKey, string> = {
  progress: 'functions/tasks/progress.ts',
  await: 'functions/tasks/await-step.ts',
  transition: 'functions/tasks/transition.ts',
};

const functionId = (key: FunctionKey) => logicalId(synth.stack.lifecycle.functions[key]);
const fn = (key: FunctionKey) => {
  const resource = resources[functionId(key)];
  if (resource?.Type !== 'AWS::Lambda::Function') throw new Error(`${key}: no Lambda function`);
  return resource;
};
const roleIdOf = (key: FunctionKey) => {
  const id = referencedId(fn(key).Properties.Role);
  if (!id) throw new Error(`${key}: role is not a resource of the stack`);
  return id;
};
const statementsOf = (key: FunctionKey) => roleStatements(resources, roleIdOf(key));
const statementsFor = (statements: Statement[], service: string) =>
  statements.filter((s) => actionsOf(s).some((a) => serviceOf(a) === service));
const actionsFor = (statements: Statement[], service: string) =>
  [...new Set(statementsFor(statements, service).flatMap(actionsOf))].sort();

const stateMachine = () => only('AWS::StepFunctions::StateMachine');
const stateMachineName = () => stateMachine()[1].Properties.StateMachineName as string;
const stateMachineArn = () =>
  `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:${stateMachineName()}`;

describe('Lambda task functions', () => {
  test('exactly the three task functions (besides the six API, the SES feedback and the two outbox functions)', () => {
    synth.template.resourceCountIs('AWS::Lambda::Function', 3 + 6 + 1 + 2);
    const ids = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
      .filter(([, r]) => String(r.Metadata?.['secor:handler'] ?? '').startsWith('functions/tasks/'))
      .map(([id]) => id)
      .sort();
    expect(ids).toEqual(
      [
        ...FUNCTIONS.map(functionId),
        logicalId(synth.stack.notifications.feedbackFunction),
        logicalId(synth.stack.outbox.signalFunction),
        logicalId(synth.stack.outbox.reconcileFunction),
      ].sort(),
    );
  });

  test.each(FUNCTIONS)('%s: Node.js 22 on arm64 with active X-Ray tracing', (key) => {
    const props = fn(key).Properties;
    expect(props.Runtime).toBe('nodejs22.x');
    expect(props.Architectures).toEqual(['arm64']);
    expect(props.TracingConfig).toEqual({ Mode: 'Active' });
  });

  test.each(FUNCTIONS)(
    '%s: environment names the table, sender, ops address and configuration set',
    (key) => {
      const variables = (fn(key).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables).toMatchObject({
        TABLE_NAME: { Ref: tableId() },
        SENDER_ADDRESS: { Ref: 'SenderAddress' },
        OPS_EMAIL: { Ref: 'OpsEmail' },
        SES_CONFIGURATION_SET: { Ref: logicalId(synth.stack.notifications.configurationSet) },
      });
    },
  );

  test('every function that renders emails has PUBLIC_API_URL, from the stack (tasks and the ops API alike)', () => {
    const lambdas = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    const byEntry = (entry: string) => {
      const found = lambdas.find((r) => r.Metadata?.[HANDLER_METADATA] === entry);
      if (!found) throw new Error(`no function for ${entry}`);
      return (found.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    };
    for (const entry of [...Object.values(HANDLER_MODULES), ...EMAILING_API_FUNCTIONS]) {
      const url = byEntry(entry).PUBLIC_API_URL;
      expect([entry, JSON.stringify(url ?? null)]).toEqual([entry, expect.stringContaining('ApiRestApi')]);
    }
    // The OpenAPI document needs nothing: its function has no such variable (nor any other of the table's).
    expect(byEntry('functions/api/openapi.ts').PUBLIC_API_URL).toBeUndefined();
  });

  test.each(FUNCTIONS)('%s: secor:handler metadata names an existing module exporting `handler`', (key) => {
    const entry = fn(key).Metadata?.[HANDLER_METADATA];
    expect(entry).toBe(HANDLER_MODULES[key]);
    const file = path.join(ROOT, entry as string);
    expect(fs.existsSync(file)).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/export (async function|const|function) handler\b/);
    expect(fn(key).Properties.Handler).toBe('index.handler');
  });

  test.each(FUNCTIONS)('%s: logs to its own log group with a retention period', (key) => {
    const logGroupId = referencedId((fn(key).Properties.LoggingConfig as { LogGroup: unknown }).LogGroup);
    const logGroup = logGroupId ? resources[logGroupId] : undefined;
    expect(logGroup?.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup?.Properties.RetentionInDays).toEqual(expect.any(Number));
    const others = FUNCTIONS.filter((k) => k !== key).map(
      (k) => (fn(k).Properties.LoggingConfig as { LogGroup: unknown }).LogGroup,
    );
    expect(others).not.toContainEqual({ Ref: logGroupId });
  });
});

describe('function roles: least privilege', () => {
  const EXPECTED_SERVICES: Record<FunctionKey, string[]> = {
    progress: ['dynamodb', 'logs', 'ses', 'xray'],
    await: ['dynamodb', 'kms', 'logs', 'states', 'xray'],
    transition: ['dynamodb', 'logs', 'ses', 'xray'],
  };

  test('each function has its own role, assumable by Lambda only', () => {
    const roleIds = FUNCTIONS.map(roleIdOf);
    expect(new Set(roleIds).size).toBe(FUNCTIONS.length);
    for (const roleId of roleIds) {
      expect(
        (resources[roleId]?.Properties.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement,
      ).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
    }
  });

  test.each(FUNCTIONS)('%s: no AWS managed (or other managed) policies', (key) => {
    const role = resources[roleIdOf(key)] as Resource;
    expect(role.Properties.ManagedPolicyArns ?? []).toEqual([]);
    expect(managedPoliciesOf(resources, roleIdOf(key))).toEqual([]);
  });

  test.each(FUNCTIONS)('%s: only the expected services, Allow only, no wildcard actions', (key) => {
    const statements = statementsOf(key);
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
      expect(s.Effect).toBe('Allow');
      expect(s.NotAction).toBeUndefined();
      expect(s.NotResource).toBeUndefined();
      for (const action of actionsOf(s)) expect(action).not.toContain('*');
    }
    expect([...new Set(statements.flatMap(actionsOf).map(serviceOf))].sort()).toEqual(EXPECTED_SERVICES[key]);
  });

  test.each(FUNCTIONS)('%s: "*" resources only for X-Ray (no resource-level permissions exist)', (key) => {
    for (const s of statementsOf(key).filter((st) => resourcesOf(st).includes('*'))) {
      expect(actionsOf(s).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    }
  });

  test.each(FUNCTIONS)(
    '%s: DynamoDB item reads/writes on company items of the table only (LeadingKeys COMPANY#*; no Scan, no indexes); the emailing tasks also write sign-in tokens',
    (key) => {
      const statements = statementsOf(key);
      // The await task only reads the record and stores its token on it.
      expect(actionsFor(statements, 'dynamodb')).toEqual(
        key === 'await'
          ? ['dynamodb:GetItem', 'dynamodb:UpdateItem']
          : ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      );
      const conditions = statementsFor(statements, 'dynamodb').map((s) => {
        expect(resourcesOf(s)).toEqual([{ 'Fn::GetAtt': [tableId(), 'Arn'] }]);
        return `${actionsOf(s).sort().join(',')} ${JSON.stringify(s.Condition)}`;
      });
      const on = (kinds: string[]) =>
        JSON.stringify({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': kinds } });
      expect(conditions).toEqual(
        key === 'await'
          ? [`dynamodb:GetItem,dynamodb:UpdateItem ${on(['COMPANY#*'])}`]
          : [
              `dynamodb:DeleteItem,dynamodb:GetItem,dynamodb:PutItem,dynamodb:UpdateItem ${on(['COMPANY#*'])}`,
              // Every lifecycle email's one-time sign-in link: the token item is written, never read.
              `dynamodb:PutItem ${on(['SIGNIN#*'])}`,
            ],
      );
    },
  );

  test('the API functions reach only the item kinds they work on (dynamodb:LeadingKeys)', () => {
    const leading = (module: string) =>
      statementsOfFunction(synth.stack.api.functions[module])
        .filter((st) => actionsOf(st).some((a) => a.endsWith('Item')))
        .map((st) => [...actionsOf(st)].sort().join(',') + ' ' + JSON.stringify(st.Condition));
    const on = (kinds: string[]) =>
      JSON.stringify({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': kinds } });
    const all = 'dynamodb:DeleteItem,dynamodb:GetItem,dynamodb:PutItem,dynamodb:UpdateItem';
    expect(leading('functions/api/companies.ts')).toEqual([
      `${all} ${on(['COMPANY#*', 'LEGALNAME#*', 'APIKEY#*', 'IDEMPOTENCY', 'SEQUENCE#CERTIFICATE#*', 'EMAIL#*'])}`,
      // The per-contact-address count of sign-ups: read and counted, never deleted.
      `dynamodb:GetItem,dynamodb:UpdateItem ${on(['SIGNUPLIMIT#*'])}`,
    ]);
    expect(leading('functions/api/ops.ts')).toEqual([
      `${all} ${on(['COMPANY#*', 'APIKEY#*', 'KEYHOLDER#*', 'IDEMPOTENCY'])}`,
      // A resent reminder's sign-in link: the token item is written, never read or deleted.
      `dynamodb:PutItem ${on(['SIGNIN#*'])}`,
    ]);
    expect(leading('functions/api/certificates.ts')).toEqual([`dynamodb:GetItem ${on(['COMPANY#*'])}`]);
    expect(leading('functions/auth/authorizer.ts')).toEqual([
      `dynamodb:GetItem ${on(['APIKEY#*', 'COMPANY#*', 'SESSION#*'])}`,
    ]);
    expect(leading('functions/api/openapi.ts')).toEqual([]);
    // Sign-in: reads companies, writes only tokens, sessions and the per-address allowance.
    expect(leading('functions/api/access.ts')).toEqual([
      `dynamodb:GetItem ${on(['COMPANY#*'])}`,
      `${all} ${on(['SIGNIN#*', 'SIGNINLIMIT#*', 'SESSION#*'])}`,
    ]);
  });

  test('only the Await task may SendTaskSuccess, and only to the lifecycle state machine', () => {
    expect(actionsFor(statementsOf('progress'), 'states')).toEqual([]);
    expect(actionsFor(statementsOf('transition'), 'states')).toEqual([]);
    const states = statementsFor(statementsOf('await'), 'states');
    expect(states.flatMap(actionsOf)).toEqual(['states:SendTaskSuccess']);
    expect(states.flatMap(resourcesOf).map(render)).toEqual([stateMachineArn()]);
  });

  test('only Progress and Transition send email: ses:SendEmail from the sender address, scoped ARNs', () => {
    expect(actionsFor(statementsOf('await'), 'ses')).toEqual([]);
    for (const key of ['progress', 'transition'] as const) {
      const ses = statementsFor(statementsOf(key), 'ses');
      expect(ses.length).toBeGreaterThan(0);
      for (const s of ses) {
        expect(actionsOf(s)).toEqual(['ses:SendEmail']);
        expect(s.Condition?.StringEquals?.['ses:FromAddress']).toEqual({ Ref: 'SenderAddress' });
        for (const arn of resourcesOf(s).map(render)) {
          expect(arn).toMatch(
            /^arn:\$\{AWS::Partition\}:ses:\$\{AWS::Region\}:\$\{AWS::AccountId\}:(identity|configuration-set)\/\S+$/,
          );
          expect(arn).not.toMatch(/\/\*$/);
        }
      }
    }
  });

  test.each(FUNCTIONS)("%s: CloudWatch Logs writes to the function's own log group only", (key) => {
    const ownLogGroup = referencedId((fn(key).Properties.LoggingConfig as { LogGroup: unknown }).LogGroup);
    const logs = statementsFor(statementsOf(key), 'logs');
    expect(logs.length).toBeGreaterThan(0);
    for (const s of logs) {
      expect(actionsOf(s).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      expect(resourcesOf(s)).toEqual([{ 'Fn::GetAtt': [ownLogGroup, 'Arn'] }]);
    }
  });
});

/** The statements of the role of a function construct. */
const statementsOfFunction = (f: NodeFunction | undefined): Statement[] => {
  const props = f ? (resources[logicalId(f)] as Resource).Properties : undefined;
  const id = referencedId(props?.Role);
  if (!id) throw new Error('the function has no role of the stack');
  return roleStatements(resources, id);
};

describe('the outbox and the reconciler', () => {
  const mappings = () => Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping');

  test('the table streams NEW_IMAGE', () => {
    expect(tableProps().StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
  });

  test('the stream feeds the signalling function: company items with a signal, retried, then a DLQ', () => {
    expect(mappings()).toHaveLength(1);
    const m = (mappings()[0] as Resource).Properties;
    expect(m.FunctionName).toEqual({ Ref: logicalId(synth.stack.outbox.signalFunction) });
    expect(m).toMatchObject({
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 10,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(synth.stack.outbox.deadLetterQueue), 'Arn'] } },
      },
    });
    const pattern = JSON.parse(
      (m.FilterCriteria as { Filters: { Pattern: string }[] }).Filters[0]?.Pattern ?? '{}',
    ) as Record<string, unknown>;
    expect(pattern).toEqual({
      eventName: ['INSERT', 'MODIFY'],
      dynamodb: { NewImage: { SK: { S: ['PROFILE'] }, signal: { M: { id: { S: [{ exists: true }] } } } } },
    });
  });

  test('two schedules invoke the reconciler: the signals sweep every 5 minutes, the executions sweep daily', () => {
    const schedules = Object.values(resources)
      .filter((r) => r.Type === 'AWS::Scheduler::Schedule')
      .map((r) => ({
        expression: r.Properties.ScheduleExpression,
        input: JSON.parse(String((r.Properties.Target as { Input: string }).Input)) as unknown,
        arn: (r.Properties.Target as { Arn: unknown }).Arn,
      }));
    const arn = { 'Fn::GetAtt': [logicalId(synth.stack.outbox.reconcileFunction), 'Arn'] };
    expect(schedules).toEqual(
      expect.arrayContaining([
        { expression: 'rate(5 minutes)', input: { sweep: 'signals' }, arn },
        { expression: 'rate(1 day)', input: { sweep: 'executions' }, arn },
      ]),
    );
    expect(schedules).toHaveLength(2);
  });

  test('the outbox functions touch company items only (dynamodb:LeadingKeys COMPANY#*), and may not Put or Delete', () => {
    for (const fn of [synth.stack.outbox.signalFunction, synth.stack.outbox.reconcileFunction]) {
      const statements = statementsOfFunction(fn).filter((st) =>
        actionsOf(st).some(
          (a) =>
            a.startsWith('dynamodb:') &&
            a !== 'dynamodb:Query' &&
            !/Stream|GetRecords|GetShardIterator/.test(a),
        ),
      );
      expect(statements.length).toBeGreaterThan(0);
      for (const st of statements) {
        expect(actionsOf(st).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
        expect(st.Condition).toEqual({
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['COMPANY#*'] },
        });
      }
    }
  });

  test('the API functions never signal the workflow themselves (the outbox does): no StartExecution, no SendTaskSuccess', () => {
    for (const fn of Object.values(synth.stack.api.functions)) {
      const actions = statementsOfFunction(fn).flatMap(actionsOf);
      expect(actions.filter((a) => a === 'states:StartExecution' || a === 'states:SendTaskSuccess')).toEqual(
        [],
      );
    }
  });
});

describe('REST API: authorization, gateway responses, unrouted requests', () => {
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const authorizers = () => ofType('AWS::ApiGateway::Authorizer').map(([, r]) => r);
  const apiResources = () => ofType('AWS::ApiGateway::Resource');
  /** The path of an AWS::ApiGateway::Resource, from its parents. */
  const pathOf = (id: string): string => {
    const r = resources[id];
    if (!r) return '';
    const parent = referencedId(r.Properties.ParentId);
    const part = String(r.Properties.PathPart);
    return `${parent && resources[parent]?.Type === 'AWS::ApiGateway::Resource' ? pathOf(parent) : ''}/${part}`;
  };
  const methods = () =>
    ofType('AWS::ApiGateway::Method').map(([, m]) => {
      const resourceId = referencedId(m.Properties.ResourceId);
      const path =
        resourceId && resources[resourceId]?.Type === 'AWS::ApiGateway::Resource' ? pathOf(resourceId) : '/';
      return { key: `${String(m.Properties.HttpMethod)} ${path}`, props: m.Properties };
    });

  test('the key authorizer has no identity source and no cache: it runs on every request', () => {
    // With an identity source, API Gateway answers a request without that header itself; with a cache, a revoked
    // key would keep working for the TTL.
    expect(authorizers().map((a) => a.Properties)).toEqual([
      expect.objectContaining({ Type: 'REQUEST', AuthorizerResultTtlInSeconds: 0 }),
    ]);
    expect(authorizers()[0]?.Properties.IdentitySource ?? '').toBe('');
  });

  test('every route of the route table is a method: /ops/* IAM, key routes the authorizer, public ones none', () => {
    const byKey = new Map(methods().map((m) => [m.key, m.props]));
    for (const route of ROUTES) {
      const props = byKey.get(route.routeKey);
      expect([route.routeKey, props?.AuthorizationType]).toEqual([
        route.routeKey,
        { iam: 'AWS_IAM', key: 'CUSTOM', none: 'NONE' }[route.auth],
      ]);
      expect((props?.Integration as { Type?: string } | undefined)?.Type).toBe('AWS_PROXY');
    }
    expect(ROUTES.filter((r) => r.routeKey.includes(' /ops/')).every((r) => r.auth === 'iam')).toBe(true);
  });

  test('every resource answers the methods it lacks from a mock: 405 on a route path, 404 elsewhere, contract body', () => {
    const routed = new Set([...ROUTES.map((r) => r.routeKey.split(' ')[1]), ...STATIC_PAGES]);
    const anys = methods().filter((m) => m.key.startsWith('ANY '));
    const paths = ['/', ...apiResources().map(([id]) => pathOf(id))];
    expect(anys.map((m) => m.key.slice(4)).sort()).toEqual(paths.sort());
    for (const m of anys) {
      const path = m.key.slice(4);
      const answer = routed.has(path) ? NO_METHOD : NO_ROUTE;
      const integration = m.props.Integration as {
        Type: string;
        IntegrationResponses: { StatusCode: string; ResponseTemplates: Record<string, string> }[];
      };
      expect([path, integration.Type]).toEqual([path, 'MOCK']);
      expect(integration.IntegrationResponses).toEqual([
        { StatusCode: String(answer.status), ResponseTemplates: { 'application/json': edgeBody(answer) } },
      ]);
    }
    expect(paths).toContain('/{proxy+}');
  });

  test('GET / and GET /status.js: the page email links open, from mocks, byte for byte the files the local gateway serves', () => {
    const byKey = new Map(methods().map((m) => [m.key, m.props]));
    const files = { '/': STATUS_PAGE_HTML, '/status.js': STATUS_PAGE_JS };
    for (const [path, body] of Object.entries(files)) {
      const props = byKey.get(`GET ${path}`);
      expect(props?.AuthorizationType).toBe('NONE');
      const integration = props?.Integration as {
        Type: string;
        IntegrationResponses: { StatusCode: string; ResponseTemplates: Record<string, string> }[];
      };
      expect(integration.Type).toBe('MOCK');
      const template = integration.IntegrationResponses[0]?.ResponseTemplates['text/html'] ?? '';
      expect(integration.IntegrationResponses[0]?.StatusCode).toBe('200');
      // Velocity passes the file through: it has no # or $, and the headers are set before it.
      expect(body).not.toMatch(/[#$]/);
      expect(template.endsWith(`\n${body}`)).toBe(true);
      expect(template).toContain('#set($context.responseOverride.header.Content-Type');
    }
    const page = (
      byKey.get('GET /')?.Integration as {
        IntegrationResponses: { ResponseTemplates: Record<string, string> }[];
      }
    ).IntegrationResponses[0]?.ResponseTemplates['text/html'];
    expect(page).toContain(`Content-Security-Policy = "${STATUS_PAGE_CSP}"`);
  });

  test("every gateway response (API Gateway's own answers) is the contract's error body", () => {
    const responses = ofType('AWS::ApiGateway::GatewayResponse').map(([, r]) => r.Properties);
    expect(responses.map((r) => r.ResponseType).sort()).toEqual(Object.keys(GATEWAY_RESPONSES).sort());
    for (const r of responses) {
      const answer = GATEWAY_RESPONSES[r.ResponseType as keyof typeof GATEWAY_RESPONSES];
      expect(r.StatusCode).toBe(String(answer.status));
      const body = JSON.parse((r.ResponseTemplates as Record<string, string>)['application/json'] ?? '');
      expect(body).toEqual({ error: { code: answer.code, message: answer.message } });
    }
    // The ones a caller meets: throttling, an unsigned /ops/* request, a refused authorizer.
    expect(GATEWAY_RESPONSES.THROTTLED).toMatchObject({ status: 429, code: 'THROTTLED' });
    expect(GATEWAY_RESPONSES.MISSING_AUTHENTICATION_TOKEN).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(GATEWAY_RESPONSES.UNAUTHORIZED).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });

  test('the stage throttles, traces, logs errors without request data, and writes access logs', () => {
    const stages = ofType('AWS::ApiGateway::Stage');
    expect(stages).toHaveLength(1);
    const stage = (stages[0] as [string, { Properties: Record<string, unknown> }])[1];
    expect(stage.Properties.StageName).toBe(STAGE_NAME);
    expect(stage.Properties.TracingEnabled).toBe(true);
    expect(stage.Properties.MethodSettings).toEqual([
      expect.objectContaining({
        DataTraceEnabled: false,
        LoggingLevel: 'ERROR',
        ThrottlingRateLimit: 50,
        ThrottlingBurstLimit: 100,
      }),
    ]);
    const format = String((stage.Properties.AccessLogSetting as { Format: string }).Format);
    expect(format).toContain('$context.identity.sourceIp');
    expect(format).not.toMatch(/header|body|authorization/i);
  });
});

describe('firewall (AWS WAF) on the API stage', () => {
  const acl = () => {
    const found = Object.values(resources).filter((r) => r.Type === 'AWS::WAFv2::WebACL');
    expect(found).toHaveLength(1);
    return (found[0] as { Properties: Record<string, unknown> }).Properties;
  };
  type Rule = {
    Name: string;
    Statement: Record<string, Record<string, unknown>>;
    Action?: { Block?: { CustomResponse: { ResponseCode: number; CustomResponseBodyKey: string } } };
  };
  const rules = () => acl().Rules as Rule[];
  const bodies = () => acl().CustomResponseBodies as Record<string, { Content: string; ContentType: string }>;

  test('is associated with the stage, regional', () => {
    expect(acl().Scope).toBe('REGIONAL');
    const associations = Object.values(resources).filter((r) => r.Type === 'AWS::WAFv2::WebACLAssociation');
    expect(associations).toHaveLength(1);
    const stageId = Object.entries(resources).find(([, r]) => r.Type === 'AWS::ApiGateway::Stage')?.[0];
    expect(JSON.stringify(associations[0]?.Properties.ResourceArn)).toContain(stageId);
  });

  test('each per-IP rate rule of the edge table, with its routes, answers 429 with the contract body', () => {
    for (const rule of RATE_RULES) {
      const r = rules().find((x) => x.Name === rule.name);
      const rate = r?.Statement.RateBasedStatement as {
        Limit: number;
        EvaluationWindowSec: number;
        AggregateKeyType: string;
        ScopeDownStatement?: unknown;
      };
      expect([rule.name, rate.Limit, rate.EvaluationWindowSec, rate.AggregateKeyType]).toEqual([
        rule.name,
        rule.limit,
        rule.windowSeconds,
        'IP',
      ]);
      const scoped = JSON.stringify(rate.ScopeDownStatement ?? null);
      for (const key of rule.routes ?? []) {
        const [method, path] = key.split(' ') as [string, string];
        expect(scoped).toContain(`"SearchString":"${method}"`);
        expect(scoped).toContain(`"SearchString":"${path}"`);
      }
      if (!rule.routes) expect(rate.ScopeDownStatement).toBeUndefined();
      const response = r?.Action?.Block?.CustomResponse;
      expect(response?.ResponseCode).toBe(429);
      expect(JSON.parse(bodies()[response?.CustomResponseBodyKey ?? '']?.Content ?? '')).toEqual({
        error: { code: 'THROTTLED', message: rule.answer.message },
      });
    }
  });

  test('a body over the API limit is refused before Lambda, with the contract body', () => {
    const r = rules().find((x) => x.Name === 'BodyTooLarge');
    expect(r?.Statement.SizeConstraintStatement).toMatchObject({
      ComparisonOperator: 'GT',
      Size: MAX_BODY_BYTES,
      FieldToMatch: { Body: { OversizeHandling: 'MATCH' } },
    });
    expect(r?.Action?.Block?.CustomResponse.ResponseCode).toBe(400);
    expect(acl().AssociationConfig).toEqual({
      RequestBody: { API_GATEWAY: { DefaultSizeInspectionLimit: 'KB_64' } },
    });
  });
});

describe('CertificationLifecycle state machine', () => {
  const props = () => stateMachine()[1].Properties;
  const roleId = () => {
    const id = referencedId(props().RoleArn);
    if (!id) throw new Error('state machine role is not a resource of the stack');
    return id;
  };

  test('STANDARD, with X-Ray tracing', () => {
    expect(props().StateMachineType).toBe('STANDARD');
    expect(props().TracingConfiguration).toEqual({ Enabled: true });
  });

  test('a fixed name ending in -CertificationLifecycle (the definition and functions use its ARN)', () => {
    expect(stateMachineName()).toBe(`${synth.stack.stackName}-CertificationLifecycle`);
    expect(stateMachineName()).toMatch(/-CertificationLifecycle$/);
    expect(synth.stack.lifecycle.stateMachineName).toBe(stateMachineName());
  });

  test('logs ALL events, never execution data, to a retained log group', () => {
    const logging = props().LoggingConfiguration as {
      Level: string;
      IncludeExecutionData: boolean;
      Destinations: { CloudWatchLogsLogGroup: { LogGroupArn: unknown } }[];
    };
    expect(logging.Level).toBe('ALL');
    expect(logging.IncludeExecutionData).toBe(false);
    expect(logging.Destinations).toHaveLength(1);
    const logGroupId = referencedId(logging.Destinations[0]?.CloudWatchLogsLogGroup.LogGroupArn);
    expect(logGroupId).toBe(logicalId(synth.stack.lifecycle.logGroup));
    const logGroup = resources[logGroupId as string] as Resource;
    expect(logGroup.Properties.RetentionInDays).toEqual(expect.any(Number));
    expect(logGroup.DeletionPolicy).toBe('Retain');
  });

  test('its role is assumable by Step Functions only, from this account', () => {
    const trust = (resources[roleId()]?.Properties.AssumeRolePolicyDocument as { Statement: Statement[] })
      .Statement;
    expect(trust).toHaveLength(1);
    expect(trust[0]?.Principal).toEqual({ Service: 'states.amazonaws.com' });
    expect(trust[0]?.Condition?.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    expect(resources[roleId()]?.Properties.ManagedPolicyArns ?? []).toEqual([]);
  });

  test('its role may start executions of this state machine only', () => {
    const statements = roleStatements(resources, roleId());
    const states = statementsFor(statements, 'states');
    expect(states.flatMap(actionsOf)).toEqual(['states:StartExecution']);
    expect(states.flatMap(resourcesOf).map(render)).toEqual([stateMachineArn()]);
  });

  test('its role invokes exactly the three task functions (and their versions)', () => {
    const statements = roleStatements(resources, roleId());
    const lambda = statementsFor(statements, 'lambda');
    expect(actionsFor(statements, 'lambda')).toEqual(['lambda:InvokeFunction']);
    const arns = new Set(lambda.flatMap(resourcesOf).map(render));
    const expected = FUNCTIONS.flatMap((k) => [`\${${functionId(k)}.Arn}`, `\${${functionId(k)}.Arn}:*`]);
    expect([...arns].sort()).toEqual(expected.sort());
  });

  test('its role: no wildcard actions; "*" resources only for log delivery and X-Ray', () => {
    const statements = roleStatements(resources, roleId());
    for (const s of statements) {
      expect(s.Effect).toBe('Allow');
      for (const action of actionsOf(s)) expect(action).not.toContain('*');
      if (resourcesOf(s).includes('*')) {
        for (const action of actionsOf(s)) {
          expect(action).toMatch(
            /^(xray:[A-Za-z]+|logs:(Create|Get|Update|Delete|List)LogDeliver(y|ies)|logs:(PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups))$/,
          );
        }
      }
    }
    expect([...new Set(statements.flatMap(actionsOf).map(serviceOf))].sort()).toEqual([
      'lambda',
      'logs',
      'states',
      'xray',
    ]);
  });
});

interface ViolatingConstruct {
  constructPath: string;
}
interface Violation {
  ruleName: string;
  severity: string;
  violatingConstructs: ViolatingConstruct[];
}
interface SuppressedViolation extends Violation {
  acknowledgedId: string;
  acknowledgedAt: string;
  reason: string;
}
interface PluginReport {
  pluginName: string;
  conclusion: 'success' | 'failure';
  violations: Violation[];
  suppressedViolations?: SuppressedViolation[];
}
interface ValidationReport {
  pluginReports: PluginReport[];
}

describe('cdk-nag AwsSolutions', () => {
  const PACK = 'AwsSolutions';
  const MIN_REASON_LENGTH = 20;
  // Reaching these tests means synthesis did not throw: no plugin reported an unacknowledged error.
  const report = () =>
    JSON.parse(
      fs.readFileSync(path.join(synth.assembly.directory, VALIDATION_REPORT_FILE), 'utf8'),
    ) as ValidationReport;
  const pack = () => {
    const found = report().pluginReports.find((p) => p.pluginName === PACK);
    if (!found) throw new Error(`the ${PACK} pack did not run`);
    return found;
  };
  const suppressed = () => report().pluginReports.flatMap((p) => p.suppressedViolations ?? []);
  const acknowledgements = (): AcknowledgementRecord[] => acknowledgementsIn(synth.app);

  test('the AwsSolutions pack ran on the app and concluded success', () => {
    expect(pack().conclusion).toBe('success');
  });

  test('zero unacknowledged errors, from any validation plugin', () => {
    const errors = report().pluginReports.flatMap((p) =>
      p.violations
        .filter((v) => v.severity === 'error' || v.severity === 'fatal')
        .map(
          (v) =>
            `${p.pluginName} ${v.ruleName}: ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}`,
        ),
    );
    expect(errors).toEqual([]);
    for (const p of report().pluginReports)
      expect([p.pluginName, p.conclusion]).toEqual([p.pluginName, 'success']);
  });

  test('no unacknowledged AwsSolutions findings at all (warnings included)', () => {
    expect(pack().violations.map((v) => v.ruleName)).toEqual([]);
  });

  test('every acknowledgement carries a specific reason (> 20 characters, not a placeholder)', () => {
    expect(acknowledgements().length).toBeGreaterThan(0);
    for (const ack of acknowledgements()) {
      const where = `${ack.path} ${ack.id}`;
      expect([where, ack.reason.trim().length > MIN_REASON_LENGTH]).toEqual([where, true]);
      expect([
        where,
        /^(todo|tbd|n\/?a|suppress(ed)?|ignore(d)?|ok|fine)\b/i.test(ack.reason.trim()),
      ]).toEqual([where, false]);
      expect(ack.reason).not.toContain(ack.id);
    }
  });

  test('acknowledgements are per finding (RuleId[finding]), never a whole rule', () => {
    // APIG4 (a route without authorization) has no finding detail: it is acknowledged on each public route.
    // L1 (not the newest Node.js runtime) has none either: it is acknowledged on each function, pinned to the
    // Node.js major the code is tested on and bundled for.
    // Rules whose findings carry no id (a whole construct is the finding).
    const whole = [
      'AwsSolutions::AwsSolutions-APIG2',
      'AwsSolutions::AwsSolutions-APIG4',
      'AwsSolutions::AwsSolutions-COG4',
      'AwsSolutions::AwsSolutions-L1',
      'AwsSolutions::AwsSolutions-SQS3',
    ];
    for (const ack of acknowledgements().filter((a) => !whole.includes(a.id)))
      expect(ack.id).toMatch(/^AwsSolutions::AwsSolutions-[A-Za-z]+\d+\[.+\]$/);
    const pinned = acknowledgements().filter((a) => a.id === 'AwsSolutions::AwsSolutions-L1');
    const functions = synth.stack.node
      .findAll()
      .filter((c) => c instanceof NodeFunction)
      .map((c) => c.node.path);
    expect(functions.length).toBeGreaterThan(0);
    expect(pinned.map((a) => a.path).sort()).toEqual(functions.sort());
    // APIG4 (no authorization) only on the public routes and the mocks that answer unrouted requests.
    const unauthorized = acknowledgements().filter((a) => a.id === 'AwsSolutions::AwsSolutions-APIG4');
    const publicMethods = [
      ...ROUTES.filter((r) => r.auth === 'none').map((r) => r.routeKey),
      ...STATIC_PAGES.map((p) => `GET ${p}`),
    ].map((key) => {
      const [method, path] = key.split(' ') as [string, string];
      return `SecorLifecycle/Api/RestApi/Default${path === '/' ? '' : path}/${method}`;
    });
    expect(
      unauthorized
        .map((a) => a.path)
        .filter((p) => !p.endsWith('/ANY'))
        .sort(),
    ).toEqual(publicMethods.sort());
  });

  test('every acknowledgement suppresses a finding that exists (none stale), with its reason in the report', () => {
    const used = new Set(suppressed().map((s) => `${s.acknowledgedAt} ${s.acknowledgedId}`));
    for (const ack of acknowledgements()) expect(used).toContain(`${ack.path} ${ack.id}`);
    for (const s of suppressed()) {
      const ack = acknowledgements().find((a) => a.path === s.acknowledgedAt && a.id === s.acknowledgedId);
      expect(s.reason).toBe(ack?.reason);
      // An acknowledgement covers the construct it is made on and its children only.
      for (const c of s.violatingConstructs)
        expect(c.constructPath.startsWith(`${s.acknowledgedAt}/`)).toBe(true);
    }
  });

  test('the wildcard-resource acknowledgements cover only permissions without resource-level support', () => {
    // AwsSolutions-IAM5[Resource::*] is acknowledged on the function roles and the state machine role: their
    // "*" statements must be X-Ray / log delivery only (checked per role above), and no other role has one.
    const acknowledgedRoles = acknowledgements()
      .filter((a) => a.id.endsWith('AwsSolutions-IAM5[Resource::*]'))
      .map((a) => a.path)
      .sort();
    expect(acknowledgedRoles).toEqual(
      [
        ...FUNCTIONS.map((k) => synth.stack.lifecycle.functions[k].role?.node.path),
        ...Object.values(synth.stack.api.functions).map((f) => f.role?.node.path),
        synth.stack.notifications.feedbackFunction.role?.node.path,
        synth.stack.outbox.signalFunction.role?.node.path,
        synth.stack.outbox.reconcileFunction.role?.node.path,
        synth.stack.lifecycle.stateMachine.node.path,
      ].sort(),
    );
  });
});

describe('cdk-nag controls (small apps: the checks above can fail)', () => {
  const wildcardApp = (acknowledge?: { id: string; reason: string }) => {
    const app = new App();
    const stack = new Stack(app, 'Control');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
    if (acknowledge) Validations.of(role).acknowledge(acknowledge);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    return app;
  };

  test('an unacknowledged AwsSolutions error makes synthesis fail', () => {
    expect(() => wildcardApp().synth()).toThrow(/AwsSolutions-IAM5/);
  });

  test('an acknowledged one passes, and its (too short) reason is visible to the reason check', () => {
    const app = wildcardApp({ id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]', reason: 'ok' });
    expect(() => app.synth()).not.toThrow();
    expect(acknowledgementsIn(app)).toEqual([
      { path: 'Control/Role', id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]', reason: 'ok' },
    ]);
  });
});
