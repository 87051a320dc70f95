import { World, ddb, conditionFailed } from './world';
import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  CLAIM_TAKEOVER_MS,
  CompanyRepository,
  ConflictError,
  IndexRepository,
  KeyRepository,
  NotFoundError,
  companyKey,
  legalNameKey,
  normaliseLegalName,
  type PendingTask,
} from '../../../functions/lib/repository';
import { decide } from '../../../domain';
import { at, COMPANY_ID, Story, TRAINEE } from './companies';
import { ENV } from './setup-env';

const throughputExceeded = () =>
  new ProvisionedThroughputExceededException({
    message: 'Rate of requests exceeds the allowed throughput',
    $metadata: {},
  });

let world: World;
let repo: CompanyRepository;
beforeEach(() => {
  world = new World().install();
  repo = new CompanyRepository();
});

describe('normaliseLegalName: case, accents, punctuation and spacing do not make a name unique', () => {
  test.each([
    ['Acme  Roofing, Ltd.', 'acme roofing ltd'],
    ['ACME ROOFING LTD', 'Acme Roofing Ltd.'],
    ['  Acme-Roofing   Ltd ', 'acme roofing ltd'],
    ['Équipe Sécurité Inc.', 'equipe securite inc'],
    ['Ｆｕｌｌｗｉｄｔｈ Roofing', 'fullwidth roofing'],
  ])('%j is the same name as %j', (a, b) => {
    expect(normaliseLegalName(a)).toBe(normaliseLegalName(b));
  });

  test('the normal form', () => {
    expect(normaliseLegalName('Acme  Roofing, Ltd.')).toBe('acme roofing ltd');
    expect(normaliseLegalName('Sécurité & Fils (2027)')).toBe('securite fils 2027');
  });

  test.each([
    ['Acme Roofing Ltd', 'Acme Roofing Inc'],
    ['Acme Roofing', 'Acme Roofing 2'],
  ])('%j and %j stay different', (a, b) => {
    expect(normaliseLegalName(a)).not.toBe(normaliseLegalName(b));
  });
});

