/**
 * Shared helpers of the infra tests: one in-process synthesis of the real app (no asset bundling), and small
 * readers for the CloudFormation template (intrinsics rendered to strings, IAM statements of a role).
 */
import { App, type CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { buildApp } from '../../infra/app';
import type { SecorStack } from '../../infra/stack';

/** Synthesis takes several seconds: hooks that synthesize get this timeout. */
export const SYNTH_TIMEOUT_MS = 60_000;

export interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  DependsOn?: string[];
}

export interface SynthesizedStack {
  app: App;
  stack: SecorStack;
  /** The app's cloud assembly (synthesized once; Template.fromStack reuses it). */
  assembly: CloudAssembly;
  template: Template;
  resources: Record<string, Resource>;
}

/** `buildApp` as `cdk synth` runs it (cdk-nag plugin included), without bundling the Lambda code. */
export function synthesizeStack(): SynthesizedStack {
  const { app, stack } = buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } }));
  const assembly = app.synth();
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, Resource>;
  return { app, stack, assembly, template, resources };
}

/** The logical id of an L2 construct's CloudFormation resource. */
export function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnResource);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Renders a CloudFormation value to a string: `Ref` → `${Name}`, `Fn::GetAtt` → `${Id.Attr}`, `Fn::Join`
 * joined; anything else as JSON. Enough to compare ARNs the template builds.
 */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isRecord(value)) {
    if (typeof value.Ref === 'string') return `\${${value.Ref}}`;
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `\${${getAtt.join('.')}}`;
    const join = value['Fn::Join'];
    if (Array.isArray(join)) {
      const [separator, parts] = join as [string, unknown[]];
      return parts.map(render).join(separator);
    }
  }
  return JSON.stringify(value);
}

/** `{ "Ref": id }` or `{ "Fn::GetAtt": [id, attr] }` → id. */
export function referencedId(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  if (typeof value.Ref === 'string') return value.Ref;
  const getAtt = value['Fn::GetAtt'];
  return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Principal?: unknown;
}

interface PolicyDocument {
  Statement: Statement[];
}

export const actionsOf = (s: Statement): string[] => (s.Action === undefined ? [] : [s.Action].flat());
export const resourcesOf = (s: Statement): unknown[] =>
  s.Resource === undefined ? [] : Array.isArray(s.Resource) ? s.Resource : [s.Resource];
export const serviceOf = (action: string): string => action.split(':')[0] ?? action;

/** Every statement that applies to a role: its inline policies and the AWS::IAM::Policy resources attached. */
export function roleStatements(resources: Record<string, Resource>, roleId: string): Statement[] {
  const role = resources[roleId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not an IAM role`);
  const inline = (
    (role.Properties.Policies as { PolicyDocument: PolicyDocument }[] | undefined) ?? []
  ).flatMap((p) => p.PolicyDocument.Statement);
  const attached = Object.values(resources)
    .filter(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        ((r.Properties.Roles as unknown[] | undefined) ?? []).some((ref) => referencedId(ref) === roleId),
    )
    .flatMap((r) => (r.Properties.PolicyDocument as PolicyDocument).Statement);
  return [...inline, ...attached];
}

/** Customer managed policies (AWS::IAM::ManagedPolicy) attached to a role. */
export function managedPoliciesOf(resources: Record<string, Resource>, roleId: string): string[] {
  return Object.entries(resources)
    .filter(
      ([, r]) =>
        r.Type === 'AWS::IAM::ManagedPolicy' &&
        ((r.Properties.Roles as unknown[] | undefined) ?? []).some((ref) => referencedId(ref) === roleId),
    )
    .map(([id]) => id);
}

export interface AcknowledgementRecord {
  /** Construct path the acknowledgement was made on. */
  path: string;
  id: string;
  reason: string;
}

/** Every `Validations.of(x).acknowledge(...)` in the tree, from the construct metadata it records. */
export function acknowledgementsIn(root: IConstruct): AcknowledgementRecord[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id,
          reason,
        })),
      ),
  );
}
