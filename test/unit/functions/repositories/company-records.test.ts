import { World, ddb, throughputExceeded } from '../world';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CompanyRepository } from '../../../../functions/lib/repositories/company';
import type { PendingTask } from '../../../../functions/lib/repositories/company-items';
import { at, COMPANY_ID, Story } from '../companies';
import { ENV } from '../setup-env';

let world: World;
let repo: CompanyRepository;
beforeEach(() => {
  world = new World().install();
  repo = new CompanyRepository();
});

describe('CompanyRepository task tokens, notification claims, certificates', () => {
  const task: PendingTask = {
    token: 'tok-1',
    executionName: 'co-1-c1-REGISTRATION',
    executionStartedAt: at('2027-01-10'),
    iteration: 0,
    storedAt: at('2027-01-10'),
  };

  test('storeTaskToken: true when the version matches, false (not an error) when it does not', async () => {
    world.putCompany(Story.registered().company, 2);

    await expect(repo.storeTaskToken(COMPANY_ID, 1, task)).resolves.toBe(false);
    expect(world.stored(COMPANY_ID).pendingTask).toBeUndefined();
    await expect(repo.storeTaskToken(COMPANY_ID, 2, task)).resolves.toBe(true);
    expect(world.stored(COMPANY_ID).pendingTask).toEqual(task);
  });

  test('storeTaskToken: other errors propagate', async () => {
    ddb.on(UpdateCommand).rejects(throughputExceeded());
    await expect(repo.storeTaskToken(COMPANY_ID, 1, task)).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
  });

  test('claimNotification: the first claim wins, the second is refused; release frees it', async () => {
    await expect(repo.claimNotification(COMPANY_ID, 'EVENT|0|contact', 1_900_000_000)).resolves.toBe(true);
    await expect(repo.claimNotification(COMPANY_ID, 'EVENT|0|contact', 1_900_000_000)).resolves.toBe(false);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: ENV.TABLE_NAME,
      Item: { PK: 'COMPANY#co-1', SK: 'NOTICE#EVENT|0|contact', expiresAt: 1_900_000_000 },
      ConditionExpression: 'attribute_not_exists(PK)',
    });

    await repo.releaseNotification(COMPANY_ID, 'EVENT|0|contact');
    expect(ddb).toHaveReceivedCommandWith(DeleteCommand, {
      TableName: ENV.TABLE_NAME,
      Key: { PK: 'COMPANY#co-1', SK: 'NOTICE#EVENT|0|contact' },
    });
    await expect(repo.claimNotification(COMPANY_ID, 'EVENT|0|contact', 1_900_000_000)).resolves.toBe(true);
  });

  test('claimNotification: errors other than the condition propagate (the email is not sent unclaimed)', async () => {
    ddb.on(PutCommand).rejects(throughputExceeded());
    await expect(repo.claimNotification(COMPANY_ID, 'EVENT|0|contact', 1)).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
  });

  test('putCertificate: the public lookup item, unconditional (idempotent)', async () => {
    const certificate = Story.certified().company.certificate;
    if (!certificate) throw new Error('expected a certificate');

    await repo.putCertificate(COMPANY_ID, certificate);
    await repo.putCertificate(COMPANY_ID, certificate);

    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 2);
    const input = ddb.commandCalls(PutCommand)[0]?.args[0].input;
    expect(input).toEqual({
      TableName: ENV.TABLE_NAME,
      Item: {
        PK: 'COMPANY#co-1',
        SK: 'CERT#SECOR-AB-2027-000007',
        certificateNumber: 'SECOR-AB-2027-000007',
        companyId: COMPANY_ID,
        issuedOn: '2027-06-01',
        expiresOn: '2030-06-01',
      },
    });
  });

  test('nextCertificateSequence: an atomic counter per region, returning the new value', async () => {
    await expect(repo.nextCertificateSequence('AB')).resolves.toBe(1);
    await expect(repo.nextCertificateSequence('AB')).resolves.toBe(2);
    await expect(repo.nextCertificateSequence('BC')).resolves.toBe(1);
    await expect(repo.nextCertificateSequence('AB')).resolves.toBe(3);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: ENV.TABLE_NAME,
      Key: { PK: 'SEQUENCE#CERTIFICATE#AB', SK: 'COUNTER' },
      UpdateExpression: 'ADD #value :one',
      ExpressionAttributeNames: { '#value': 'value' },
      ExpressionAttributeValues: { ':one': 1 },
      ReturnValues: 'UPDATED_NEW',
    });
  });

  test('nextCertificateSequence returns the counter DynamoDB reports', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { value: 41 } });
    await expect(repo.nextCertificateSequence('SK')).resolves.toBe(41);
  });
});

