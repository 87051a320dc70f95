/**
 * The emails people get (functions/notifications/templates.ts): every notice kind the domain produces, opening
 * notices and reminders of every step, in every province and territory, for each of its recipients. Each is in
 * plain words (no API route, no key, no ISO date for people), states its date as a local long date, says what to
 * do and what happens if it is missed, and carries one link, in the text and in the accessible HTML. A digest
 * puts everything due for one person in one email; the mailer sends it with the sender's name and a reply-to.
 */
import './setup-env';
import 'aws-sdk-client-mock-jest';
import { mockClient } from 'aws-sdk-client-mock';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import {
  daysBetween,
  decide,
  escalationAt,
  formatLongDate,
  nextWakeAt,
  noticesDue,
  policies,
  REGION_NAMES,
  REGIONS,
  STEP_RECIPIENTS,
  wakeAtOn,
  type Company,
  type Notice,
  type NoticeKind,
  type Recipient,
  type Region,
  type Step,
} from '../../../domain';
import { sendEmail } from '../../../functions/lib/mailer';
import { renderDigest, type RenderedEmail } from '../../../functions/notifications/templates';
import { at, CONTACT, elementIds, Story, TRAINEE } from './companies';
import { ENV } from './setup-env';

const NAME = 'A&B <Roofing>';
const ESCAPED_NAME = 'A&#38;B &#60;Roofing&#62;';
/** The links the tests hand the templates: a person's sign-in link, and the portal for operations. */
const SIGN_IN_LINK = 'https://portal.secor.example/#sign-in=Zx9_q-1TOKEN';
const OPS_LINK = 'https://portal.secor.example/';
const linkFor = (recipient: Recipient) => (recipient === 'ops' ? OPS_LINK : SIGN_IN_LINK);

const STEPS = Object.keys(STEP_RECIPIENTS) as Step[];
/** Raw API routes: never in an email. */
const API_ROUTE = /\b(GET|POST|PUT|PATCH|DELETE)\b|\/companies\//;
/** Words of the API a company or a trainee never needs. */
const API_WORDING = /\bkeys?\b|\bAPIs?\b/i;
const ISO_DATE = /\b\d{4}-\d{2}-\d{2}\b/;

interface Sample {
  notice: Notice;
  company: Company;
  /** True for an opening notice built from the step's reminder (the domain sends none for that step). */
  built?: boolean;
}

/** A sample's key: the kind, and for reminders and opening notices the step ("reminder:TRAINING_EXAM"). */
const keyOf = (n: Notice): string => (n.reminder ? `${n.kind}:${n.reminder.step}` : n.kind);

/**
 * Every notice the domain produces for a company of `region` named "A&B <Roofing>" driven through its lifecycle
 * (with the training and the certification audit failing once on the way), kept with the record it was due on:
 * at each step the event notices due then, and, on the notified record, every reminder and opening notice the
 * company's wakes bring until the step's deadline escalates.
 */
