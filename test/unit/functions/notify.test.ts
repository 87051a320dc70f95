/**
 * notify.sendDueNotices: at least once. A claim carries a lease (`claimedAt`) and is marked `sentAt` once SES
 * accepts its email; an unsent claim is taken over once its lease ran out, never within it, and a sent claim
 * is never sent again.
 */
import { World, ddb, ses, sesThrottled, throughputExceeded } from './world';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { NOTICE_LEASE_MS, NoticeInFlightError, sendDueNotices } from '../../../functions/lib/notify';
import { CompanyRepository } from '../../../functions/lib/repositories/company';
import type { StoredCompany } from '../../../functions/lib/repositories/company-items';
import { NOTICE_IN_FLIGHT_ERROR } from '../../../workflows/retries';
import { at, COMPANY_ID, CONTACT, Story, TRAINEE } from './companies';
import { captureLogsOfEachTest } from './logs';
import { ENV } from './setup-env';

const NOW = at('2027-01-10', '10:00:02.000Z');
const NOW_MS = Date.parse(NOW);
const WELCOME = 'COMPANY#co-1|NOTICE#EVENT|0|contact';

let world: World;
const logs = captureLogsOfEachTest(() => [CONTACT.email, TRAINEE.email, ENV.OPS_EMAIL]);
beforeEach(() => {
  world = new World().install();
});

/** A registered company whose welcome email is due, stored at version 1. */
function registered(): StoredCompany {
  const company = Story.registered().company;
  world.putCompany(company);
  return { company, version: 1, pendingTask: null };
}

/** An earlier attempt's claim of the welcome email. */
function claimed(claimedAt: number, sentAt?: number): void {
  world.items.set(WELCOME, {
    PK: 'COMPANY#co-1',
    SK: 'NOTICE#EVENT|0|contact',
    expiresAt: 1_900_000_000,
    claimedAt,
    ...(sentAt !== undefined ? { sentAt } : {}),
  });
}

const send = (stored: StoredCompany, now = NOW) => sendDueNotices(new CompanyRepository(), stored, now);

