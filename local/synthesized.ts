/**
 * The synthesized stack, as the local runtime and the workflow tests use it: the CloudFormation template from
 * `cdk synth` (in-process, without bundling), the state machine definition with its tokens resolved to local
 * ARNs, and which handler module each Lambda function runs. One source of truth: infra/.
 */
import { App } from 'aws-cdk-lib';
import { buildApp } from '../infra/app';

export const LOCAL_REGION = 'ca-central-1';
export const LOCAL_ACCOUNT = '000000000000';

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Parameters?: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
}

export type StateDefinition = Record<string, unknown> & { Type: string; Next?: string; End?: boolean };
export interface AslDefinition {
  StartAt: string;
  States: Record<string, StateDefinition>;
  Comment?: string;
  TimeoutSeconds?: number;
}

export interface SynthesizedLifecycle {
  template: CfnTemplate;
  stackName: string;
  stateMachineName: string;
  stateMachineArn: string;
  definition: AslDefinition;
  /** Lambda function ARN (local) → handler module path relative to the repository root. */
  handlers: Record<string, string>;
}

let cached: SynthesizedLifecycle | undefined;

/** Synthesizes the stack in-process (no asset bundling) and extracts the lifecycle. Cached per process. */
export function synthesizeLifecycle(): SynthesizedLifecycle {
  if (cached) return cached;
  const { app, stack } = buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } }));
  const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
  cached = extractLifecycle(template, stack.stackName);
  return cached;
}

function lambdaArn(logicalId: string): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${logicalId}`;
}

/** Resolves the CloudFormation intrinsics this template uses (Fn::Join, Fn::GetAtt, Ref of pseudo params). */
export function resolveIntrinsics(value: unknown, template: CfnTemplate, stackName: string): unknown {
  if (typeof value === 'string' || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, template, stackName));
  const obj = value as Record<string, unknown>;
  if ('Fn::Join' in obj) {
    const [sep, parts] = obj['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => resolveIntrinsics(p, template, stackName)).join(sep);
  }
  if ('Ref' in obj) {
    const ref = obj.Ref as string;
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': LOCAL_REGION,
      'AWS::AccountId': LOCAL_ACCOUNT,
      'AWS::StackName': stackName,
      'AWS::URLSuffix': 'amazonaws.com',
    };
    if (ref in pseudo) return pseudo[ref];
    return ref; // a resource's Ref: its logical id stands in for its name
  }
  if ('Fn::GetAtt' in obj) {
    const [id, attr] = obj['Fn::GetAtt'] as [string, string];
    const resource = template.Resources[id];
    if (resource?.Type === 'AWS::Lambda::Function' && attr === 'Arn') return lambdaArn(id);
    return `${id}.${attr}`;
  }
  return Object.fromEntries(
    Object.entries(obj).map(([k, v]) => [k, resolveIntrinsics(v, template, stackName)]),
  );
}

export function extractLifecycle(template: CfnTemplate, stackName: string): SynthesizedLifecycle {
  const machines = Object.entries(template.Resources).filter(
    ([, r]) => r.Type === 'AWS::StepFunctions::StateMachine',
  );
  if (machines.length !== 1)
    throw new Error(`expected one state machine in the template, found ${machines.length}`);
  const [, machine] = machines[0] as [string, CfnResource];
  const props = machine.Properties as Record<string, unknown>;
  const definitionString = resolveIntrinsics(props.DefinitionString, template, stackName) as string;
  const stateMachineName = resolveIntrinsics(props.StateMachineName, template, stackName) as string;
  const handlers: Record<string, string> = {};
  for (const [id, r] of Object.entries(template.Resources)) {
    const entry = r.Metadata?.['secor:handler'];
    if (r.Type === 'AWS::Lambda::Function' && typeof entry === 'string') handlers[lambdaArn(id)] = entry;
  }
  return {
    template,
    stackName,
    stateMachineName,
    stateMachineArn: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${stateMachineName}`,
    definition: JSON.parse(definitionString) as AslDefinition,
    handlers,
  };
}

/** The Lambda function ARN a Task state invokes (direct ARN, or `lambda:invoke` integrations' FunctionName). */
export function taskFunctionArn(state: StateDefinition): string | null {
  const resource = state.Resource as string | undefined;
  if (!resource) return null;
  if (resource.startsWith('arn:aws:lambda:')) return resource;
  if (resource.startsWith('arn:aws:states:::lambda:invoke')) {
    const params = state.Parameters as Record<string, unknown> | undefined;
    return (params?.FunctionName as string | undefined) ?? null;
  }
  return null;
}
