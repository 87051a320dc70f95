/**
 * Issue 13 end to end, through HTTP on the local runtime: deadlines end at the end of the due day in the
 * company's province, notices go out at the company's own minute of the business day (across a daylight-saving
 * change too), one lifecycle email a day a person, and every email is for a person with a link that signs them in.
 */
import { atLocalMinute, localDateOf, wakeAtOn } from '../../domain';
import { addDays, advanceTo as advanceToAt, newCompany, RuntimeProcess, type Email } from './runtime';

jest.setTimeout(300_000);

const rt = new RuntimeProcess();
beforeAll(() => rt.start(), 120_000);
afterAll(() => rt.stop());

const EDMONTON = 'America/Edmonton';
const VANCOUVER = 'America/Vancouver';

async function now(): Promise<string> {
  return (await rt.ok<{ now: string }>('GET', '/_local/clock')).now;
}

const advanceTo = (target: string) => advanceToAt(rt, target);

const linkOf = (email: Email) => /#sign-in=([A-Za-z0-9_-]+)/.exec(email.body.text ?? '')?.[1];

describe('time and email for people', () => {
  test('one email a day a person: the contact’s second notice waits for tomorrow, the trainee’s goes at once; links sign in', async () => {
    // 08:00 in Edmonton: the rest of the local day is ahead.
    const today = localDateOf(await now(), EDMONTON);
    await advanceTo(atLocalMinute(addDays(today, 1), 8 * 60, EDMONTON));
    const c = await newCompany(rt);
    await rt.advance(0);
    expect(await rt.emails(c.contact)).toHaveLength(1); // welcome
    await c.designate();
    await rt.advance(0);
    const traineeMail = await rt.emails(c.trainee);
    expect(traineeMail).toHaveLength(1);
    expect(await rt.emails(c.contact)).toHaveLength(1); // held: the contact had an email today
    // The next day, after the company's wake minute (at the latest 17:00), the held notice goes.
    await advanceTo(atLocalMinute(addDays(today, 2), 17 * 60 + 1, EDMONTON));
    const contactMail = await rt.emails(c.contact);
    expect(contactMail).toHaveLength(2);
    expect(contactMail[1]?.subject).toContain('is your SECOR trainee');

    for (const email of [...contactMail, ...traineeMail]) {
      const text = email.body.text ?? '';
      expect(text).not.toMatch(/\b(GET|POST|PUT|PATCH|DELETE) \/|\/companies\//);
      expect(text).not.toMatch(/\bAPI\b|\bkeys?\b/i);
      expect(linkOf(email)).toBeDefined();
    }
    // The trainee's link signs the trainee in; the contact's signs the company in; each works once.
    const traineeToken = linkOf(traineeMail[0] as Email) as string;
    const session = await rt.call<{ role: string; companyId: string }>('POST', '/sessions', {
      token: traineeToken,
    });
    expect(session.status).toBe(201);
    expect(session.body).toMatchObject({ role: 'trainee', companyId: c.id });
    expect((await rt.call('POST', '/sessions', { token: traineeToken })).status).toBe(401);
    const contactSession = await rt.call<{ role: string }>('POST', '/sessions', {
      token: linkOf(contactMail[1] as Email),
    });
    expect(contactSession.body.role).toBe('company');
    // The page the link opens: the portal's sign-in page, with a strict Content-Security-Policy.
    const page = await fetch(`${rt.api}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('Send sign-in link');
  });

  test('a BC company naming its trainee at 23:30 Pacific on its due date is on time; at 00:05 the next day it is late', async () => {
    const onTime = await newCompany(rt, { region: 'BC' });
    const late = await newCompany(rt, { region: 'BC' });
    const due = (await onTime.status()).nextDeadline?.dueOn as string;
    await advanceTo(atLocalMinute(due, 23 * 60 + 30, VANCOUVER));
    expect((await late.status()).overdue).toBe(false);
    // The trainee is named, and passes the exam (due the same day: 6 months from sign-up), at 23:30–23:40.
    await onTime.designate();
    expect((await onTime.exam(85)).status).toBe(201);
    await advanceTo(atLocalMinute(addDays(due, 1), 5, VANCOUVER));
    const refused = await rt.call<{ error: { code: string; message: string } }>(
      'PUT',
      `/companies/${late.id}/trainee`,
      { name: 'Trainee', email: late.trainee },
      late.key,
    );
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('WRONG_PHASE');
    expect(refused.body.error.message).toContain(VANCOUVER);
    expect((await late.status()).overdue).toBe(true);
    // The workflow escalates at the company's wake that day (business hours): then it is LAPSED.
    await advanceTo(atLocalMinute(addDays(due, 1), 17 * 60 + 1, VANCOUVER));
    expect((await late.status()).phase).toBe('LAPSED');
    expect((await onTime.status()).phase).toBe('IMPLEMENTATION');
    const lapse = (await rt.emails(late.contact)).at(-1);
    expect(lapse?.subject).toContain('deadline missed');
    expect(lapse?.body.text).toContain('British Columbia time');
  });

  test('across the fall-back change, reminders keep the company’s minute of the local day', async () => {
    // Register in June 2027 at the latest: the trainee is due six months later, in December.
    const start = await now();
    if (start < '2027-06-01') await advanceTo('2027-06-01T15:00:00.000Z');
    // Ontario keeps daylight saving time (the time-zone database Node 22 carries, 2026c, has Alberta and BC on
    // permanent daylight time from November 2026).
    const c = await newCompany(rt, { region: 'ON' });
    const due = (await c.status()).nextDeadline?.dueOn as string;
    const slots = [30, 14].map((d) => addDays(due, -d));
    const instants = slots.map((slot) => wakeAtOn({ companyId: c.id, region: 'ON' }, slot));
    // One slot before 7 November 2027 (EDT, UTC−4), one after (EST, UTC−5).
    expect(slots[0]! < '2027-11-07' || slots[1]! > '2027-11-07').toBe(true);
    for (const at of instants) {
      await advanceTo(new Date(Date.parse(at) - 120_000).toISOString());
      const before = (await rt.emails(c.contact)).length;
      await advanceTo(new Date(Date.parse(at) + 120_000).toISOString());
      const after = await rt.emails(c.contact);
      expect(after.length).toBe(before + 1);
      expect(after.at(-1)?.subject).toMatch(
        /^Reminder: naming your SECOR trainee due in (30|14) days \(E2E Company .+\)$/,
      );
    }
    // Same local minute, so the UTC time of day moved by the hour the clocks went back (when the slots straddle it).
    const utcMinute = (iso: string) => (Date.parse(iso) % 86_400_000) / 60_000;
    const straddles = slots[0]! < '2027-11-07' && slots[1]! >= '2027-11-07';
    if (straddles) expect(utcMinute(instants[1]!) - utcMinute(instants[0]!)).toBe(60);
  });
});