describe('CompanyRepository.create', () => {
  const NOW = Date.parse('2027-01-10T10:00:00.000Z');
  const CLAIM = `${legalNameKey('AB', 'acme roofing ltd')}|UNIQUE`;
  const apiKeyItem = { PK: 'APIKEY#hash-1', SK: 'KEY', role: 'company', companyId: 'co-2' };

  /** co-1 claimed the name at `claimedAt`; its company item exists only if `written`. */
  async function claimedBy(claimedAt: number, written: boolean) {
    const company = Story.registered().company;
    world.items.set(CLAIM, {
      PK: legalNameKey('AB', 'acme roofing ltd'),
      SK: 'UNIQUE',
      companyId: COMPANY_ID,
      claimedAt,
    });
    if (written) world.putCompany(company);
  }
  const twin = () =>
    Story.registered('2027-01-10', { legalName: 'ACME roofing, ltd', companyId: 'co-2' }).company;

  test('claims the name, writes the extra items, then the company item last; all conditional', async () => {
    const company = Story.registered('2027-01-10', { legalName: 'Acme  Roofing, Ltd.' }).company;
    const key = { PK: 'APIKEY#hash-1', SK: 'KEY', role: 'company', companyId: COMPANY_ID };

    const stored = await repo.create(company, [key], NOW);

    expect(stored).toEqual({ company, version: 1, pendingTask: null, executions: ['co-1-c1-REGISTRATION'] });
    expect(world.journal).toEqual([`Put ${CLAIM}`, 'Put APIKEY#hash-1|KEY', 'Put COMPANY#co-1|PROFILE']);
    const puts = ddb.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(puts[0]).toEqual({
      TableName: ENV.TABLE_NAME,
      Item: {
        PK: legalNameKey('AB', 'acme roofing ltd'),
        SK: 'UNIQUE',
        companyId: COMPANY_ID,
        claimedAt: NOW,
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    });
    expect(puts[1]).toEqual({
      TableName: ENV.TABLE_NAME,
      Item: key,
      ConditionExpression: 'attribute_not_exists(PK)',
    });
    expect(puts[2]).toMatchObject({
      TableName: ENV.TABLE_NAME,
      Item: {
        PK: 'COMPANY#co-1',
        SK: 'PROFILE',
        companyId: COMPANY_ID,
        legalName: 'Acme  Roofing, Ltd.',
        region: 'AB',
        phase: 'REGISTERED',
        nextStep: 'DESIGNATE_TRAINEE',
        nextDueOn: '2027-07-10',
        gsiPhase: 'REGISTERED',
        gsiDue: '2027-07-10#co-1',
        record: company,
        version: 1,
        executions: ['co-1-c1-REGISTRATION'],
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    });
    expect(await repo.load(COMPANY_ID)).toMatchObject({ company, version: 1, pendingTask: null });
  });

  test('the same name in the same region (written differently) is a ConflictError; nothing else is written', async () => {
    await repo.create(Story.registered().company, [], NOW);

    const attempt = repo.create(twin(), [apiKeyItem], NOW + 1_000);

    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    await expect(attempt).rejects.toThrow('a company named "ACME roofing, ltd" is already registered in AB');
    expect(world.has('COMPANY#co-2', 'PROFILE')).toBe(false);
    expect(world.has('APIKEY#hash-1', 'KEY')).toBe(false);
    expect(world.items.get(CLAIM)).toMatchObject({ companyId: COMPANY_ID, claimedAt: NOW });
  });

  test('the same name in another region is not a conflict', async () => {
    await repo.create(Story.registered().company, [], NOW);
    const bc = Story.registered('2027-01-10', { region: 'BC', companyId: 'co-2' }).company;

    await expect(repo.create(bc, [], NOW)).resolves.toMatchObject({ version: 1 });
    expect(world.items.get(`${legalNameKey('BC', 'acme roofing ltd')}|UNIQUE`)).toMatchObject({
      companyId: 'co-2',
    });
  });

  test('a claim whose company was never written is taken over once it is older than CLAIM_TAKEOVER_MS', async () => {
    await claimedBy(NOW - CLAIM_TAKEOVER_MS - 1, false);

    const stored = await repo.create(twin(), [apiKeyItem], NOW);

    expect(stored.company.companyId).toBe('co-2');
    expect(world.journal).toEqual([
      `Put ${CLAIM}`, // refused: claimed
      `Get ${CLAIM}`,
      'Get COMPANY#co-1|PROFILE', // the owner never got written
      `Put ${CLAIM}`, // conditional on the owner: companyId = :owner
      'Put APIKEY#hash-1|KEY',
      'Put COMPANY#co-2|PROFILE',
    ]);
    expect(ddb.commandCalls(PutCommand)[1]?.args[0].input).toEqual({
      TableName: ENV.TABLE_NAME,
      Item: { PK: legalNameKey('AB', 'acme roofing ltd'), SK: 'UNIQUE', companyId: 'co-2', claimedAt: NOW },
      ConditionExpression: 'companyId = :owner',
      ExpressionAttributeValues: { ':owner': COMPANY_ID },
    });
    expect(world.items.get(CLAIM)).toMatchObject({ companyId: 'co-2', claimedAt: NOW });
  });

  test.each([
    ['claimed less than CLAIM_TAKEOVER_MS ago (a sign-up in progress)', CLAIM_TAKEOVER_MS - 1, false],
    ['claimed long ago by a company that exists', 10 * CLAIM_TAKEOVER_MS, true],
  ])('no takeover of a claim %s: ConflictError', async (_, age, written) => {
    await claimedBy(NOW - age, written);

    await expect(repo.create(twin(), [apiKeyItem], NOW)).rejects.toBeInstanceOf(ConflictError);
    expect(world.items.get(CLAIM)).toMatchObject({ companyId: COMPANY_ID });
    expect(world.has('COMPANY#co-2', 'PROFILE')).toBe(false);
    expect(world.has('APIKEY#hash-1', 'KEY')).toBe(false);
  });

  test('a claim item without an owner is never taken over', async () => {
    world.items.set(CLAIM, { PK: legalNameKey('AB', 'acme roofing ltd'), SK: 'UNIQUE' });

    await expect(repo.create(twin(), [], NOW)).rejects.toBeInstanceOf(ConflictError);
    expect(world.ops('Get')).toEqual([`Get ${CLAIM}`]);
  });

  test('two sign-ups taking over the same abandoned claim: the second one loses with ConflictError', async () => {
    await claimedBy(NOW - CLAIM_TAKEOVER_MS - 1, false);
    // Just before our takeover write, another sign-up (co-3) takes the claim over.
    world
      .before('Put', () => undefined)
      .before('Put', () => {
        world.items.set(CLAIM, {
          PK: legalNameKey('AB', 'acme roofing ltd'),
          SK: 'UNIQUE',
          companyId: 'co-3',
          claimedAt: NOW,
        });
      });

    await expect(repo.create(twin(), [apiKeyItem], NOW)).rejects.toBeInstanceOf(ConflictError);
    expect(world.items.get(CLAIM)).toMatchObject({ companyId: 'co-3' });
    expect(world.has('COMPANY#co-2', 'PROFILE')).toBe(false);
  });

  test('other errors propagate unchanged (on the claim and on the takeover)', async () => {
    world.fail('Put', throughputExceeded);
    await expect(repo.create(Story.registered().company, [], NOW)).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );

    await claimedBy(NOW - CLAIM_TAKEOVER_MS - 1, false);
    world.before('Put', () => undefined).fail('Put', throughputExceeded);
    await expect(repo.create(twin(), [], NOW)).rejects.toBeInstanceOf(ProvisionedThroughputExceededException);
  });

  test('the claim time defaults to the system clock', async () => {
    const before = Date.now();
    await repo.create(Story.registered().company);
    const claimedAt = world.items.get(CLAIM)?.claimedAt as number;
    expect(claimedAt).toBeGreaterThanOrEqual(before);
    expect(claimedAt).toBeLessThanOrEqual(Date.now());
  });
});

describe('CompanyRepository.load', () => {
  test('a consistent read of the PROFILE item; the stored task token comes back', async () => {
    const company = Story.registered().company;
    const task: PendingTask = {
      token: 'tok',
      executionName: 'co-1-c1-REGISTRATION',
      executionStartedAt: at('2027-01-10'),
      iteration: 2,
      storedAt: at('2027-01-11'),
    };
    world.putCompany(company, 7, task);

    await expect(repo.load(COMPANY_ID)).resolves.toMatchObject({ company, version: 7, pendingTask: task });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, {
      TableName: ENV.TABLE_NAME,
      Key: { PK: 'COMPANY#co-1', SK: 'PROFILE' },
      ConsistentRead: true,
    });
  });

  test('null when there is no such company', async () => {
    await expect(repo.load('co-404')).resolves.toBeNull();
  });

  test('companyKey', () => {
    expect(companyKey('co-9')).toEqual({ PK: 'COMPANY#co-9', SK: 'PROFILE' });
  });
});

