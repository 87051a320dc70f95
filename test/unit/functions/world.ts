/**
 * A small in-memory stand-in for the AWS services the adapters call, wired into aws-sdk-client-mock stubs of
 * the DynamoDB DocumentClient, SESv2 and Step Functions. The table evaluates the few expressions the
 * repository writes (SET/REMOVE/ADD with list_append/if_not_exists; conditions `attribute_not_exists(PK)`,
 * `<attribute> = :value` and a notification claim's lease, anything else throws) so conditional writes fail the way DynamoDB fails them; `before()` injects a concurrent writer or a service error into the
 * next matching call. Every call is appended to `journal`, in order, across the three clients.
 */
import './setup-env';
import 'aws-sdk-client-mock-jest';
import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import {
  SendEmailCommand,
  SESv2Client,
  TooManyRequestsException,
  type SendEmailCommandInput,
} from '@aws-sdk/client-sesv2';
import { SendTaskSuccessCommand, SFNClient, type SendTaskSuccessCommandInput } from '@aws-sdk/client-sfn';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DeleteCommandInput,
  type GetCommandInput,
  type PutCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { decide, type Actor, type Command, type Company, type Plan } from '../../../domain';
import type { PendingTask } from '../../../functions/lib/repositories/company-items';

export const ddb = mockClient(DynamoDBDocumentClient);
export const ses = mockClient(SESv2Client);
export const sfn = mockClient(SFNClient);
export const kms = mockClient(KMSClient);

/** What the KMS stand-in of these tests makes of a sealed task token (reversible, never the token itself). */
export const sealedForm = (token: string, companyId: string): string =>
  Buffer.from(`sealed|${companyId}|${token}`, 'utf8').toString('base64');

export type Item = Record<string, unknown>;
type Key = Record<string, unknown>;

export type Operation = 'Get' | 'Put' | 'Update' | 'Delete' | 'SendEmail' | 'SendTaskSuccess';

/** A hook run before a matching call: it may change the table (a concurrent writer) or throw (a service error). */
type Hook = { op: Operation; run: (input: unknown) => void; times: number };

export interface StoredItem {
  record: Company;
  version: number;
  pendingTask?: PendingTask;
}

export interface SentEmail {
  to: string;
  from: string | undefined;
  subject: string;
  text: string;
  html: string;
  tags: Record<string, string>;
  configurationSet: string | undefined;
}

export const conditionFailed = (): ConditionalCheckFailedException =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

export const throughputExceeded = (): ProvisionedThroughputExceededException =>
  new ProvisionedThroughputExceededException({
    message: 'Rate of requests exceeds the allowed throughput',
    $metadata: {},
  });

export const sesThrottled = (): TooManyRequestsException =>
  new TooManyRequestsException({ message: 'Maximum sending rate exceeded.', $metadata: {} });

export const profileKey = (companyId: string): string => `COMPANY#${companyId}|PROFILE`;
const keyString = (key: Key | undefined): string => `${String(key?.PK)}|${String(key?.SK)}`;

