/**
 * Every Lambda function of the synthesized template, booted as the local runtime runs it — in its own worker,
 * with only its own environment from the template — and invoked once as Lambda invokes it (event, context).
 * A function that would crash at load or at its first call in AWS (a variable it needs but is not given, a
 * context taken for an argument) fails here.
 */
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { apiEvent as restEvent } from '../../local/api-gateway';
import { LocalLambda, templateFunctions, type LocalLambdaOptions } from '../../local/lambda/runtime';
import { startRuntime, type Runtime } from '../../local/start';
import { synthesizeLifecycle } from '../../local/synthesized';

let rt: Runtime;

beforeAll(async () => {
  rt = await startRuntime({
    port: 0,
    sesPort: 0,
    quiet: true,
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'secor-functions-')),
  });
}, 120_000);
afterAll(() => rt?.close());

const apiEvent = (routeKey: string, pathParameters?: Record<string, string>, iam = false) => {
  const [method, path] = routeKey.split(' ') as [string, string];
  const event = restEvent({
    method,
    path,
    resource: path,
    headers: {},
    ...(pathParameters ? { params: pathParameters } : {}),
    requestId: 'boot',
    sourceIp: '127.0.0.1',
  });
  if (iam) event.requestContext.identity.userArn = 'arn:aws:iam::000000000000:user/test';
  return event;
};

/** One invocation per module, and what a healthy function answers to it. */
const PROBES: Record<string, { event: unknown; expect: (result: unknown) => void; error?: string }> = {
  'functions/api/openapi.ts': {
    event: apiEvent('GET /openapi.json'),
    expect: (r) => expect(r).toMatchObject({ statusCode: 200 }),
  },
  'functions/api/companies.ts': {
    event: apiEvent('GET /companies/{companyId}', { companyId: 'c00000000000000000000' }),
    expect: (r) => expect(r).toMatchObject({ statusCode: 401 }),
  },
  'functions/api/certificates.ts': {
    event: apiEvent('GET /certificates/{certificateNumber}', { certificateNumber: 'SECOR-AB-2026-000001' }),
    expect: (r) => expect(r).toMatchObject({ statusCode: 404 }),
  },
  'functions/api/ops.ts': {
    event: apiEvent('GET /ops/companies', undefined, true),
    expect: (r) => expect(r).toMatchObject({ statusCode: 200 }),
  },
  'functions/api/access.ts': {
    event: { ...apiEvent('POST /sign-in'), body: JSON.stringify({ email: 'nobody@example.com' }) },
    expect: (r) => expect(r).toMatchObject({ statusCode: 202, body: '{}' }),
  },
  'functions/auth/authorizer.ts': {
    event: {
      type: 'REQUEST',
      headers: {},
      httpMethod: 'GET',
      resource: '/companies/{companyId}',
      methodArn: 'arn:aws:execute-api:ca-central-1:000000000000:api/v1/GET/companies/c1',
    },
    expect: (r) =>
      expect(r).toEqual({
        principalId: 'anonymous',
        policyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Action: 'execute-api:Invoke',
              Effect: 'Allow',
              Resource: 'arn:aws:execute-api:ca-central-1:000000000000:api/v1/*',
            },
          ],
        },
        context: { role: 'anonymous', reason: 'missing' },
      }),
  },
  'functions/tasks/progress.ts': {
    event: { companyId: 'cnone', execution: { name: 'x', startedAt: '2027-01-01T00:00:00.000Z' } },
    expect: () => undefined,
    error: 'NotFoundError',
  },
  'functions/tasks/await-step.ts': {
    event: {
      companyId: 'cnone',
      execution: { name: 'x', startedAt: '2027-01-01T00:00:00.000Z' },
      taskToken: 't',
    },
    expect: () => undefined,
    error: 'NotFoundError',
  },
  'functions/tasks/transition.ts': {
    event: {
      companyId: 'cnone',
      execution: { name: 'x', startedAt: '2027-01-01T00:00:00.000Z' },
      action: 'escalate',
    },
    expect: () => undefined,
    error: 'NotFoundError',
  },
  'functions/tasks/signal.ts': {
    event: { Records: [] },
    expect: (r) => expect(r).toEqual({ batchItemFailures: [] }),
  },
  'functions/tasks/reconcile.ts': {
    event: { sweep: 'signals' },
    expect: (r) => expect(r).toMatchObject({ sweep: 'signals', failed: 0 }),
  },
  'functions/tasks/ses-feedback.ts': {
    event: { 'detail-type': 'Email Delivered', detail: { eventType: 'Delivery', mail: {} } },
    expect: (r) => expect(r).toBeDefined(),
  },
};