describe('CompanyRepository.save', () => {
  test('sets the record and index attributes, removes the absent ones, bumps the version conditionally', async () => {
    const registered = Story.registered().company;
    world.putCompany(registered, 3);
    const certified = Story.certified().company;

    const stored = await repo.save(3, certified);

    expect(stored).toMatchObject({ company: certified, version: 4, pendingTask: null });
    const input = ddb.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      TableName: ENV.TABLE_NAME,
      Key: { PK: 'COMPANY#co-1', SK: 'PROFILE' },
      ConditionExpression: '#version = :expected',
      ReturnValues: 'ALL_NEW',
    });
    expect(input?.ExpressionAttributeValues).toMatchObject({
      ':expected': 3,
      ':version': 4,
      ':phase': 'MAINTENANCE',
      ':maintenanceYear': 2,
      ':gsiDue': '2028-06-01#co-1',
    });
    expect(world.stored(COMPANY_ID)).toMatchObject({ version: 4, record: certified });
    expect(world.item('COMPANY#co-1', 'PROFILE')).toMatchObject({
      gsiPhase: 'MAINTENANCE',
      nextDueOn: '2028-06-01',
    });

    // A terminal record has no deadline and no maintenance year: those index attributes are removed.
    const withdrawn = decide(
      certified,
      { type: 'withdraw' },
      { now: at('2027-07-01'), by: 'company' },
    ).company;
    await repo.save(4, withdrawn);
    const second = ddb.commandCalls(UpdateCommand)[1]?.args[0].input;
    expect(second?.UpdateExpression).toMatch(/ REMOVE #maintenanceYear, #nextStep, #nextDueOn$/);
    const item = world.item('COMPANY#co-1', 'PROFILE');
    expect(item).toMatchObject({ phase: 'WITHDRAWN', gsiDue: '9999-12-31#co-1', version: 5 });
    expect(item).not.toHaveProperty('nextDueOn');
    expect(item).not.toHaveProperty('maintenanceYear');
  });

  test('ConditionalCheckFailedException (a stale version) becomes ConflictError', async () => {
    const company = Story.registered().company;
    world.putCompany(company, 5);

    const attempt = repo.save(4, company);

    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    await expect(attempt).rejects.toThrow('company co-1 changed since version 4');
    expect(world.stored(COMPANY_ID).version).toBe(5);
  });

  test('ConditionalCheckFailedException from the client maps the same way; other errors propagate', async () => {
    const company = Story.registered().company;
    ddb.on(UpdateCommand).rejectsOnce(conditionFailed()).rejectsOnce(throughputExceeded());

    await expect(repo.save(1, company)).rejects.toBeInstanceOf(ConflictError);
    await expect(repo.save(1, company)).rejects.toBeInstanceOf(ProvisionedThroughputExceededException);
  });
});

