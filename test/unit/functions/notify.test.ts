/**
 * notify.sendDueNotices: at least once. A claim carries a lease (`claimedAt`) and is marked `sentAt` once SES
 * accepts its email; an unsent claim is taken over once its lease ran out, never within it, and a sent claim
 * is never sent again. One email a person: everything due for them goes in one email, with a one-time sign-in
 * link; a person emailed today already waits for tomorrow. SES refusing an email releases its claims and
 * records a mail delay (retried with backoff): the task resolves, the company is never failed for it.
 */
import { createHash } from 'node:crypto';
import { World, ddb, ses, sesThrottled, throughputExceeded } from './world';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { noticesDue, policies, wakeAtOn } from '../../../domain';
import {
  EMAIL_LINK_DAYS,
  NOTICE_LEASE_MS,
  NoticeInFlightError,
  sendDueNotices,
} from '../../../functions/lib/notify';
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

/** The record as the table holds it now (what the workflow's next task loads). */
const current = (): StoredCompany => {
  const item = world.stored(COMPANY_ID);
  return { company: item.record, version: item.version, pendingTask: null };
};

const SIGN_IN_PUT = /^Put SIGNIN#[0-9a-f]{64}\|TOKEN$/;

/** The one-time token of an email's sign-in link (`<PUBLIC_API_URL>/#sign-in=<token>`). */
function signInToken(text: string): string {
  const escaped = ENV.PUBLIC_API_URL.replace(/[.]/g, '\\.');
  const match = new RegExp(`${escaped}/#sign-in=([A-Za-z0-9_-]{43})(\\s|$)`).exec(text);
  if (!match?.[1]) throw new Error(`no sign-in link in:\n${text}`);
  return match[1];
}
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('notify: claims with a lease, marked sent', () => {
  test('a claim records when it was taken; the email is marked sent once SES accepts it', async () => {
    const result = await send(registered());

    expect(result.sent).toBe(1);
    expect(world.journal).toEqual([
      `Put ${WELCOME}`,
      expect.stringMatching(SIGN_IN_PUT), // the email's sign-in link, stored as its hash
      `SendEmail ${CONTACT.email}`,
      `Update ${WELCOME}`,
      'Get COMPANY#co-1|PROFILE',
      'Update COMPANY#co-1|PROFILE',
    ]);
    expect(world.items.get(WELCOME)).toMatchObject({ claimedAt: NOW_MS, sentAt: NOW_MS });
    expect(result.stored.company.notifiedThrough).toBe(1);
    expect(result.stored.company.lastEmailedOn).toEqual({ contact: '2027-01-10' });
  });

  test('the email carries a one-time sign-in link for its recipient: only its hash is stored, for 7 days', async () => {
    await send(registered());

    const [email] = world.emails;
    const token = signInToken(email?.text ?? '');
    expect(email?.html).toContain(`href="${ENV.PUBLIC_API_URL}/#sign-in=${token}"`);
    const signIn = [...world.items.values()].find((i) => String(i.PK).startsWith('SIGNIN#'));
    expect(signIn).toMatchObject({
      PK: `SIGNIN#${sha256(token)}`,
      SK: 'TOKEN',
      role: 'company',
      companyId: COMPANY_ID,
      validUntil: new Date(NOW_MS + EMAIL_LINK_DAYS * 86_400_000).toISOString(),
    });
    expect(JSON.stringify([...world.items.values()])).not.toContain(token);
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

    // The contact's email holds the enrolment only (the welcome is left to the attempt that claimed it).
    expect(world.emails.map((e) => [e.to, e.tags.kind])).toEqual([
      [CONTACT.email, 'traineeEnrolment'],
      [TRAINEE.email, 'traineeEnrolment'],
    ]);
    expect(world.emails[0]?.text).not.toContain('Welcome');
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

  test('SES refuses: the claim is released (not marked), the delay recorded, the task resolves; the retry after retryAt sends', async () => {
    world.fail('SendEmail', sesThrottled);

    const result = await send(registered());

    expect(result).toMatchObject({ sent: 0, delayed: true });
    expect(ddb).toHaveReceivedCommandWith(DeleteCommand, {
      TableName: ENV.TABLE_NAME,
      Key: { PK: 'COMPANY#co-1', SK: 'NOTICE#EVENT|0|contact' },
    });
    expect(world.has('COMPANY#co-1', 'NOTICE#EVENT|0|contact')).toBe(false);
    // No claim marked sent; the only write of the record is the delay.
    expect(world.ops('Update')).toEqual(['Update COMPANY#co-1|PROFILE']);
    const delayed = world.stored(COMPANY_ID);
    expect(delayed.version).toBe(2);
    expect(result.stored).toMatchObject({ version: 2, company: delayed.record });
    const delay = delayed.record.mailDelay;
    expect(delay).toMatchObject({ since: NOW, attempts: 1, error: 'TooManyRequestsException' });
    // The first retry about a minute later (spread per company: between half a minute and a minute).
    const retryAt = Date.parse(delay?.retryAt ?? '');
    expect(retryAt - NOW_MS).toBeGreaterThanOrEqual(30_000);
    expect(retryAt - NOW_MS).toBeLessThanOrEqual(60_000);
    expect(delayed.record.notifiedThrough).toBeUndefined();
    expect(delayed.record.history.at(-1)).toMatchObject({
      type: 'EMAIL_DELAYED',
      by: 'system',
      details: { error: 'TooManyRequestsException' },
    });
    expect(logs.records).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        message: 'emails delayed: the mail service refused one',
        companyId: COMPANY_ID,
        error: 'TooManyRequestsException',
        attempts: 1,
      }),
    );

    // Before retryAt nothing is tried: no claim, no email, no write.
    world.journal.length = 0;
    await expect(send(current(), new Date(retryAt - 1).toISOString())).resolves.toMatchObject({ sent: 0 });
    expect(world.journal).toEqual([]);

    // At retryAt the email goes, and the delay ends.
    const retried = await send(current(), new Date(retryAt).toISOString());
    expect(retried).toMatchObject({ sent: 1 });
    expect(retried.delayed).toBeUndefined();
    expect(world.emails.map((e) => e.to)).toEqual([CONTACT.email]);
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 2);
    const after = world.stored(COMPANY_ID).record;
    expect(after.notifiedThrough).toBe(2); // the registration and the delay's event: nothing is due any more
    expect(noticesDue(after, policies.forRegion('AB'), new Date(retryAt + 1000).toISOString())).toEqual([]);
    expect(after.mailDelay).toBeNull();
    expect(after.history.at(-1)).toMatchObject({
      type: 'EMAIL_DELAY_ENDED',
      details: { since: NOW, attempts: 1 },
    });
  });

  test('refused again at the retry: the backoff grows, the delay keeps its start and is one event', async () => {
    world.fail('SendEmail', sesThrottled, 2);

    await send(registered());
    const first = world.stored(COMPANY_ID).record.mailDelay;
    const retryAt = first?.retryAt ?? '';
    await expect(send(current(), retryAt)).resolves.toMatchObject({ sent: 0, delayed: true });

    const record = world.stored(COMPANY_ID).record;
    expect(record.mailDelay).toMatchObject({ since: NOW, attempts: 2 });
    const gap = Date.parse(record.mailDelay?.retryAt ?? '') - Date.parse(retryAt);
    expect(gap).toBeGreaterThanOrEqual(60_000);
    expect(gap).toBeLessThanOrEqual(120_000);
    expect(record.history.filter((e) => e.type === 'EMAIL_DELAYED')).toHaveLength(1);
    expect(world.emails).toEqual([]);
    expect(world.has('COMPANY#co-1', 'NOTICE#EVENT|0|contact')).toBe(false);
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

    await expect(send(registered())).resolves.toMatchObject({ sent: 0, delayed: true });

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

describe('notify: one email a day a person, everything due for them in it', () => {
  /** Welcomed earlier today (the contact was emailed), then the trainee is named: the enrolment is due to both. */
  function emailedToday(): StoredCompany {
    const company = Story.registered()
      .do(
        { type: 'recordNotifications', through: 1, reminderKeys: [], emailed: ['contact'] },
        at('2027-01-10', '10:00:03.000Z'),
        'system',
      )
      .do({ type: 'designateTrainee', trainee: TRAINEE }, at('2027-01-10', '10:30:00.000Z')).company;
    world.putCompany(company, 2);
    return { company, version: 2, pendingTask: null };
  }

  test('the contact, emailed today already, is held until tomorrow; the trainee is emailed now', async () => {
    const stored = emailedToday();

    const result = await send(stored, at('2027-01-10', '10:30:02.000Z'));

    expect(result.sent).toBe(1);
    expect(world.emails.map((e) => [e.to, e.tags.kind])).toEqual([[TRAINEE.email, 'traineeEnrolment']]);
    expect(world.has('COMPANY#co-1', 'NOTICE#EVENT|1|contact')).toBe(false);
    const record = world.stored(COMPANY_ID).record;
    // The trainee is notified through the whole history; the contact stays where it was (its notices wait).
    expect(record.notifiedThrough).toBe(1);
    expect(record.notifiedThroughBy).toEqual({
      trainee: stored.company.history.length,
      ops: stored.company.history.length,
    });
    expect(record.lastEmailedOn).toEqual({ contact: '2027-01-10', trainee: '2027-01-10' });
  });

  test('the next day, at the company wake, the contact gets the held notices (and nothing twice)', async () => {
    await send(emailedToday(), at('2027-01-10', '10:30:02.000Z'));
    world.emails.length = 0;

    const result = await send(current(), wakeAtOn({ companyId: COMPANY_ID, region: 'AB' }, '2027-01-11'));

    expect(result.sent).toBe(1);
    expect(world.emails.map((e) => [e.to, e.tags.kind])).toEqual([[CONTACT.email, 'traineeEnrolment']]);
    expect(world.stored(COMPANY_ID).record.notifiedThrough).toBe(
      world.stored(COMPANY_ID).record.history.length,
    );
  });

  test('several notices due for one person go in one email (kind "digest"), each claimed', async () => {
    // Registered and designated before any email went out: the contact has the welcome and the enrolment.
    const company = Story.registered().designate().company;
    world.putCompany(company, 2);

    const result = await send({ company, version: 2, pendingTask: null }, at('2027-01-11', '10:00:01.000Z'));

    expect(result.sent).toBe(2);
    const toContact = world.emails.filter((e) => e.to === CONTACT.email);
    expect(toContact).toHaveLength(1);
    expect(toContact[0]?.tags.kind).toBe('digest');
    expect(toContact[0]?.subject).toContain('(and 1 more update)');
    expect(world.item('COMPANY#co-1', 'NOTICE#EVENT|0|contact')).toMatchObject({
      sentAt: expect.any(Number),
    });
    expect(world.item('COMPANY#co-1', 'NOTICE#EVENT|1|contact')).toMatchObject({
      sentAt: expect.any(Number),
    });
    expect(world.item('COMPANY#co-1', 'NOTICE#EVENT|1|trainee')).toMatchObject({
      sentAt: expect.any(Number),
    });
  });
});
