import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * The partition-key prefixes of the single table, for `dynamodb:LeadingKeys` conditions: each function may touch
 * the items of the kinds it works on, and no other (an API function cannot overwrite a key item it does not
 * issue, a task cannot touch keys at all).
 */
export const ITEM_KINDS = {
  company: 'COMPANY#*',
  legalName: 'LEGALNAME#*',
  apiKey: 'APIKEY#*',
  keyHolder: 'KEYHOLDER#*',
  email: 'EMAIL#*',
  signIn: 'SIGNIN#*',
  signInLimit: 'SIGNINLIMIT#*',
  signUpLimit: 'SIGNUPLIMIT#*',
  session: 'SESSION#*',
  idempotency: 'IDEMPOTENCY',
  certificateSequence: 'SEQUENCE#CERTIFICATE#*',
} as const;

export type ItemKind = keyof typeof ITEM_KINDS;

/** Item-level `actions` on the table, limited to items whose partition key is of one of `kinds`. */
export function tableItemAccess(
  table: dynamodb.ITableV2,
  actions: readonly ('GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem')[],
  kinds: readonly ItemKind[],
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: actions.map((a) => `dynamodb:${a}`),
    resources: [table.tableArn],
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': kinds.map((k) => ITEM_KINDS[k]) } },
  });
}