/** Splits a clause on the commas outside parentheses. */
function splitTopLevel(clause: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of clause) {
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** An update operand: `:value`, an attribute name, `if_not_exists(name, operand)` or `list_append(a, b)`. */
function evaluate(
  expr: string,
  item: Item,
  names: Record<string, string>,
  values: Record<string, unknown>,
): unknown {
  const call = /^(\w+)\((.*)\)$/.exec(expr);
  if (call) {
    const [a = '', b = ''] = splitTopLevel(call[2] ?? '');
    if (call[1] === 'if_not_exists') {
      const existing = item[names[a] ?? a];
      return existing !== undefined ? existing : evaluate(b, item, names, values);
    }
    if (call[1] === 'list_append') {
      return [
        ...(evaluate(a, item, names, values) as unknown[]),
        ...(evaluate(b, item, names, values) as unknown[]),
      ];
    }
    throw new Error(`the fake table does not evaluate ${call[1]}()`);
  }
  if (expr.startsWith(':')) {
    if (!(expr in values)) throw new Error(`no value for ${expr}`);
    return values[expr];
  }
  return item[names[expr] ?? expr];
}

export class World {
  readonly items = new Map<string, Item>();
  readonly journal: string[] = [];
  readonly emails: SentEmail[] = [];
  readonly taskSuccesses: { taskToken: string; output: Plan }[] = [];
  private hooks: Hook[] = [];
  private messages = 0;

  /** Resets the three stubs and routes their commands to this world. */
  install(): this {
    ddb.reset();
    ses.reset();
    sfn.reset();
    kms.reset();
    // KMS: sealing is reversible under the encryption context's company only.
    kms
      .on(EncryptCommand)
      .callsFake((input: { Plaintext: Uint8Array; EncryptionContext: Record<string, string> }) => ({
        CiphertextBlob: Buffer.from(
          `sealed|${input.EncryptionContext.companyId}|${Buffer.from(input.Plaintext).toString('utf8')}`,
          'utf8',
        ),
      }));
    kms
      .on(DecryptCommand)
      .callsFake((input: { CiphertextBlob: Uint8Array; EncryptionContext: Record<string, string> }) => {
        const [tag, companyId, ...rest] = Buffer.from(input.CiphertextBlob).toString('utf8').split('|');
        if (tag !== 'sealed' || companyId !== input.EncryptionContext.companyId) {
          throw Object.assign(new Error('invalid ciphertext'), { name: 'InvalidCiphertextException' });
        }
        return { Plaintext: Buffer.from(rest.join('|'), 'utf8') };
      });
    ddb
      .on(GetCommand)
      .callsFake((input: GetCommandInput) =>
        this.call('Get', keyString(input.Key), input, () => this.get(input)),
      );
    ddb
      .on(PutCommand)
      .callsFake((input: PutCommandInput) =>
        this.call('Put', keyString(input.Item), input, () => this.put(input)),
      );
    ddb
      .on(UpdateCommand)
      .callsFake((input: UpdateCommandInput) =>
        this.call('Update', keyString(input.Key), input, () => this.update(input)),
      );
    ddb
      .on(DeleteCommand)
      .callsFake((input: DeleteCommandInput) =>
        this.call('Delete', keyString(input.Key), input, () => this.delete(input)),
      );
    ses
      .on(SendEmailCommand)
      .callsFake((input: SendEmailCommandInput) =>
        this.call('SendEmail', input.Destination?.ToAddresses?.join(',') ?? '', input, () =>
          this.sendEmail(input),
        ),
      );
    sfn
      .on(SendTaskSuccessCommand)
      .callsFake((input: SendTaskSuccessCommandInput) =>
        this.call('SendTaskSuccess', '', input, () => this.sendTaskSuccess(input)),
      );
    return this;
  }

  /** Runs `run` before the next `times` calls of `op` (then forgets it). */
  before(op: Operation, run: (input: unknown) => void, times = 1): this {
    this.hooks.push({ op, run, times });
    return this;
  }

  /** The next `times` calls of `op` fail with `error()` (the call does not happen). */
  fail(op: Operation, error: () => Error, times = 1): this {
    return this.before(
      op,
      () => {
        throw error();
      },
      times,
    );
  }

  // --- the company item ------------------------------------------------------------------------------

  putCompany(record: Company, version = 1, pendingTask?: PendingTask): this {
    this.items.set(profileKey(record.companyId), {
      PK: `COMPANY#${record.companyId}`,
      SK: 'PROFILE',
      record: structuredClone(record),
      version,
      ...(pendingTask ? { pendingTask } : {}),
    });
    return this;
  }

  stored(companyId: string): StoredItem {
    const item = this.items.get(profileKey(companyId));
    if (!item) throw new Error(`no company ${companyId} in the fake table`);
    return structuredClone(item) as unknown as StoredItem;
  }

  /** A concurrent writer (the API) applies `command` to the stored record and bumps its version. */
  writeConcurrently(companyId: string, command: Command, now: string, by: Actor = 'company'): void {
    const item = this.items.get(profileKey(companyId));
    if (!item) throw new Error(`no company ${companyId} in the fake table`);
    const decision = decide(item.record as Company, command, { now, by });
    item.record = decision.company;
    item.version = (item.version as number) + 1;
  }

  has(pk: string, sk: string): boolean {
    return this.items.has(`${pk}|${sk}`);
  }

  item(pk: string, sk: string): Item | undefined {
    return this.items.get(`${pk}|${sk}`);
  }

  /** Journal entries of one operation, e.g. `ops('Update')`. */
  ops(op: Operation): string[] {
    return this.journal.filter((entry) => entry === op || entry.startsWith(`${op} `));
  }

  // --- the calls -------------------------------------------------------------------------------------

  private call<T>(op: Operation, label: string, input: unknown, run: () => T): T {
    this.journal.push(label ? `${op} ${label}` : op);
    const hook = this.hooks.find((h) => h.op === op);
    if (hook) {
      hook.times -= 1;
      if (hook.times <= 0) this.hooks = this.hooks.filter((h) => h !== hook);
      hook.run(input);
    }
    return run();
  }

  private get(input: GetCommandInput) {
    const item = this.items.get(keyString(input.Key));
    return { Item: item ? structuredClone(item) : undefined };
  }

  private put(input: PutCommandInput) {
    const key = keyString(input.Item);
    this.check(
      input.ConditionExpression,
      this.items.get(key),
      input.ExpressionAttributeNames,
      input.ExpressionAttributeValues ?? {},
    );
    this.items.set(key, structuredClone(input.Item ?? {}));
    return {};
  }

  private delete(input: DeleteCommandInput) {
    const key = keyString(input.Key);
    this.check(
      input.ConditionExpression,
      this.items.get(key),
      input.ExpressionAttributeNames,
      input.ExpressionAttributeValues ?? {},
    );
    this.items.delete(key);
    return {};
  }

  private update(input: UpdateCommandInput) {
    const key = keyString(input.Key);
    const names = input.ExpressionAttributeNames ?? {};
    const values: Record<string, unknown> = input.ExpressionAttributeValues ?? {};
    const existing = this.items.get(key);
    this.check(input.ConditionExpression, existing, names, values);
    const item: Item = structuredClone(existing ?? { ...input.Key });
    const updated: Item = {};
    const clauses = (input.UpdateExpression ?? '').split(/\b(SET|REMOVE|ADD)\s+/).slice(1);
    const operand = (expr: string): unknown => evaluate(expr.trim(), item, names, values);
    for (let i = 0; i < clauses.length; i += 2) {
      const action = clauses[i];
      for (const part of splitTopLevel(clauses[i + 1] ?? '')) {
        if (action === 'SET') {
          const eq = part.indexOf('=');
          const lhs = part.slice(0, eq).trim();
          const name = names[lhs] ?? lhs;
          item[name] = structuredClone(operand(part.slice(eq + 1)));
          updated[name] = item[name];
        } else if (action === 'REMOVE') {
          delete item[names[part] ?? part];
        } else {
          const [lhs = '', rhs = ''] = part.split(/\s+/);
          const name = names[lhs] ?? lhs;
          item[name] = ((item[name] as number | undefined) ?? 0) + (operand(rhs) as number);
          updated[name] = item[name];
        }
      }
    }
    this.items.set(key, item);
    if (input.ReturnValues === 'ALL_NEW') return { Attributes: structuredClone(item) };
    if (input.ReturnValues === 'UPDATED_NEW') return { Attributes: structuredClone(updated) };
    return {};
  }

  private sendEmail(input: SendEmailCommandInput) {
    const to = input.Destination?.ToAddresses?.[0] ?? '';
    const simple = input.Content?.Simple;
    this.emails.push({
      to,
      from: input.FromEmailAddress,
      subject: simple?.Subject?.Data ?? '',
      text: simple?.Body?.Text?.Data ?? '',
      html: simple?.Body?.Html?.Data ?? '',
      tags: Object.fromEntries((input.EmailTags ?? []).map((t) => [t.Name ?? '', t.Value ?? ''])),
      configurationSet: input.ConfigurationSetName,
    });
    this.messages += 1;
    return { MessageId: `message-${this.messages}` };
  }

  private sendTaskSuccess(input: SendTaskSuccessCommandInput) {
    this.taskSuccesses.push({
      taskToken: input.taskToken ?? '',
      output: JSON.parse(input.output ?? 'null') as Plan,
    });
    return {};
  }

  /** The conditions the repository writes; anything else is a test-harness error, not a silent pass. */
  private check(
    condition: string | undefined,
    item: Item | undefined,
    names: Record<string, string> | undefined,
    values: Record<string, unknown>,
  ): void {
    if (!condition) return;
    if (condition === 'attribute_not_exists(PK)') {
      if (item) throw conditionFailed();
      return;
    }
    // A notification claim with a lease: free, or unsent and claimed before the given time.
    const lease = /^attribute_not_exists\(PK\) OR \(attribute_not_exists\((\w+)\) AND (\w+) < (:\w+)\)$/.exec(
      condition,
    );
    if (lease) {
      const [, sent = '', claimed = '', before = ''] = lease;
      const claimedAt = item?.[claimed];
      const free =
        !item ||
        (item[sent] === undefined && typeof claimedAt === 'number' && claimedAt < (values[before] as number));
      if (!free) throw conditionFailed();
      return;
    }
    const equality = /^(#?\w+) = (:\w+)$/.exec(condition);
    if (equality) {
      const name = names?.[equality[1] ?? ''] ?? equality[1] ?? '';
      if (!item || item[name] !== values[equality[2] ?? '']) throw conditionFailed();
      return;
    }
    throw new Error(`the fake table does not evaluate the condition "${condition}"`);
  }
}
