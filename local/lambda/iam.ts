/**
 * IAM for the local DynamoDB, as strict as AWS: each function of the template calls DynamoDB with its own
 * credentials (its logical id as the access key id, as Lambda gives each function its role's), through a proxy in
 * front of dynalite that allows a request only if the function's role, as synthesized, has a statement allowing
 * that action on that table or index, with its `dynamodb:LeadingKeys` condition met. Anything else is refused as
 * DynamoDB refuses it: 400 AccessDeniedException. A missing grant fails locally, not first in AWS.
 */
import { Agent, createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CfnTemplate } from '../synthesized';

const ACCOUNT = '000000000000';
const REGION = 'ca-central-1';

/** A DynamoDB statement of a role: actions, resources (ARNs, `*` globs) and its LeadingKeys patterns if any. */
export interface DynamoStatement {
  effect: 'Allow' | 'Deny';
  actions: string[];
  resources: string[];
  /** `ForAllValues:StringLike` on `dynamodb:LeadingKeys`; null: no condition; 'unsupported': another condition. */
  leadingKeys: string[] | null | 'unsupported';
}

export const tableArn = (name: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;

/** Resolves an IAM resource of the template to an ARN, with the table's local name; '?' if it cannot. */
function resolveArn(value: unknown, template: CfnTemplate, tableName: string): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return '?';
  if (typeof value !== 'object' || value === null) return '?';
  const v = value as Record<string, unknown>;
  if (Array.isArray(v['Fn::GetAtt'])) {
    const [id, attr] = v['Fn::GetAtt'] as [string, string];
    const type = template.Resources[id]?.Type;
    if (type === 'AWS::DynamoDB::GlobalTable' || type === 'AWS::DynamoDB::Table') {
      if (attr === 'Arn') return tableArn(tableName);
      if (attr === 'StreamArn') return `${tableArn(tableName)}/stream/local`;
    }
    return '?';
  }
  if (typeof v.Ref === 'string') {
    return { 'AWS::Partition': 'aws', 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT }[v.Ref] ?? '?';
  }
  if (Array.isArray(v['Fn::Join'])) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => resolveArn(p, template, tableName)).join(sep);
  }
  return '?';
}