describe('every function of the template', () => {
  test('has a probe here (a new function gets one)', () => {
    expect(rt.functions.functions.map((f) => f.module).sort()).toEqual(Object.keys(PROBES).sort());
  });

  test.each(Object.entries(PROBES))(
    '%s boots with its own environment and answers',
    async (module, probe) => {
      const fn = rt.functions.functions.find((f) => f.module === module);
      if (!fn) throw new Error(`${module} is not a function of the template`);
      const invocation = rt.functions.invoke(fn.logicalId, probe.event);
      if (probe.error) {
        await expect(invocation).rejects.toMatchObject({ name: probe.error });
      } else {
        probe.expect(await invocation);
      }
    },
  );
});

describe('isolation', () => {
  test('a function is given only its template variables: without TABLE_NAME it fails at load, as in AWS', async () => {
    // This process has TABLE_NAME set (the runtime's own repositories use it): a function does not inherit it.
    expect(process.env.TABLE_NAME).toBeDefined();
    const lifecycle = synthesizeLifecycle();
    const template = JSON.parse(JSON.stringify(lifecycle.template)) as LocalLambdaOptions['template'];
    const options: LocalLambdaOptions = {
      template,
      stackName: lifecycle.stackName,
      refs: {},
      runtimeEnvironment: {},
    };
    const progress = templateFunctions(options).find((f) => f.module === 'functions/tasks/progress.ts');
    if (!progress) throw new Error('no progress function');
    const variables = (
      template.Resources[progress.logicalId]?.Properties?.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    delete variables.TABLE_NAME;
    const lambda = new LocalLambda(options);
    try {
      await expect(
        lambda.invoke(progress.logicalId, { companyId: 'cnone', execution: { name: 'x', startedAt: 'x' } }),
      ).rejects.toThrow(/environment variable TABLE_NAME is not set/);
    } finally {
      await lambda.close();
    }
  });

  test("the environments are the template's, resolved locally: no placeholder, no unresolved reference", () => {
    for (const fn of rt.functions.functions) {
      for (const [name, value] of Object.entries(fn.environment)) {
        expect({ fn: fn.module, name, value }).not.toEqual(
          expect.objectContaining({
            value: expect.stringMatching(/example\.invalid|execute-api|\{"Ref"|Fn::/),
          }),
        );
      }
    }
    const ops = rt.functions.functions.find((f) => f.module === 'functions/api/ops.ts');
    expect(ops?.environment.PUBLIC_API_URL?.replace(/\/$/, '')).toBe(rt.apiUrl);
    const progress = rt.functions.functions.find((f) => f.module === 'functions/tasks/progress.ts');
    expect(progress?.environment.PUBLIC_API_URL?.replace(/\/$/, '')).toBe(rt.apiUrl);
    const openapi = rt.functions.functions.find((f) => f.module === 'functions/api/openapi.ts');
    expect(Object.keys(openapi?.environment ?? {}).sort()).toEqual(
      ['NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME'].sort(),
    );
  });
});

describe('IAM on DynamoDB, as in AWS', () => {
  test("the functions' DynamoDB requests were checked against their own roles, and none was refused", () => {
    const progress = rt.functions.functions.find((f) => f.module === 'functions/tasks/progress.ts');
    // The progress probe above read a company that does not exist: through the IAM proxy, as that function.
    expect(rt.accessChecked.get(progress?.logicalId ?? '')).toBeGreaterThan(0);
    expect(rt.accessDenied).toEqual([]);
  });
});