describe('CompanyRepository notification claims with a lease', () => {
  const KEY = 'EVENT|0|contact';
  const ITEM = 'COMPANY#co-1|NOTICE#EVENT|0|contact';
  const NOW = Date.parse('2027-01-10T10:00:00.000Z');
  const LEASE = { now: NOW, ms: 120_000, owner: 'attempt-1' };

  test('the claim records claimedAt, conditional on no claim, or an unsent one whose lease ran out', async () => {
    await expect(repo.claimNotification(COMPANY_ID, KEY, 1_900_000_000, LEASE)).resolves.toBe(true);

    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: ENV.TABLE_NAME,
      Item: {
        PK: 'COMPANY#co-1',
        SK: `NOTICE#${KEY}`,
        expiresAt: 1_900_000_000,
        claimedAt: NOW,
        owner: 'attempt-1',
      },
      ConditionExpression:
        'attribute_not_exists(PK) OR (attribute_not_exists(sentAt) AND claimedAt < :staleBefore)',
      ExpressionAttributeValues: { ':staleBefore': NOW - 120_000 },
    });
    await expect(repo.notificationClaim(COMPANY_ID, KEY)).resolves.toEqual({
      claimedAt: NOW,
      owner: 'attempt-1',
    });
  });

  test('an unsent claim is refused within its lease and taken over after it', async () => {
    await repo.claimNotification(COMPANY_ID, KEY, 1, LEASE);

    const within = { now: NOW + 120_000, ms: 120_000, owner: 'attempt-2' };
    await expect(repo.claimNotification(COMPANY_ID, KEY, 1, within)).resolves.toBe(false);
    const after = { now: NOW + 120_001, ms: 120_000, owner: 'attempt-3' };
    await expect(repo.claimNotification(COMPANY_ID, KEY, 1, after)).resolves.toBe(true);
    expect(world.items.get(ITEM)).toMatchObject({ claimedAt: NOW + 120_001 });
  });

  test('a claim marked sent is never taken over; the mark keeps the expiry', async () => {
    await repo.claimNotification(COMPANY_ID, KEY, 1_900_000_000, LEASE);

    await repo.markNotificationSent(COMPANY_ID, KEY, NOW + 300, 1_900_000_000);

    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: ENV.TABLE_NAME,
      Key: { PK: 'COMPANY#co-1', SK: `NOTICE#${KEY}` },
      UpdateExpression: 'SET sentAt = :sentAt, expiresAt = :expiresAt',
      ExpressionAttributeValues: { ':sentAt': NOW + 300, ':expiresAt': 1_900_000_000 },
    });
    await expect(repo.notificationClaim(COMPANY_ID, KEY)).resolves.toEqual({
      claimedAt: NOW,
      sentAt: NOW + 300,
      owner: 'attempt-1',
    });
    const muchLater = { now: NOW + 365 * 86_400_000, ms: 120_000, owner: 'attempt-4' };
    await expect(repo.claimNotification(COMPANY_ID, KEY, 1, muchLater)).resolves.toBe(false);
  });

  test('notificationClaim: a consistent read; null without a claim, {} for a claim from before leases', async () => {
    await expect(repo.notificationClaim(COMPANY_ID, KEY)).resolves.toBeNull();
    expect(ddb).toHaveReceivedCommandWith(GetCommand, {
      TableName: ENV.TABLE_NAME,
      Key: { PK: 'COMPANY#co-1', SK: `NOTICE#${KEY}` },
      ConsistentRead: true,
    });
    await repo.claimNotification(COMPANY_ID, KEY, 1);
    await expect(repo.notificationClaim(COMPANY_ID, KEY)).resolves.toEqual({});
  });

  test('errors other than the condition propagate', async () => {
    ddb.on(PutCommand).rejects(throughputExceeded());
    await expect(repo.claimNotification(COMPANY_ID, KEY, 1, LEASE)).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
  });
});