describe('CompanyRepository.mutate', () => {
  test('a null decision writes nothing and returns the loaded record', async () => {
    const company = Story.registered().company;
    world.putCompany(company, 2);

    const result = await repo.mutate(COMPANY_ID, () => null);

    expect(result).toMatchObject({ stored: { company, version: 2, pendingTask: null }, decision: null });
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  test('retries a conflict on the fresh record, up to `attempts` times, then throws ConflictError', async () => {
    const company = Story.registered().company;
    world.putCompany(company, 1);
    const bump = () =>
      world.writeConcurrently(
        COMPANY_ID,
        { type: 'recordNotifications', through: 0, reminderKeys: [] },
        at('2027-01-10'),
        'system',
      );
    world.before('Update', bump, 3);
    const seen: number[] = [];

    await expect(
      repo.mutate(
        COMPANY_ID,
        (s) => {
          seen.push(s.version);
          return decide(
            s.company,
            { type: 'designateTrainee', trainee: TRAINEE },
            { now: at('2027-01-11'), by: 'company' },
          );
        },
        3,
      ),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(seen).toEqual([1, 2, 3]);

    // with one more attempt allowed it succeeds on the 4th version
    world.before('Update', bump, 1);
    const { stored, decision } = await repo.mutate(COMPANY_ID, (s) =>
      decide(
        s.company,
        { type: 'designateTrainee', trainee: TRAINEE },
        { now: at('2027-01-11'), by: 'company' },
      ),
    );
    expect(decision?.company.phase).toBe('TRAINING');
    expect(stored).toMatchObject({ version: 6, company: { phase: 'TRAINING' } });
  });

  test('NotFoundError when the company does not exist', async () => {
    await expect(repo.mutate('co-404', () => null)).rejects.toBeInstanceOf(NotFoundError);
  });
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

describe('CompanyRepository table name', () => {
  test('TABLE_NAME by default, or the one given', async () => {
    await new CompanyRepository('other-table').load(COMPANY_ID);
    await repo.load(COMPANY_ID);
    expect(ddb.commandCalls(GetCommand).map((c) => c.args[0].input.TableName)).toEqual([
      'other-table',
      ENV.TABLE_NAME,
    ]);
  });

  test('no TABLE_NAME: constructing a repository fails, naming the variable', () => {
    const saved = process.env.TABLE_NAME;
    delete process.env.TABLE_NAME;
    try {
      expect(() => new CompanyRepository()).toThrow('environment variable TABLE_NAME is not set');
    } finally {
      process.env.TABLE_NAME = saved;
    }
  });
});

describe('CompanyRepository: the executions a company has had', () => {
  test('save() appends the new execution when the decision moved the company to another one', async () => {
    const registered = Story.registered().company;
    world.putCompany(registered, 1);
    const training = Story.from(registered).designate().company;

    const stored = await repo.save(1, training, registered.execution.name);

    expect(ddb.commandCalls(UpdateCommand)[0]?.args[0].input.UpdateExpression).toMatch(
      /^SET executions = list_append\(if_not_exists\(executions, :noExecutions\), :execution\), /,
    );
    expect(stored.executions).toEqual(['co-1-c1-TRAINING']);

    // the same execution: nothing appended
    await repo.save(
      2,
      Story.from(training).notified(at('2027-01-11', '10:00:01.000Z')).company,
      training.execution.name,
    );
    expect(ddb.commandCalls(UpdateCommand)[1]?.args[0].input.UpdateExpression).not.toContain('executions');
    expect(world.item('COMPANY#co-1', 'PROFILE')?.executions).toEqual(['co-1-c1-TRAINING']);
  });

  test('mutate() passes the loaded execution, so a phase change is listed after the created one', async () => {
    await repo.create(Story.registered().company, [], Date.parse('2027-01-10T10:00:00.000Z'));

    await repo.mutate(COMPANY_ID, (s) =>
      decide(
        s.company,
        { type: 'designateTrainee', trainee: TRAINEE },
        { now: at('2027-01-11'), by: 'company' },
      ),
    );
    const { stored } = await repo.mutate(COMPANY_ID, (s) =>
      decide(s.company, { type: 'continueExecution' }, { now: at('2027-06-01'), by: 'system' }),
    );

    expect(stored.executions).toEqual([
      'co-1-c1-REGISTRATION',
      'co-1-c1-TRAINING',
      stored.company.execution.name, // the continuation (-r<n>)
    ]);
    expect(stored.company.execution.name).toMatch(/^co-1-c1-TRAINING-r\d+$/);
  });
});

describe('KeyRepository', () => {
  test('put: one conditional item per key hash; get: the role and principal, strongly consistent', async () => {
    const keys = new KeyRepository();

    await keys.put('abc123', { role: 'company', companyId: COMPANY_ID }, { createdAt: at('2027-01-10') });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: ENV.TABLE_NAME,
      Item: {
        PK: 'APIKEY#abc123',
        SK: 'KEY',
        role: 'company',
        companyId: COMPANY_ID,
        createdAt: at('2027-01-10'),
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    });

    await expect(keys.get('abc123')).resolves.toEqual({ role: 'company', companyId: COMPANY_ID });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, {
      TableName: ENV.TABLE_NAME,
      Key: { PK: 'APIKEY#abc123', SK: 'KEY' },
      ConsistentRead: true,
    });
    await keys.put('def456', { role: 'assessor', assessorId: 'aud-1' });
    await expect(keys.get('def456')).resolves.toEqual({ role: 'assessor', assessorId: 'aud-1' });
    await expect(keys.get('nope')).resolves.toBeNull();
  });

  test('a hash that exists already is refused (no key is overwritten)', async () => {
    const keys = new KeyRepository();
    await keys.put('abc123', { role: 'ops' });

    await expect(keys.put('abc123', { role: 'company', companyId: 'co-2' })).rejects.toBeInstanceOf(
      ConditionalCheckFailedException,
    );
    await expect(keys.get('abc123')).resolves.toEqual({ role: 'ops' });
  });
});

describe('IndexRepository', () => {
  const row = {
    companyId: COMPANY_ID,
    legalName: 'Acme',
    region: 'AB',
    phase: 'TRAINING',
    nextDueOn: '2027-07-10',
  };

  test('byPhase: a query of the byPhase index, optionally due before a date, paged by cursor', async () => {
    const index = new IndexRepository();
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [row], LastEvaluatedKey: { PK: 'x', SK: 'y' }, ScannedCount: 1 })
      .resolvesOnce({});

    const first = await index.byPhase('TRAINING', { limit: 25 });
    const second = await index.byPhase('TRAINING', {
      dueBefore: '2027-08-01',
      limit: 10,
      cursor: { PK: 'x', SK: 'y' },
    });

    expect(first).toEqual({ items: [row], cursor: { PK: 'x', SK: 'y' }, scanned: 1 });
    expect(second).toEqual({ items: [], scanned: 0 });
    const inputs = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(inputs).toEqual([
      {
        TableName: ENV.TABLE_NAME,
        IndexName: 'byPhase',
        KeyConditionExpression: 'gsiPhase = :p',
        ExpressionAttributeValues: { ':p': 'TRAINING' },
        Limit: 25,
      },
      {
        TableName: ENV.TABLE_NAME,
        IndexName: 'byPhase',
        KeyConditionExpression: 'gsiPhase = :p AND gsiDue < :d',
        ExpressionAttributeValues: { ':p': 'TRAINING', ':d': '2027-08-01' },
        Limit: 10,
        ExclusiveStartKey: { PK: 'x', SK: 'y' },
      },
    ]);
  });

  test('companyOfCertificate: the company id behind a certificate number, or null', async () => {
    const index = new IndexRepository();
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ companyId: COMPANY_ID }] })
      .resolvesOnce({ Items: [] });

    await expect(index.companyOfCertificate('SECOR-AB-2027-000007')).resolves.toBe(COMPANY_ID);
    await expect(index.companyOfCertificate('SECOR-AB-2027-999999')).resolves.toBeNull();
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      TableName: ENV.TABLE_NAME,
      IndexName: 'byCertificate',
      KeyConditionExpression: 'certificateNumber = :n',
      ExpressionAttributeValues: { ':n': 'SECOR-AB-2027-000007' },
      Limit: 1,
    });
  });
});
