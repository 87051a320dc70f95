import { World, ddb, conditionFailed, throughputExceeded } from '../world';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CompanyRepository } from '../../../../functions/lib/repositories/company';
import { companyKey, type PendingTask } from '../../../../functions/lib/repositories/company-items';
import { ConflictError, NotFoundError } from '../../../../functions/lib/repositories/errors';
import { decide } from '../../../../domain';
import { at, COMPANY_ID, Story, TRAINEE } from '../companies';
import { ENV } from '../setup-env';

let world: World;
let repo: CompanyRepository;
beforeEach(() => {
  world = new World().install();
  repo = new CompanyRepository();
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