function collectSamples(region: Region): Map<string, Sample> {
  const policy = policies.forRegion(region);
  const samples = new Map<string, Sample>();
  const keep = (company: Company, now: string, only: (n: Notice) => boolean = () => true) => {
    for (const notice of noticesDue(company, policy, now).filter(only)) {
      if (!samples.has(keyOf(notice)))
        samples.set(keyOf(notice), { notice, company: structuredClone(company) });
    }
  };
  const collect = (story: Story, now = story.company.history.at(-1)?.at ?? '') => {
    keep(story.company, now);
    story.notified(now);
    const company = story.company;
    const deadline = company.nextDeadline;
    const end = deadline ? Date.parse(escalationAt(company, deadline)) : 0;
    let wake = nextWakeAt(company, policy, now);
    for (let i = 0; wake !== null && Date.parse(wake) < end && i < 50; i++) {
      keep(company, wake, (n) => n.reminder !== undefined);
      wake = nextWakeAt(company, policy, wake);
    }
  };
  const named = () => Story.registered('2027-01-10', { legalName: NAME, region });

  const s = named();
  collect(s); // welcome
  collect(s.designate('2027-01-11')); // traineeEnrolment
  collect(s.exam(50, '2027-02-01')); // examFailed
  collect(s.exam(55, '2027-02-02').exam(60, '2027-02-03')); // attemptsExhausted
  collect(s.do({ type: 'reEnrol' }, at('2027-02-04'))); // reEnrolled
  collect(s.exam(85, '2027-02-15')); // trainingPassed
  collect(s.submit('2027-03-01')); // programReceived
  collect(s.audit('certification', 50, '2027-06-01')); // auditFailed, correctiveActionRequired
  collect(s.audit('certification', 90, '2027-06-10', 7)); // auditPassed, certificateIssued, maintenanceDue
  collect(s.audit('maintenance', 90, '2028-05-01')); // year 3 opens on the first anniversary (an opening)
  collect(s.audit('maintenance', 90, '2029-05-01')); // recertificationDue; the trainee's refresher opens
  collect(s.do({ type: 'reEnrol' }, at('2029-09-01'))); // refresherEnrolled
  collect(s.exam(90, '2029-09-02')); // refresherPassed
  collect(s.do({ type: 'withdraw', reason: 'closing <the> business & selling' }, at('2029-10-01'))); // withdrawn

  // A program in use for a short while: the certification audit opens later (an opening notice).
  const recent = named().designate().exam(85, '2027-02-15');
  collect(recent);
  collect(submitRecentProgram(recent));

  const lapsed = named();
  collect(lapsed);
  collect(lapsed.do({ type: 'deadlinePassed' }, escalationOf(lapsed.company), 'system')); // lapsed

  const cancelled = named()
    .designate()
    .exam(85, '2027-02-15')
    .submit()
    .audit('certification', 90, '2027-06-01', 3);
  collect(cancelled);
  collect(cancelled.do({ type: 'deadlinePassed' }, escalationOf(cancelled.company), 'system')); // cancelled

  const failed = named();
  collect(failed);
  collect(
    failed.do({ type: 'recordFailure', cause: 'States.Timeout: <no answer>' }, at('2027-02-01'), 'system'),
  );

  // The steps that open the day the company hears of them have no opening notice from the domain: built here
  // from the step's reminder (the same record and due date), so every step's opening text is checked too.
  for (const step of STEPS) {
    const reminder = samples.get(`reminder:${step}`);
    if (samples.has(`opening:${step}`) || !reminder?.notice.reminder) continue;
    const opensOn = reminder.company.nextDeadline?.opensOn ?? reminder.notice.reminder.dueOn;
    samples.set(`opening:${step}`, {
      company: reminder.company,
      built: true,
      notice: {
        ...reminder.notice,
        kind: 'opening',
        key: `${step}|${reminder.notice.reminder.dueOn}|${opensOn}`,
        reminder: {
          ...reminder.notice.reminder,
          daysLeft: daysBetween(opensOn, reminder.notice.reminder.dueOn),
        },
      },
    });
  }
  return samples;
}

/** Submits a program in use since 2027-02-20 on 2027-03-01: its audit opens months later. */
function submitRecentProgram(story: Story): Story {
  return story.do(
    {
      type: 'submitProgram',
      manualTitle: 'A&B manual',
      manualVersion: '2',
      elements: elementIds(story.company.region),
      implementedSince: '2027-02-20',
    },
    at('2027-03-01'),
  );
}

function escalationOf(company: Company): string {
  if (!company.nextDeadline) throw new Error('no open deadline');
  return escalationAt(company, company.nextDeadline);
}

const SAMPLES = new Map(REGIONS.map((region) => [region, collectSamples(region)]));

/**
 * The date each email must state: the open step's due date, the missed one, or the date the notice is about.
 * (A Record over NoticeKind: adding a kind without deciding this does not compile.)
 */
