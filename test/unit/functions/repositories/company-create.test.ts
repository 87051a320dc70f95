import { emailHash } from '../../../../functions/lib/repositories/sessions';
import { World, ddb, throughputExceeded } from '../world';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { CompanyRepository } from '../../../../functions/lib/repositories/company';
import {
  CLAIM_TAKEOVER_MS,
  legalNameKey,
  normaliseLegalName,
} from '../../../../functions/lib/repositories/company-items';
import { ConflictError } from '../../../../functions/lib/repositories/errors';
import { COMPANY_ID, Story } from '../companies';
import { ENV } from '../setup-env';

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

    // The company item carries the outbox signal that starts its execution after the commit.
    const signal = {
      id: expect.any(String),
      kind: 'start',
      execution: 'co-1-c1-REGISTRATION',
      at: company.history.at(-1)?.at,
    };
    expect(stored).toEqual({
      company,
      version: 1,
      pendingTask: null,
      signal,
      executions: ['co-1-c1-REGISTRATION'],
    });
    // After the commit, the contact's address is linked to the company for sign-in by email (by its hash).
    expect(world.journal).toEqual([
      `Put ${CLAIM}`,
      'Put APIKEY#hash-1|KEY',
      'Put COMPANY#co-1|PROFILE',
      `Put EMAIL#${emailHash(company.contact.email)}|co-1#company`,
    ]);
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
        signal,
        gsiSignal: 'PENDING',
        gsiSignalAt: `${company.history.at(-1)?.at}#co-1`,
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
      `Put EMAIL#${emailHash(stored.company.contact.email)}|co-2#company`,
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
