/**
 * Email content for people. Every lifecycle email is for one person and lists everything due for them that day
 * (domain planNotices merges them): for each notice, in plain words, the step, its due date as a local date,
 * what to do, what happens if it is missed; and one link that opens the portal signed in as them. Never an API
 * route or a key. A text part and an accessible HTML part (lang, headings, a labelled link). Rendered by our
 * code, the same in AWS and on the local SES outbox.
 */
import {
  formatLongDate,
  localDateOf,
  policies,
  REGION_NAMES,
  timeZoneOf,
  type Company,
  type Notice,
  type Recipient,
  type Step,
} from '../../domain';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** How long the sign-in link of a lifecycle email works (functions/lib/notify.ts issues it). */
export const LIFECYCLE_LINK_DAYS = 7;

interface StepText {
  /** The step, as a short noun phrase: "the certification audit". */
  name: string;
  /** What to do, addressed to the person who does it. */
  todo: (c: Company, year?: 2 | 3) => string;
  /** What happens if the due date passes. */
  missed: string;
}

/**
 * The region's certifying partner by name, or null where the region has no policy of its own (the default
 * policy's `certifyingPartner` describes the policy, it names nobody).
 */
const partnerName = (c: Company): string | null => {
  const policy = policies.forRegion(c.region);
  return policy.id === 'default' ? null : policy.certifyingPartner;
};
const partner = (c: Company) => partnerName(c) ?? 'your SECOR certifying partner';

const STEPS: Record<Step, StepText> = {
  DESIGNATE_TRAINEE: {
    name: 'naming your SECOR trainee',
    todo: () =>
      'Choose the employee who will take the 16-hour SECOR course, then open the portal and enter their name and email under "Trainee". They get their own email with what to do.',
    missed:
      'If no trainee is named by then, the SECOR registration lapses. You can pick it up again at this step, but the 6-month training period starts over.',
  },
  TRAINING_EXAM: {
    name: 'the SECOR course and exam',
    todo: () =>
      'Take the SECOR course with your training provider and pass its exam (80% or more). The provider records your result; there is nothing to file yourself. You can follow your training in the portal.',
    missed:
      "If the exam is not passed by then, the company's SECOR registration lapses and the course has to be taken again.",
  },
  PROGRAM_SUBMISSION: {
    name: 'your health and safety program',
    todo: () =>
      'Send in your health and safety program (your safety manual): open the portal, choose "Safety program", give the manual\'s title and version and tick the program elements it covers.',
    missed:
      'If the program is not in by then, the SECOR registration lapses; you can re-enter by submitting it.',
  },
  CERTIFICATION_AUDIT: {
    name: 'the certification audit',
    todo: (c) =>
      `Book your certification audit with ${partner(c)}. The auditor visits, scores each element of your program and records the result; you will get an email when it is in.`,
    missed:
      'If the audit is not done by then, the SECOR registration lapses and the company re-enters at the audit step.',
  },
  MAINTENANCE_AUDIT: {
    name: 'your maintenance self-audit',
    todo: (_c, year) =>
      `Do your year-${year ?? 2} maintenance self-audit: score each element of your program, then open the portal and file it under "Audits". It takes about an hour for a small company.`,
    missed:
      'If the maintenance audit is not filed by then, your SECOR certificate is cancelled and the company has to certify again from the start.',
  },
  RECERTIFICATION_AUDIT: {
    name: 'your recertification audit',
    todo: (c) =>
      `Book your recertification audit with ${partner(c)}: your certificate expires on the due date. The auditor records the result.`,
    missed:
      'If the audit is not done by then, your certificate expires and lapses; the company then recertifies from the audit step.',
  },
  TRAINING_REFRESHER: {
    name: 'your SECOR refresher course',
    todo: () =>
      'Your SECOR training certificate is about to expire. Open the portal and enrol in the refresher course, then take the course and its exam with your training provider.',
    missed:
      'If the refresher is not passed by then, your training certificate expires, and the company needs valid training to recertify.',
  },
};