describe('notify: claims with a lease, marked sent', () => {
  test('a claim records when it was taken; the email is marked sent once SES accepts it', async () => {
    const result = await send(registered());

    expect(result.sent).toBe(1);
    expect(world.journal).toEqual([
      `Put ${WELCOME}`,
      `SendEmail ${CONTACT.email}`,
      `Update ${WELCOME}`,
      'Get COMPANY#co-1|PROFILE',
      'Update COMPANY#co-1|PROFILE',
    ]);
    expect(world.items.get(WELCOME)).toMatchObject({ claimedAt: NOW_MS, sentAt: NOW_MS });
    expect(result.stored.company.notifiedThrough).toBe(1);
  });

  test('takeover after an expired lease: the claimer died before SES accepted; this attempt sends', async () => {
    claimed(NOW_MS - NOTICE_LEASE_MS - 1);

    const result = await send(registered());

    expect(result.sent).toBe(1);
    expect(world.emails.map((e) => e.to)).toEqual([CONTACT.email]);
    expect(world.items.get(WELCOME)).toMatchObject({ claimedAt: NOW_MS, sentAt: NOW_MS });
    expect(world.stored(COMPANY_ID).record.notifiedThrough).toBe(1);
  });

  test('no takeover within the lease: nothing sent, the record not updated, NoticeInFlightError (retried)', async () => {
    const claimedAt = NOW_MS - NOTICE_LEASE_MS + 1_000;
    claimed(claimedAt);

    const attempt = send(registered());

    await expect(attempt).rejects.toBeInstanceOf(NoticeInFlightError);
    await expect(attempt).rejects.toMatchObject({
      name: NOTICE_IN_FLIGHT_ERROR,
      companyId: COMPANY_ID,
      claimKeys: ['EVENT|0|contact'],
    });
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
    expect(world.items.get(WELCOME)).toMatchObject({ claimedAt });
    expect(world.items.get(WELCOME)).not.toHaveProperty('sentAt');
    expect(world.stored(COMPANY_ID)).toMatchObject({ version: 1 });
    expect(world.stored(COMPANY_ID).record.notifiedThrough).toBeUndefined();

    // The retry, once the lease has run out, takes the claim over and sends.
    const later = new Date(claimedAt + NOTICE_LEASE_MS + 1).toISOString();
    await expect(send({ ...registered() }, later)).resolves.toMatchObject({ sent: 1 });
    expect(world.emails.map((e) => e.to)).toEqual([CONTACT.email]);
  });

  test('within the lease, the other emails still go out (and are marked sent) before the error', async () => {
    // The welcome (contact) and the enrolment (trainee, contact) are due; the welcome is in flight elsewhere.
    const company = Story.registered().designate().company;
    world.putCompany(company, 2);
    claimed(NOW_MS - 1_000);

    await expect(
      sendDueNotices(new CompanyRepository(), { company, version: 2, pendingTask: null }, NOW),
    ).rejects.toBeInstanceOf(NoticeInFlightError);

    expect(world.emails.map((e) => [e.to, e.tags.kind])).toEqual([
      [TRAINEE.email, 'traineeEnrolment'],
      [CONTACT.email, 'traineeEnrolment'],
    ]);
    expect(world.item('COMPANY#co-1', 'NOTICE#EVENT|1|trainee')).toMatchObject({ sentAt: NOW_MS });
    expect(world.item('COMPANY#co-1', 'NOTICE#EVENT|1|contact')).toMatchObject({ sentAt: NOW_MS });
    expect(world.stored(COMPANY_ID).version).toBe(2);
  });

  test.each([
    ['within its lease', NOW_MS - 1_000],
    ['long ago', NOW_MS - 30 * NOTICE_LEASE_MS],
  ])('never resent once marked sent (claimed %s): not sent, but recorded', async (_, claimedAt) => {
    claimed(claimedAt, claimedAt + 500);

    const result = await send(registered());

    expect(result.sent).toBe(0);
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
    expect(world.ops('Put')).toEqual([`Put ${WELCOME}`]); // refused
    expect(world.items.get(WELCOME)).toMatchObject({ claimedAt, sentAt: claimedAt + 500 });
    expect(result.stored.company.notifiedThrough).toBe(1);
  });

  test('a claim from before leases (no claimedAt) is taken as sent: never taken over', async () => {
    world.items.set(WELCOME, { PK: 'COMPANY#co-1', SK: 'NOTICE#EVENT|0|contact', expiresAt: 1 });

    const result = await send(registered());

    expect(result.sent).toBe(0);
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
    expect(result.stored.company.notifiedThrough).toBe(1);
  });

  test('SES refuses: the claim is released (not marked), the error propagates, the retry sends', async () => {
    world.fail('SendEmail', sesThrottled);

    await expect(send(registered())).rejects.toMatchObject({ name: 'TooManyRequestsException' });

    expect(ddb).toHaveReceivedCommandWith(DeleteCommand, {
      TableName: ENV.TABLE_NAME,
      Key: { PK: 'COMPANY#co-1', SK: 'NOTICE#EVENT|0|contact' },
    });
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(world.has('COMPANY#co-1', 'NOTICE#EVENT|0|contact')).toBe(false);

    await expect(send(registered(), at('2027-01-10', '10:00:07.000Z'))).resolves.toMatchObject({ sent: 1 });
    expect(world.emails.map((e) => e.to)).toEqual([CONTACT.email]);
  });

  test("its own claim landed but the SDK retry of it was refused: the claim is this attempt's, the email goes out", async () => {
    // The first PutItem was applied and its response lost; the SDK's retry meets the claim it wrote itself.
    world.before('Put', (input) => {
      const item = (input as { Item: Record<string, unknown> }).Item;
      world.items.set(WELCOME, { ...item });
    });

    const result = await send(registered());

    expect(result.sent).toBe(1);
    expect(world.emails.map((e) => e.to)).toEqual([CONTACT.email]);
    expect(world.items.get(WELCOME)).toMatchObject({ claimedAt: NOW_MS, sentAt: NOW_MS });
    expect(world.stored(COMPANY_ID).record.notifiedThrough).toBe(1);
  });

  test("SES refuses after another attempt took the claim over: the release leaves that attempt's claim", async () => {
    world.fail('SendEmail', sesThrottled);
    world.before('Delete', () => {
      world.items.set(WELCOME, {
        PK: 'COMPANY#co-1',
        SK: 'NOTICE#EVENT|0|contact',
        claimedAt: NOW_MS + 1,
        owner: 'other',
      });
    });

    await expect(send(registered())).rejects.toMatchObject({ name: 'TooManyRequestsException' });

    expect(world.items.get(WELCOME)).toMatchObject({ owner: 'other' });
  });

  test('the mark-sent write fails: the email counts as sent, the record is updated, a warning is logged', async () => {
    world.before('SendEmail', () => undefined).fail('Update', throughputExceeded);

    const result = await send(registered());

    expect(result.sent).toBe(1);
    expect(world.items.get(WELCOME)).not.toHaveProperty('sentAt');
    expect(world.stored(COMPANY_ID).record.notifiedThrough).toBe(1);
    expect(logs.records).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        message: 'email sent, but its claim could not be marked sent',
        companyId: COMPANY_ID,
        claimKey: 'EVENT|0|contact',
        error: 'ProvisionedThroughputExceededException',
      }),
    );
  });
});