const list = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** The DynamoDB statements of a function's role (its AWS::IAM::Policy resources and inline policies). */
export function dynamoStatementsOf(
  template: CfnTemplate,
  functionId: string,
  tableName: string,
): DynamoStatement[] {
  const role = (template.Resources[functionId]?.Properties?.Role as { 'Fn::GetAtt'?: [string, string] })?.[
    'Fn::GetAtt'
  ]?.[0];
  if (!role) return [];
  const documents: unknown[] = [];
  for (const r of Object.values(template.Resources)) {
    const roles = list(r.Properties?.Roles as unknown[] | undefined);
    if (r.Type === 'AWS::IAM::Policy' && roles.some((x) => (x as { Ref?: string }).Ref === role))
      documents.push(r.Properties?.PolicyDocument);
  }
  for (const p of list(template.Resources[role]?.Properties?.Policies as { PolicyDocument: unknown }[]))
    documents.push(p.PolicyDocument);
  const out: DynamoStatement[] = [];
  for (const doc of documents) {
    for (const st of list((doc as { Statement?: unknown }).Statement) as Record<string, unknown>[]) {
      const actions = list(st.Action as string | string[]).filter(
        (a) => a.startsWith('dynamodb:') || a === '*',
      );
      if (actions.length === 0) continue;
      const condition = st.Condition as Record<string, Record<string, unknown>> | undefined;
      let leadingKeys: DynamoStatement['leadingKeys'] = null;
      if (condition) {
        const like = condition['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
        const only =
          Object.keys(condition).length === 1 &&
          Object.keys(condition['ForAllValues:StringLike'] ?? {}).length === 1;
        leadingKeys = like !== undefined && only ? list(like as string | string[]) : 'unsupported';
      }
      out.push({
        effect: st.Effect === 'Deny' ? 'Deny' : 'Allow',
        actions,
        resources: list(st.Resource).map((r) => resolveArn(r, template, tableName)),
        leadingKeys,
      });
    }
  }
  return out;
}

const glob = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(value);

/** What a DynamoDB request asks for: its action, the ARN it is on, and the partition keys it touches. */
export interface DynamoRequest {
  action: string;
  resource: string;
  leadingKeys: string[];
}

const keyOf = (item: unknown): string | undefined => {
  const pk = (item as { PK?: { S?: string } } | undefined)?.PK;
  return typeof pk?.S === 'string' ? pk.S : undefined;
};

/** The request of an `X-Amz-Target: DynamoDB_20120810.<Operation>` call with this JSON body. */
export function dynamoRequestOf(target: string, body: Record<string, unknown>): DynamoRequest[] {
  const operation = target.replace(/^DynamoDB_\d+\./, '');
  const action = `dynamodb:${operation}`;
  const table = typeof body.TableName === 'string' ? body.TableName : '';
  const onTable = (name: string, index?: unknown) =>
    `${tableArn(name)}${typeof index === 'string' ? `/index/${index}` : ''}`;
  switch (operation) {
    case 'GetItem':
    case 'DeleteItem':
    case 'UpdateItem':
      return [{ action, resource: onTable(table), leadingKeys: list(keyOf(body.Key)) }];
    case 'PutItem':
      return [{ action, resource: onTable(table), leadingKeys: list(keyOf(body.Item)) }];
    case 'Query': {
      const names = (body.ExpressionAttributeNames ?? {}) as Record<string, string>;
      const values = (body.ExpressionAttributeValues ?? {}) as Record<string, { S?: string }>;
      const keys: string[] = [];
      for (const m of String(body.KeyConditionExpression ?? '').matchAll(/(#?[\w]+)\s*=\s*(:[\w]+)/g)) {
        const name = m[1]?.startsWith('#') ? names[m[1]] : m[1];
        const value = values[m[2] as string]?.S;
        if (name === 'PK' && value !== undefined) keys.push(value);
      }
      return [{ action, resource: onTable(table, body.IndexName), leadingKeys: keys }];
    }
    case 'BatchGetItem':
    case 'BatchWriteItem': {
      const requests = (body.RequestItems ?? {}) as Record<string, unknown>;
      return Object.entries(requests).map(([name, entries]) => ({
        action,
        resource: onTable(name),
        leadingKeys: (operation === 'BatchGetItem'
          ? list((entries as { Keys?: unknown[] }).Keys).map(keyOf)
          : list(entries as Record<string, { Item?: unknown; Key?: unknown }>[]).map((e) =>
              keyOf(e.PutRequest?.Item ?? e.DeleteRequest?.Key),
            )
        ).filter((k): k is string => k !== undefined),
      }));
    }
    default:
      return [{ action, resource: onTable(table, body.IndexName), leadingKeys: [] }];
  }
}

function matches(st: DynamoStatement, req: DynamoRequest): boolean {
  if (!st.actions.some((a) => glob(a, req.action))) return false;
  if (!st.resources.some((r) => glob(r, req.resource))) return false;
  if (st.leadingKeys === 'unsupported') return false;
  if (st.leadingKeys === null) return true;
  // ForAllValues: every partition key the request touches matches one pattern (a request without one does not
  // meet a LeadingKeys condition in practice: a Scan is refused).
  const patterns = st.leadingKeys;
  return req.leadingKeys.length > 0 && req.leadingKeys.every((k) => patterns.some((p) => glob(p, k)));
}

/** Whether the statements allow the request (an Allow matches it, no Deny does). */
export function allowed(statements: DynamoStatement[], req: DynamoRequest): boolean {
  const deny = statements.some((st) => st.effect === 'Deny' && matches(st, req));
  return !deny && statements.some((st) => st.effect === 'Allow' && matches(st, req));
}

export interface IamProxy {
  endpoint: string;
  /** Requests refused, by function (for tests and the runtime's log). */
  denied: { principal: string; action: string; resource: string; leadingKeys: string[] }[];
  /** Requests checked, by function. */
  checked: Map<string, number>;
  close(): Promise<void>;
}

/**
 * Starts the proxy in front of `upstream` (dynalite). `principals` maps an access key id to its statements; a
 * caller with another key (the runtime itself, the tests' harness) is not checked.
 */
export async function startIamProxy(
  upstream: string,
  principals: Map<string, DynamoStatement[]>,
  onDenied: (message: string) => void = () => undefined,
): Promise<IamProxy> {
  const target = new URL(upstream);
  // Connections to dynalite are kept and reused, as the SDK's own are.
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const denied: IamProxy['denied'] = [];
  const checked = new Map<string, number>();
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const principal = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
      const statements = principal ? principals.get(principal) : undefined;
      if (statements && principal) {
        checked.set(principal, (checked.get(principal) ?? 0) + 1);
        let parsed: Record<string, unknown> = {};
        try {
          parsed = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
        } catch {
          // dynalite answers the malformed body itself
        }
        const refused = dynamoRequestOf(String(req.headers['x-amz-target'] ?? ''), parsed).find(
          (r) => !allowed(statements, r),
        );
        if (refused) {
          denied.push({ principal, ...refused });
          const message =
            `User: arn:aws:sts::${ACCOUNT}:assumed-role/${principal}/${principal} is not authorized to perform: ` +
            `${refused.action} on resource: ${refused.resource} because no identity-based policy allows the ` +
            `${refused.action} action` +
            (refused.leadingKeys.length ? ` (partition keys ${refused.leadingKeys.join(', ')})` : '');
          onDenied(message);
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
          res.end(
            JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', Message: message }),
          );
          return;
        }
      }
      const forward = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent,
        },
        (up) => {
          res.writeHead(up.statusCode ?? 500, up.headers);
          up.pipe(res);
        },
      );
      forward.on('error', (e) => {
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(
          JSON.stringify({
            __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
            Message: String(e),
          }),
        );
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    denied,
    checked,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