const DATE_STATED: Record<NoticeKind, (s: Sample) => string | null> = {
  welcome: (s) => s.company.nextDeadline?.dueOn ?? null,
  traineeEnrolment: (s) => s.company.nextDeadline?.dueOn ?? null,
  examFailed: (s) => s.company.nextDeadline?.dueOn ?? null,
  attemptsExhausted: (s) => s.company.nextDeadline?.dueOn ?? null,
  reEnrolled: (s) => s.company.nextDeadline?.dueOn ?? null,
  trainingPassed: (s) => String(s.notice.event?.details?.expiresOn), // the training certificate's expiry
  refresherEnrolled: (s) => String(s.notice.event?.details?.expiresOn), // take the refresher before expiry
  refresherPassed: (s) => String(s.notice.event?.details?.expiresOn),
  programReceived: (s) => s.company.nextDeadline?.dueOn ?? null,
  auditPassed: () => null,
  auditFailed: (s) => s.company.nextDeadline?.dueOn ?? null,
  correctiveActionRequired: () => null,
  certificateIssued: (s) => String(s.notice.event?.details?.expiresOn),
  maintenanceDue: (s) => s.company.nextDeadline?.dueOn ?? null,
  recertificationDue: (s) => s.company.nextDeadline?.dueOn ?? null,
  lapsed: (s) => String(s.notice.event?.details?.dueOn), // the missed due date
  cancelled: (s) => String(s.notice.event?.details?.dueOn),
  withdrawn: () => null,
  workflowFailed: () => null,
  opening: (s) => s.notice.reminder?.dueOn ?? null,
  reminder: (s) => s.notice.reminder?.dueOn ?? null,
};

const EVENT_KINDS = (Object.keys(DATE_STATED) as NoticeKind[]).filter(
  (k) => k !== 'opening' && k !== 'reminder',
);
const ALL_KEYS = [...EVENT_KINDS, ...STEPS.flatMap((step) => [`opening:${step}`, `reminder:${step}`])];

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const unescapeHtml = (s: string) =>
  s.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
const headingsOf = (html: string) =>
  [...html.matchAll(/<h2[^>]*>([^<]*)<\/h2>/g)].map((m) => unescapeHtml(m[1] ?? ''));
/** The HTML's paragraphs, each line of them (a paragraph breaks lines with <br>), unescaped. */
const paragraphsOf = (html: string) =>
  [...html.matchAll(/<p[^>]*>((?:[^<]|<br>)*)<\/p>/g)].flatMap((m) =>
    (m[1] ?? '').split('<br>').map(unescapeHtml),
  );

function sample(region: Region, key: string): Sample {
  const s = SAMPLES.get(region)?.get(key);
  if (!s) throw new Error(`no ${key} notice was produced for ${region}`);
  return s;
}

const render = (s: Sample, recipient: Recipient, company = s.company): RenderedEmail =>
  renderDigest([s.notice], company, recipient, linkFor(recipient));

/** The province-specific ending of a due date: "(by the end of that day, Alberta time)". */
const endOfDay = (region: Region) => `(by the end of that day, ${REGION_NAMES[region]} time)`;

