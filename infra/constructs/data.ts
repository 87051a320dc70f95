import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { INDEXES, type IndexSchema, TABLE_KEYS } from '../table-schema';

export interface DataProps {
  /** Keep the table when the stack is deleted (default true). */
  retain?: boolean;
}

/** One DynamoDB table, single-table design: companies, their history, certificates, keys, counters. */
export class Data extends Construct {
  readonly table: dynamodb.TableV2;
  /** Seals the workflow's task tokens stored on company records (functions/lib/secrets.ts). */
  readonly taskTokenKey: kms.Key;

  constructor(scope: Construct, id: string, props: DataProps = {}) {
    super(scope, id);
    const retain = props.retain ?? true;
    this.taskTokenKey = new kms.Key(this, 'TaskTokenKey', {
      description: 'SECOR Lifecycle: seals workflow task tokens stored on company records',
      enableKeyRotation: true,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const attr = (name: string) => ({ name, type: dynamodb.AttributeType.STRING });
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: attr(TABLE_KEYS.partitionKey),
      sortKey: attr(TABLE_KEYS.sortKey),
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: retain,
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      timeToLiveAttribute: 'expiresAt',
      // The outbox: the signalling function reads the company items' pending signals from the stream.
      dynamoStream: dynamodb.StreamViewType.NEW_IMAGE,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      globalSecondaryIndexes: Object.values(INDEXES).map((i: IndexSchema) => ({
        indexName: i.indexName,
        partitionKey: attr(i.partitionKey),
        ...(i.sortKey ? { sortKey: attr(i.sortKey) } : {}),
        projectionType: dynamodb.ProjectionType.INCLUDE,
        nonKeyAttributes: i.include,
      })),
    });
  }
}