/** A date as people read it, with the province: "Friday, 31 December 2027 (end of day, British Columbia time)". */
export function dueText(company: Company, dueOn: string): string {
  return `${formatLongDate(dueOn)} (by the end of that day, ${REGION_NAMES[company.region as keyof typeof REGION_NAMES] ?? company.region} time)`;
}

interface Section {
  subject: string;
  heading: string;
  lines: string[];
}

/** The exam attempts an enrolment had left after its attempt number `attemptNumber`. */
function attemptsLeftAfter(company: Company, attemptNumber: unknown): number {
  const n = typeof attemptNumber === 'number' ? attemptNumber : Number(attemptNumber);
  return Math.max(0, policies.forRegion(company.region).examAttemptsPerCycle - (Number.isFinite(n) ? n : 0));
}

function str(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

/** What is due next on the record, in words: "Next: … by …. What to do. If missed: …". */
function nextStep(company: Company, forTrainee: boolean): string[] {
  const d = company.nextDeadline;
  if (!d) return [];
  const step = STEPS[d.step];
  // The trainee only hears of their own steps.
  if (forTrainee !== (d.step === 'TRAINING_EXAM' || d.step === 'TRAINING_REFRESHER')) return [];
  return [
    `Next: ${step.name}, due ${dueText(company, d.dueOn)}.`,
    step.todo(company, d.maintenanceYear),
    step.missed,
  ];
}

function section(notice: Notice, company: Company, recipient: Recipient): Section {
  const name = company.legalName;
  const d = notice.event?.details ?? {};
  const trainee = recipient === 'trainee';
  const next = () => nextStep(company, trainee);
  const ops = recipient === 'ops';
  switch (notice.kind) {
    case 'welcome':
      return {
        subject: `Welcome to SECOR, ${name}`,
        heading: 'You are registered for SECOR',
        lines: [
          `${name} is registered for SECOR (Small Employer Certificate of Recognition) in ${REGION_NAMES[company.region as keyof typeof REGION_NAMES] ?? company.region}${partnerName(company) ? `, with ${partnerName(company)} as certifying partner` : ''}.`,
          ...next(),
        ],
      };
    case 'traineeEnrolment':
      return trainee
        ? {
            subject: `You are ${name}'s SECOR trainee`,
            heading: 'You are the SECOR trainee',
            lines: [
              `${name} has named you to take the 16-hour SECOR health and safety course on its behalf.`,
              ...next(),
            ],
          }
        : {
            subject: `${str(d.name)} is your SECOR trainee`,
            heading: 'Trainee named',
            lines: [
              `${str(d.name)} is now ${name}'s SECOR trainee and has been sent what to do. Their training must be passed by ${company.nextDeadline ? dueText(company, company.nextDeadline.dueOn) : 'the training deadline'}.`,
            ],
          };
    case 'examFailed':
      return {
        subject: `SECOR exam attempt ${str(d.attemptNumber)}: ${str(d.score)}%, not passed yet`,
        heading: 'Exam not passed yet',
        lines: [
          `Attempt ${str(d.attemptNumber)} scored ${str(d.score)}%; the pass mark is ${str(d.passMark)}%.`,
          // As of that attempt (the email may go later, with what happened since): the attempts it left.
          attemptsLeftAfter(company, d.attemptNumber) > 0
            ? `You may take the exam again with your training provider (${attemptsLeftAfter(company, d.attemptNumber)} attempt${attemptsLeftAfter(company, d.attemptNumber) === 1 ? '' : 's'} left${company.nextDeadline ? `; the training is due ${dueText(company, company.nextDeadline.dueOn)}` : ''}).`
            : 'No attempts are left in this round: enrol in the course again (in the portal) and repeat it before the next attempt.',
        ],
      };
    case 'attemptsExhausted':
      return {
        subject: 'SECOR course: a new enrolment is needed',
        heading: 'All exam attempts used',
        lines: [
          'The exam attempts of this round are used up. The trainee must enrol again and repeat the course before trying the exam again: open the portal and choose "Enrol again".',
          ...(company.nextDeadline
            ? [`The training must still be passed by ${dueText(company, company.nextDeadline.dueOn)}.`]
            : []),
        ],
      };
    case 'reEnrolled':
      return {
        subject: 'You are enrolled in the SECOR course again',
        heading: 'Enrolled again',
        lines: ['A new round of exam attempts is open.', ...next()],
      };
    case 'trainingPassed':
      return {
        subject: trainee ? 'You passed the SECOR exam' : `${name}: SECOR training passed`,
        heading: 'Training passed',
        lines: [
          `The SECOR exam was passed on ${formatLongDate(str(d.passedOn))}; the training certificate is valid until ${formatLongDate(str(d.expiresOn))}.`,
          ...(trainee
            ? [
                'Well done. Your company takes the next steps; you will hear from us before the certificate needs a refresher.',
              ]
            : next()),
        ],
      };
    case 'refresherEnrolled':
      return {
        subject: 'You are enrolled in the SECOR refresher',
        heading: 'Refresher enrolment',
        lines: [`Take the refresher course and pass its exam before ${dueText(company, str(d.expiresOn))}.`],
      };
    case 'refresherPassed':
      return {
        subject: 'SECOR refresher passed',
        heading: 'Refresher passed',
        lines: [`Your SECOR training certificate is renewed until ${formatLongDate(str(d.expiresOn))}.`],
      };
    case 'programReceived':
      return {
        subject: `${name}: safety program received`,
        heading: 'Safety program received',
        lines: [
          `Your manual "${str(d.manualTitle)}" (version ${str(d.manualVersion)}) is on file.`,
          // An opening notice follows only when the audit opens after the day the program came in (schedule.ts).
          str(d.earliestAuditOn) >
          (notice.event ? localDateOf(notice.event.at, timeZoneOf(company.region)) : '')
            ? `The program must be in use for a while before it is audited: the certification audit can be done from ${formatLongDate(str(d.earliestAuditOn))}. We will remind you when it can be booked.`
            : 'Your program has been in use long enough: the certification audit can be booked now.',
          ...next(),
        ],
      };
    case 'auditPassed':
      return {
        subject: `${name}: ${str(d.type)} audit passed (${str(d.overallScore)}%)`,
        heading: 'Audit passed',
        lines: [`The ${str(d.type)} audit passed with ${str(d.overallScore)}%.`],
      };
    case 'auditFailed':
      return {
        subject: `${name}: ${str(d.type)} audit not passed (${str(d.overallScore)}%)`,
        heading: 'Audit not passed',
        lines: [
          `The ${str(d.type)} audit did not pass: ${((d.reasons as string[] | undefined) ?? []).join('; ')}.`,
          'Fix what it found, then have a new audit done.',
          ...next(),
        ],
      };
    case 'correctiveActionRequired':
      return {
        subject: `${name}: corrective actions needed`,
        heading: 'Corrective actions needed',
        lines: [
          `The audit found: ${((d.reasons as string[] | undefined) ?? []).join('; ')}.`,
          'Write down what you will change for each finding, who does it and by when, and fix it; the next passing audit closes it.',
          company.certificate?.status === 'valid' ? 'Your certificate remains valid meanwhile.' : '',
        ],
      };
    case 'certificateIssued':
      return {
        subject: `${name}: SECOR certificate ${str(d.certificateNumber)} issued`,
        heading: 'Your SECOR certificate',
        lines: [
          `Congratulations: certificate ${str(d.certificateNumber)} was issued on ${formatLongDate(str(d.issuedOn))} and is valid until ${formatLongDate(str(d.expiresOn))}.`,
          'Anyone (a client, a prime contractor) can check it on the portal\'s "Verify a certificate" page with its number.',
          'To keep it, a maintenance self-audit is due in each of the next two years; we will remind you.',
        ],
      };
    case 'maintenanceDue':
      return {
        subject: `${name}: year-${str(d.maintenanceYear)} maintenance audit`,
        heading: `Year-${str(d.maintenanceYear)} maintenance audit`,
        lines: company.nextDeadline
          ? [
              `Your year-${str(d.maintenanceYear)} maintenance self-audit can be filed from ${formatLongDate(company.nextDeadline.opensOn)} and is due ${dueText(company, company.nextDeadline.dueOn)}.`,
              STEPS.MAINTENANCE_AUDIT.todo(company, company.nextDeadline.maintenanceYear),
              STEPS.MAINTENANCE_AUDIT.missed,
            ]
          : [],
      };
    case 'recertificationDue':
      return {
        subject: `${name}: time to recertify`,
        heading: 'Recertification',
        lines: company.nextDeadline
          ? [
              `Your certificate expires on ${formatLongDate(company.nextDeadline.dueOn)}. The recertification audit can be done from ${formatLongDate(company.nextDeadline.opensOn)}.`,
              STEPS.RECERTIFICATION_AUDIT.todo(company),
              STEPS.RECERTIFICATION_AUDIT.missed,
            ]
          : [],
      };
    case 'lapsed': {
      const step = STEPS[d.step as Step];
      return {
        subject: ops ? `[ops] ${name} lapsed (${str(d.step)})` : `${name}: SECOR deadline missed`,
        heading: 'Deadline missed',
        lines: ops
          ? [
              `Company ${company.companyId} (${company.region}) lapsed in phase ${str(d.phase)}: ${str(d.step)} was due ${str(d.dueOn)}.`,
            ]
          : [
              `${step ? step.name[0]?.toUpperCase() + step.name.slice(1) : str(d.step)} was due ${dueText(company, str(d.dueOn))} and was not done, so ${name}'s SECOR registration has lapsed.`,
              d.step === 'TRAINING_EXAM'
                ? 'To pick it up again, the trainee enrols in the course again (in the portal) and passes the exam.'
                : `To pick it up again: ${step ? step.todo(company) : 'open the portal'}`,
            ],
      };
    }
    case 'cancelled':
      return {
        subject: ops ? `[ops] ${name}: certificate cancelled` : `${name}: SECOR certificate cancelled`,
        heading: 'Certificate cancelled',
        lines: [
          `The year-${str(d.maintenanceYear)} maintenance audit was due ${dueText(company, str(d.dueOn))} and was not filed, so certificate ${str(d.certificateNumber)} is cancelled.`,
          ops
            ? `Company ${company.companyId} (${company.region}).`
            : `To certify again, contact ${partner(company)}, or reply to this email.`,
        ],
      };
    case 'withdrawn':
      return {
        subject: `${name}: withdrawn from SECOR`,
        heading: 'Withdrawn',
        lines: [
          `${name} has withdrawn from SECOR.${d.reason ? ` Reason given: ${str(d.reason)}.` : ''}`,
          'If this was a mistake, reply to this email.',
        ],
      };
    case 'workflowFailed':
      return {
        subject: `[ops] SECOR workflow failed for ${name}`,
        heading: 'Workflow failed',
        lines: [
          `Execution ${str(d.execution)} failed in phase ${str(d.phase)}: ${str(d.cause)}`,
          `Redrive it once the cause is fixed: npm run ops -- redrive ${company.companyId}`,
        ],
      };
    case 'opening':
    case 'reminder': {
      const r = notice.reminder;
      const step = STEPS[r?.step ?? 'DESIGNATE_TRAINEE'];
      const days = r?.daysLeft ?? 0;
      const left = days === 0 ? 'today' : days === 1 ? 'tomorrow' : `in ${days} days`;
      const title =
        r?.step === 'MAINTENANCE_AUDIT' && r.maintenanceYear
          ? `your year-${r.maintenanceYear} maintenance self-audit`
          : step.name;
      const cap = title[0]?.toUpperCase() + title.slice(1);
      return notice.kind === 'opening'
        ? {
            subject: `${name}: ${title} can be done now`,
            heading: `${cap} can be done now`,
            lines: [
              `${cap} can be done from today, and is due ${dueText(company, r?.dueOn ?? '')}.`,
              step.todo(company, r?.maintenanceYear),
              step.missed,
            ],
          }
        : {
            subject: `Reminder: ${title} due ${left} (${name})`,
            heading: `${cap}: due ${left}`,
            lines: [
              `${cap} is due ${dueText(company, r?.dueOn ?? '')}, ${left}.`,
              step.todo(company, r?.maintenanceYear),
              step.missed,
            ],
          };
    }
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/**
 * One email for one person: everything due for them now (one notice or several), their greeting, and the link
 * that opens the portal signed in as them (`link`; for operations, the portal itself).
 */
export function renderDigest(
  notices: readonly Notice[],
  company: Company,
  recipient: Recipient,
  link: string,
): RenderedEmail {
  const sections = notices.map((n) => section(n, company, recipient));
  const first = sections[0];
  if (!first) throw new Error('an email needs at least one notice');
  const subject =
    sections.length === 1
      ? first.subject
      : `${first.subject} (and ${sections.length - 1} more update${sections.length > 2 ? 's' : ''})`;
  const person =
    recipient === 'trainee' ? company.trainee?.name : recipient === 'contact' ? company.contact.name : null;
  const greeting = person ? `Hello ${person},` : 'Hello,';
  const signedIn = recipient !== 'ops';
  const linkText = signedIn ? 'Open the SECOR portal (signed in)' : 'Open the SECOR portal';
  const linkNote = signedIn
    ? `The link signs you in; it works once, within ${LIFECYCLE_LINK_DAYS} days. After that, ask for a new one on the portal's sign-in page with your email.`
    : '';
  const closing = 'Questions? Reply to this email.';
  const signature = partnerName(company)
    ? `SECOR Certification, for ${partnerName(company)}`
    : 'SECOR Certification';
  const text = [
    greeting,
    '',
    ...sections.flatMap((s) => [s.heading.toUpperCase(), ...s.lines.filter((l) => l !== ''), '']),
    `${linkText}:`,
    link,
    ...(linkNote ? [linkNote] : []),
    '',
    closing,
    signature,
    '',
  ].join('\n');
  const html = [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#1a1a1a;max-width:40em">',
    `<p>${escapeHtml(greeting)}</p>`,
    ...sections.map(
      (s) =>
        `<h2 style="font-size:18px;margin:1.2em 0 0.4em">${escapeHtml(s.heading)}</h2>` +
        s.lines
          .filter((l) => l !== '')
          .map((l) => `<p>${escapeHtml(l)}</p>`)
          .join(''),
    ),
    `<p><a href="${escapeHtml(link)}" style="display:inline-block;padding:10px 16px;background:#0b5394;color:#ffffff;text-decoration:none;border-radius:4px">${escapeHtml(linkText)}</a></p>`,
    ...(linkNote ? [`<p style="font-size:14px;color:#444444">${escapeHtml(linkNote)}</p>`] : []),
    `<p>${escapeHtml(closing)}<br>${escapeHtml(signature)}</p>`,
    '</body></html>',
  ].join('');
  return { subject, text, html };
}

/**
 * The sign-in email: one link that signs the person in (it works once, for `validMinutes`), who it is for, and
 * what to do if they did not ask for it. The token is in the link's fragment, which browsers never send to a
 * server (so it reaches no access log).
 */
export function renderSignIn(options: {
  companyName: string;
  role: 'company' | 'trainee';
  link: string;
  validMinutes: number;
}): RenderedEmail {
  const who =
    options.role === 'trainee'
      ? `the SECOR training of ${options.companyName}`
      : `the SECOR certification of ${options.companyName}`;
  const subject = `Your sign-in link for ${options.companyName}`;
  const lines = [
    `Someone (we hope you) asked to sign in to ${who}.`,
    `Open this link to sign in. It works once, within ${options.validMinutes} minutes:`,
    options.link,
    'If you did not ask for it, ignore this email: nobody can sign in without the link, and it expires on its own.',
  ];
  const text = `${lines.join('\n\n')}\n`;
  const html = [
    '<!doctype html><html lang="en"><body>',
    `<p>Someone (we hope you) asked to sign in to ${escapeHtml(who)}.</p>`,
    `<p><a href="${escapeHtml(options.link)}">Sign in</a> — the link works once, within ${options.validMinutes} minutes.</p>`,
    '<p>If you did not ask for it, ignore this email: nobody can sign in without the link, and it expires on its own.</p>',
    '</body></html>',
  ].join('');
  return { subject, text, html };
}