describe('every notice, in every province and territory, for each of its recipients', () => {
  test.each(REGIONS)(
    '%s: the samples cover every kind, and opening notices and reminders of every step',
    (region) => {
      const samples = SAMPLES.get(region) as Map<string, Sample>;
      expect([...samples.keys()].sort()).toEqual([...ALL_KEYS].sort());
      // The domain itself sends a reminder of every step, and an opening notice of every step that opens after
      // the company hears of it.
      for (const step of STEPS) expect(samples.get(`reminder:${step}`)?.built).toBeUndefined();
      const opened = STEPS.filter((step) => !samples.get(`opening:${step}`)?.built);
      expect(opened.sort()).toEqual(
        ['CERTIFICATION_AUDIT', 'MAINTENANCE_AUDIT', 'RECERTIFICATION_AUDIT', 'TRAINING_REFRESHER'].sort(),
      );
    },
  );

  describe.each(REGIONS)('%s', (region) => {
    test.each(ALL_KEYS)('%s', (key) => {
      const s = sample(region, key);
      const recipients = s.notice.recipients;
      expect(recipients.length).toBeGreaterThan(0);
      if (s.notice.reminder) expect(recipients).toEqual(STEP_RECIPIENTS[s.notice.reminder.step]);
      const date = DATE_STATED[s.notice.kind](s);
      const partner = policies.forRegion(region);
      for (const recipient of recipients) {
        const link = linkFor(recipient);
        const { subject, text, html } = render(s, recipient);
        const person = recipient !== 'ops';

        // Something to read, without a placeholder left in it.
        expect(subject.trim()).not.toBe('');
        expect(text.trim()).not.toBe('');
        for (const part of [subject, text, html]) {
          expect(part).not.toMatch(/undefined|null|NaN|\[object Object\]/);
          expect(part).not.toMatch(API_ROUTE);
          if (person) expect(part).not.toMatch(API_WORDING);
        }
        if (person) expect(`${subject}\n${text}`).not.toMatch(ISO_DATE);

        // The date as a local long date, in the company's province.
        if (date !== null) {
          expect(date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
          if (person || s.notice.kind !== 'lapsed') expect(text).toContain(formatLongDate(date));
          else expect(text).toContain(date); // operations read the record's date
        }
        if (s.notice.kind === 'reminder' || s.notice.kind === 'opening') {
          const due = s.notice.reminder?.dueOn ?? '';
          expect(text).toContain(`${formatLongDate(due)} ${endOfDay(region)}`);
          // What happens if it is missed.
          expect(text).toMatch(/^If [^\n]* by then, [^\n]*(lapses|cancelled|expires)/m);
        }

        // One link, in the text and in the HTML.
        expect(text.split('\n')).toContain(link);
        expect(text.split(link)).toHaveLength(2);
        expect(html).toContain(`href="${escapeHtml(link)}"`);
        expect(html.split('href=')).toHaveLength(2);

        // Accessible HTML: the language, a title, a heading per notice (the text's headings, in capitals).
        expect(html).toMatch(
          /^<!doctype html><html lang="en"><head><meta charset="utf-8"><title>[^<]+<\/title>/,
        );
        expect(html).toContain(`<title>${escapeHtml(subject)}</title>`);
        const headings = headingsOf(html);
        expect(headings).toHaveLength(1);
        expect(headings[0]?.trim()).not.toBe('');
        expect(text.split('\n')).toContain(headings[0]?.toUpperCase());
        // Every line of the HTML is a line of the text, and the legal name is escaped.
        const textLines = text.split('\n');
        for (const line of paragraphsOf(html)) expect(textLines).toContain(line);
        expect(html).not.toContain('<Roofing>');
        if (text.includes(NAME)) expect(html).toContain(ESCAPED_NAME);

        // Addressed to the person; signed for the region's certifying partner, if it has one.
        const greeting =
          recipient === 'contact'
            ? `Hello ${CONTACT.name},`
            : recipient === 'trainee'
              ? `Hello ${TRAINEE.name},`
              : 'Hello,';
        expect(text.split('\n')[0]).toBe(greeting);
        expect(text).not.toContain('policy file');
        expect(text).toContain(
          partner.id === 'default'
            ? '\nSECOR Certification\n'
            : `\nSECOR Certification, for ${partner.certifyingPartner}\n`,
        );
      }
    });
  });
});

describe('a record with no open deadline (e.g. emails still due after a withdrawal)', () => {
  test.each(ALL_KEYS.filter((k) => !k.includes(':')))('%s: no empty placeholders', (key) => {
    const s = sample('AB', key);
    const company: Company = { ...s.company, nextDeadline: null };
    for (const recipient of s.notice.recipients) {
      const { subject, text } = render(s, recipient, company);
      expect(subject.trim()).not.toBe('');
      expect(`${subject}\n${text}`).not.toMatch(/undefined|null|NaN|by \.|by $|due \.|due by\s*$|by ,/m);
    }
  });
});

describe('renderDigest: everything due for one person in one email', () => {
  /** Program in, certification audit failed (with corrective actions): three notices for the contact at once. */
  const threeForTheContact = (region: Region) => {
    const company = Story.registered('2027-01-10', { legalName: NAME, region })
      .designate()
      .exam(85, '2027-02-15')
      .notified(at('2027-02-15', '10:00:01.000Z'))
      .submit('2027-03-01')
      .audit('certification', 50, '2027-06-01').company;
    const notices = noticesDue(company, policies.forRegion(region), at('2027-06-01', '16:00:01.000Z'));
    return { company, notices };
  };

  test.each(REGIONS)(
    '%s: a digest of 3 notices lists all three headings, in order, in one email',
    (region) => {
      const { company, notices } = threeForTheContact(region);
      expect(notices.map((n) => n.kind)).toEqual([
        'programReceived',
        'auditFailed',
        'correctiveActionRequired',
      ]);
      expect(notices.every((n) => n.recipients.includes('contact'))).toBe(true);
      const singles = notices.map((n) => renderDigest([n], company, 'contact', SIGN_IN_LINK));
      const headings = singles.flatMap((e) => headingsOf(e.html));
      expect(headings).toHaveLength(3);

      const digest = renderDigest(notices, company, 'contact', SIGN_IN_LINK);

      expect(digest.subject).toBe(`${singles[0]?.subject} (and 2 more updates)`);
      expect(headingsOf(digest.html)).toEqual(headings);
      const lines = digest.text.split('\n');
      const positions = headings.map((h) => lines.indexOf(h.toUpperCase()));
      expect(positions.every((i) => i > 0)).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      // Each notice's own lines are in it; one greeting, one link, one signature.
      for (const single of singles) {
        for (const p of paragraphsOf(single.html)) expect(paragraphsOf(digest.html)).toContain(p);
      }
      expect(lines.filter((l) => l.startsWith('Hello '))).toEqual([`Hello ${CONTACT.name},`]);
      expect(digest.text.split(SIGN_IN_LINK)).toHaveLength(2);
      expect(digest.html.split('href=')).toHaveLength(2);
      expect(digest.text.match(/^SECOR Certification/gm)).toHaveLength(1);
      expect(digest.text).not.toMatch(API_ROUTE);
      expect(digest.text).not.toMatch(API_WORDING);
    },
  );

  test('two notices: "(and 1 more update)"; an email needs at least one notice', () => {
    const { company, notices } = threeForTheContact('AB');
    expect(renderDigest(notices.slice(0, 2), company, 'contact', SIGN_IN_LINK).subject).toMatch(
      /\(and 1 more update\)$/,
    );
    expect(() => renderDigest([], company, 'contact', SIGN_IN_LINK)).toThrow(
      'an email needs at least one notice',
    );
  });

  test('a sign-in link says it works once, within 7 days; the operations email has the portal only', () => {
    const s = sample('AB', 'lapsed');
    const contact = render(s, 'contact');
    const ops = render(s, 'ops');
    expect(contact.text).toContain(`Open the SECOR portal (signed in):\n${SIGN_IN_LINK}\n`);
    expect(contact.text).toContain('it works once, within 7 days');
    expect(ops.text).toContain(`Open the SECOR portal:\n${OPS_LINK}\n`);
    expect(ops.text).not.toContain('signed in');
  });
});

describe('details that matter', () => {
  test('welcome (Alberta): the partner, the next step, its local due date, what to do and if missed', () => {
    const s = sample('AB', 'welcome');
    const email = render(s, 'contact');
    expect(email.subject).toBe(`Welcome to SECOR, ${NAME}`);
    expect(email.text).toBe(
      [
        `Hello ${CONTACT.name},`,
        '',
        'YOU ARE REGISTERED FOR SECOR',
        `${NAME} is registered for SECOR (Small Employer Certificate of Recognition) in Alberta, with ACSA, ESC and AHSA (Alberta Health & Safety partners) as certifying partner.`,
        'Next: naming your SECOR trainee, due Saturday, 10 July 2027 (by the end of that day, Alberta time).',
        'Choose the employee who will take the 16-hour SECOR course, then open the portal and enter their name and email under "Trainee". They get their own email with what to do.',
        'If no trainee is named by then, the SECOR registration lapses. You can pick it up again at this step, but the 6-month training period starts over.',
        '',
        'Open the SECOR portal (signed in):',
        SIGN_IN_LINK,
        "The link signs you in; it works once, within 7 days. After that, ask for a new one on the portal's sign-in page with your email.",
        '',
        'Questions? Reply to this email.',
        'SECOR Certification, for ACSA, ESC and AHSA (Alberta Health & Safety partners)',
        '',
      ].join('\n'),
    );
  });

  test('a province without a policy of its own names no partner (Ontario)', () => {
    const welcome = render(sample('ON', 'welcome'), 'contact');
    expect(welcome.text).toContain(
      `${NAME} is registered for SECOR (Small Employer Certificate of Recognition) in Ontario.`,
    );
    const audit = render(sample('ON', 'reminder:CERTIFICATION_AUDIT'), 'contact');
    expect(audit.text).toContain('Book your certification audit with your SECOR certifying partner.');
  });

  test('examFailed: attempt number, score and pass mark', () => {
    const email = render(sample('AB', 'examFailed'), 'trainee');
    expect(email.subject).toBe('SECOR exam attempt 1: 50%, not passed yet');
    expect(email.text).toContain('Attempt 1 scored 50%; the pass mark is 80%.');
    expect(email.text).toContain('You may take the exam again with your training provider (2 attempts left');
  });

  test('examFailed sent later says what that attempt left, not what is left when it goes', () => {
    const s = sample('AB', 'examFailed');
    // By the time the email goes, the enrolment's attempts are used up (the trainee must re-enrol).
    const later = { ...s.company, training: { ...s.company.training, enrolled: false } };
    const email = render(s, 'trainee', later);
    expect(email.text).toContain('(2 attempts left');
    expect(email.text).not.toContain('No attempts are left');
    const third = {
      ...s.notice,
      event: { ...s.notice.event!, details: { ...s.notice.event!.details, attemptNumber: 3 } },
    };
    expect(renderDigest([third], later, 'trainee', linkFor('trainee')).text).toContain(
      'No attempts are left in this round',
    );
  });

  test('certificateIssued: the number, the dates and where anyone can verify it', () => {
    const email = render(sample('AB', 'certificateIssued'), 'contact');
    expect(email.subject).toBe(`${NAME}: SECOR certificate SECOR-AB-2027-000007 issued`);
    expect(email.text).toContain(
      `issued on ${formatLongDate('2027-06-10')} and is valid until ${formatLongDate('2030-06-10')}`,
    );
    expect(email.text).toContain('"Verify a certificate" page with its number');
  });

  test('programReceived: a reminder is promised only when the audit opens later; else it can be booked now', () => {
    const story = Story.registered('2027-01-10', { legalName: NAME })
      .designate()
      .exam(85, '2027-02-15')
      .notified(at('2027-02-15', '10:00:01.000Z'));
    const company = submitRecentProgram(story).company;
    const [received] = noticesDue(company, policies.forRegion('AB'), at('2027-03-01', '10:00:01.000Z'));
    expect(received?.kind).toBe('programReceived');
    const recent = renderDigest([received as Notice], company, 'contact', SIGN_IN_LINK);
    expect(recent.text).toContain(
      `the certification audit can be done from ${formatLongDate('2027-05-20')}. We will remind you when it can be booked.`,
    );
    // Story.submit: a program in use since 2026, so the audit opens the day it is received (no opening notice).
    const now = render(sample('AB', 'programReceived'), 'contact');
    expect(now.text).toContain('the certification audit can be booked now.');
    expect(now.text).not.toContain('We will remind you');
  });

  test('lapsed: the company is told how to pick it up again; operations get the company id and phase', () => {
    const s = sample('AB', 'lapsed');
    const contact = render(s, 'contact');
    const ops = render(s, 'ops');
    expect(contact.subject).toBe(`${NAME}: SECOR deadline missed`);
    expect(contact.text).toContain(
      `Naming your SECOR trainee was due ${formatLongDate('2027-07-10')} ${endOfDay('AB')} and was not done`,
    );
    expect(contact.text).toContain(
      'To pick it up again: Choose the employee who will take the 16-hour SECOR course',
    );
    expect(ops.subject).toBe(`[ops] ${NAME} lapsed (DESIGNATE_TRAINEE)`);
    expect(ops.text).toContain(
      'Company co-1 (AB) lapsed in phase REGISTERED: DESIGNATE_TRAINEE was due 2027-07-10.',
    );
  });

  test('user-supplied details are escaped in the HTML', () => {
    const { html, text } = render(sample('AB', 'withdrawn'), 'contact');
    expect(text).toContain('Reason given: closing <the> business & selling.');
    expect(html).toContain('Reason given: closing &#60;the&#62; business &#38; selling.');
    const failed = render(sample('AB', 'workflowFailed'), 'ops');
    expect(failed.html).toContain('States.Timeout: &#60;no answer&#62;');
  });

  test('a maintenance reminder names the certificate year; the days left read as words', () => {
    const { company } = sample('AB', 'maintenanceDue');
    const notice = (daysLeft: number): Notice => ({
      key: 'MAINTENANCE_AUDIT2|2028-06-10|2028-06-03',
      kind: 'reminder',
      recipients: ['contact'],
      reminder: { step: 'MAINTENANCE_AUDIT', dueOn: '2028-06-10', daysLeft, maintenanceYear: 2 },
    });
    const email = (daysLeft: number) => renderDigest([notice(daysLeft)], company, 'contact', SIGN_IN_LINK);
    expect(email(7).subject).toBe(
      `Reminder: your year-2 maintenance self-audit due in 7 days (${company.legalName})`,
    );
    expect(email(7).text).toContain(
      `Your year-2 maintenance self-audit is due ${formatLongDate('2028-06-10')} ${endOfDay('AB')}, in 7 days.`,
    );
    expect(email(7).text).toContain('Do your year-2 maintenance self-audit');
    expect(email(1).subject).toBe(
      `Reminder: your year-2 maintenance self-audit due tomorrow (${company.legalName})`,
    );
    expect(email(0).subject).toBe(
      `Reminder: your year-2 maintenance self-audit due today (${company.legalName})`,
    );
  });

  test('a reminder sent at the company wake states the days left on the local date (British Columbia)', () => {
    const company = Story.registered('2027-01-10', { region: 'BC' }).notified(
      at('2027-01-10', '10:00:01.000Z'),
    ).company;
    const wake = wakeAtOn(company, '2027-07-09'); // one day before the due date, 2027-07-10
    const [notice] = noticesDue(company, policies.forRegion('BC'), wake);
    expect(notice).toMatchObject({ kind: 'reminder', reminder: { dueOn: '2027-07-10', daysLeft: 1 } });
    const email = renderDigest([notice as Notice], company, 'contact', SIGN_IN_LINK);
    expect(email.subject).toBe(`Reminder: naming your SECOR trainee due tomorrow (${company.legalName})`);
    expect(email.text).toContain(`due ${formatLongDate('2027-07-10')} ${endOfDay('BC')}, tomorrow.`);
  });

  // The re-entry the email points to must be one the domain accepts: after a missed exam, a re-enrolment.
  test('lapsed at TRAINING_EXAM: the email points to re-enrolment, the action the domain accepts', () => {
    const story = Story.registered('2027-01-10', { legalName: NAME })
      .designate('2027-01-11')
      .notified(at('2027-01-11', '10:00:01.000Z'));
    const company = story.do({ type: 'deadlinePassed' }, escalationOf(story.company), 'system').company;
    const [notice] = noticesDue(company, policies.forRegion(company.region), at('2027-07-12'));
    expect(notice).toMatchObject({ kind: 'lapsed', recipients: ['trainee', 'contact', 'ops'] });
    // what the domain accepts: not an exam attempt, a re-enrolment
    expect(() =>
      decide(company, { type: 'recordExamAttempt', score: 90 }, { now: at('2027-07-12'), by: 'assessor:t' }),
    ).toThrow(/re-enrol/);
    expect(decide(company, { type: 'reEnrol' }, { now: at('2027-07-12'), by: 'company' }).company.phase).toBe(
      'TRAINING',
    );

    for (const recipient of ['trainee', 'contact'] as const) {
      const email = renderDigest([notice as Notice], company, recipient, SIGN_IN_LINK);
      expect(email.text).toContain(
        'the trainee enrols in the course again (in the portal) and passes the exam',
      );
      expect(email.text).not.toContain('Take the SECOR course with your training provider');
    }
  });
});

describe('mailer: the email as SES receives it', () => {
  const ses = mockClient(SESv2Client);
  const email = () => {
    const s = sample('AB', 'welcome');
    return renderDigest([s.notice], s.company, 'contact', SIGN_IN_LINK);
  };

  beforeEach(() => {
    ses.reset();
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    Object.assign(process.env, ENV);
    delete process.env.SENDER_NAME;
    delete process.env.REPLY_TO_ADDRESS;
  });
  afterAll(() => {
    ses.restore();
    Object.assign(process.env, ENV);
  });

  test('from "SECOR Certification" <sender>, replies to operations, the rendered subject, text and HTML', async () => {
    const rendered = email();

    await expect(sendEmail(CONTACT.email, rendered, { kind: 'welcome' })).resolves.toBe('m-1');

    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    expect(ses).toHaveReceivedCommandWith(SendEmailCommand, {
      FromEmailAddress: `"SECOR Certification" <${ENV.SENDER_ADDRESS}>`,
      ReplyToAddresses: [ENV.OPS_EMAIL],
      Destination: { ToAddresses: [CONTACT.email] },
      Content: {
        Simple: {
          Subject: { Data: rendered.subject, Charset: 'UTF-8' },
          Body: {
            Text: { Data: rendered.text, Charset: 'UTF-8' },
            Html: { Data: rendered.html, Charset: 'UTF-8' },
          },
        },
      },
    });
  });

  test('SENDER_NAME and REPLY_TO_ADDRESS: the name is quoted (quotes and line breaks dropped), replies go there', async () => {
    process.env.SENDER_NAME = 'Acme "Safety"\r\nDesk';
    process.env.REPLY_TO_ADDRESS = 'help@secor.example';

    await sendEmail(CONTACT.email, email());

    expect(ses).toHaveReceivedCommandWith(SendEmailCommand, {
      FromEmailAddress: `"Acme SafetyDesk" <${ENV.SENDER_ADDRESS}>`,
      ReplyToAddresses: ['help@secor.example'],
    });
  });

  test('no reply-to address and no operations address: no Reply-To', async () => {
    delete process.env.OPS_EMAIL;

    await sendEmail(CONTACT.email, email());

    const input = ses.commandCalls(SendEmailCommand)[0]?.args[0].input;
    expect(input?.FromEmailAddress).toBe(`"SECOR Certification" <${ENV.SENDER_ADDRESS}>`);
    expect(input).not.toHaveProperty('ReplyToAddresses');
  });
});
