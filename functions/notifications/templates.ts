/**
 * Email content for every notice: subject, plain text and HTML, naming the company, the step, the deadline,
 * what to do, and where to see the status. Rendered by our code (the same in AWS and on the local SES outbox).
 */
import type { Company, Notice, Recipient, Step } from '../../domain';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const STEP_LABEL: Record<Step, string> = {
  DESIGNATE_TRAINEE: 'designate the employee who takes the SECOR course',
  TRAINING_EXAM: 'pass the SECOR training exam',
  PROGRAM_SUBMISSION: 'submit the health & safety program (manual)',
  CERTIFICATION_AUDIT: 'complete the certification audit',
  MAINTENANCE_AUDIT: 'file the maintenance audit',
  RECERTIFICATION_AUDIT: 'complete the recertification audit',
  TRAINING_REFRESHER: 'take the refresher course before the training certificate expires',
};

const STEP_ACTION: Record<Step, string> = {
  DESIGNATE_TRAINEE: 'Name your trainee: PUT /companies/{id}/trainee with their name and email.',
  TRAINING_EXAM: 'Take the exam with your training provider; they record the result.',
  PROGRAM_SUBMISSION: 'Submit your program: POST /companies/{id}/program with the manual and its elements.',
  CERTIFICATION_AUDIT: 'Book your certification audit with your certifying partner; the auditor records it.',
  MAINTENANCE_AUDIT:
    'Complete your maintenance self-audit and file it: POST /companies/{id}/audits (type maintenance).',
  RECERTIFICATION_AUDIT:
    'Book your recertification audit with your certifying partner; the auditor records it.',
  TRAINING_REFRESHER: 'Enrol in the refresher: POST /companies/{id}/training/enrolments, then take the exam.',
};

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function str(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

export function renderNotice(
  notice: Notice,
  company: Company,
  recipient: Recipient,
  statusUrl: string,
): RenderedEmail {
  const name = company.legalName;
  const d = notice.event?.details ?? {};
  const deadline = company.nextDeadline;
  const due = deadline ? `${STEP_LABEL[deadline.step]} by ${deadline.dueOn}` : null;
  const what = (step: Step) => STEP_ACTION[step].replace('{id}', company.companyId);
  let subject: string;
  const lines: string[] = [];
  switch (notice.kind) {
    case 'welcome':
      subject = `Welcome to SECOR, ${name}`;
      lines.push(`${name} is registered for SECOR in ${company.region}.`);
      if (due) lines.push(`Next step: ${due}.`, what('DESIGNATE_TRAINEE'));
      break;
    case 'traineeEnrolment':
      subject = `${name}: ${str(d.name)} is enrolled in the SECOR course`;
      lines.push(
        `${str(d.name)} is the designated employee of ${name} for the 16-hour SECOR course.`,
        due ? `Deadline: ${due}.` : '',
        what('TRAINING_EXAM'),
      );
      break;
    case 'examFailed':
      subject = `${name}: SECOR exam attempt ${str(d.attemptNumber)} — ${str(d.score)}%, not passed`;
      lines.push(
        `The exam attempt ${str(d.attemptNumber)} scored ${str(d.score)}%; the pass mark is ${str(d.passMark)}%.`,
        company.training.enrolled
          ? `You may retake the exam${due ? `; deadline: ${due}` : ''}.`
          : 'No attempts are left in this attempt cycle: the trainee must re-enrol and repeat the course first.',
      );
      break;
    case 'attemptsExhausted':
      subject = `${name}: re-enrolment needed for the SECOR course`;
      lines.push(
        'Three failed attempts ended this attempt cycle. The trainee must re-enrol and repeat the course before trying again.',
        what('TRAINING_REFRESHER').replace('the refresher', 'the course again'),
        due ? `Deadline: ${due}.` : '',
      );
      break;
    case 'reEnrolled':
      subject = `${name}: re-enrolled in the SECOR course`;
      lines.push(`A new attempt cycle is open (3 attempts).${due ? ` Deadline: ${due}.` : ''}`);
      break;
    case 'trainingPassed':
      subject = `${name}: SECOR training passed`;
      lines.push(
        `The SECOR exam was passed on ${str(d.passedOn)}; the training certificate is valid until ${str(d.expiresOn)}.`,
        due ? `Next step: ${due}.` : '',
        what('PROGRAM_SUBMISSION'),
      );
      break;
    case 'refresherEnrolled':
      subject = `${name}: enrolled in the SECOR refresher`;
      lines.push(`Take the refresher exam before ${str(d.expiresOn)}.`);
      break;
    case 'refresherPassed':
      subject = `${name}: SECOR refresher passed`;
      lines.push(`The training certificate is renewed until ${str(d.expiresOn)}.`);
      break;
    case 'programReceived':
      subject = `${name}: safety program received — certification audit due`;
      lines.push(
        `Your manual "${str(d.manualTitle)}" (version ${str(d.manualVersion)}) is on file.`,
        `The certification audit may be completed from ${str(d.earliestAuditOn)} (minimum implementation period)${deadline ? ` and is due by ${deadline.dueOn}` : ''}.`,
        what('CERTIFICATION_AUDIT'),
      );
      break;
    case 'auditPassed':
      subject = `${name}: ${str(d.type)} audit passed (${str(d.overallScore)}%)`;
      lines.push(`The ${str(d.type)} audit passed with ${str(d.overallScore)}%.`);
      break;
    case 'auditFailed':
      subject = `${name}: ${str(d.type)} audit not passed (${str(d.overallScore)}%)`;
      lines.push(
        `The ${str(d.type)} audit did not pass: ${((d.reasons as string[] | undefined) ?? []).join('; ')}.`,
        `Take corrective action and complete a new audit${deadline ? ` by ${deadline.dueOn}` : ''}.`,
      );
      break;
    case 'correctiveActionRequired':
      subject = `${name}: corrective-action plan required`;
      lines.push(
        `The audit ${str(d.auditId)} found: ${((d.reasons as string[] | undefined) ?? []).join('; ')}.`,
        'Prepare a corrective-action plan and address these findings; the next passing audit closes it.',
        company.certificate?.status === 'valid' ? 'Your certificate remains valid.' : '',
      );
      break;
    case 'certificateIssued':
      subject = `${name}: SECOR certificate ${str(d.certificateNumber)} issued`;
      lines.push(
        `Congratulations: certificate ${str(d.certificateNumber)} was issued on ${str(d.issuedOn)} and is valid until ${str(d.expiresOn)}.`,
        'Anyone can verify it: GET /certificates/' + str(d.certificateNumber),
      );
      break;
    case 'maintenanceDue':
      subject = `${name}: year-${str(d.maintenanceYear)} maintenance audit due${deadline ? ` by ${deadline.dueOn}` : ''}`;
      lines.push(
        deadline
          ? `Your year-${str(d.maintenanceYear)} maintenance audit can be filed from ${deadline.opensOn} and is due by ${deadline.dueOn}. A missed maintenance audit cancels the certificate.`
          : '',
        what('MAINTENANCE_AUDIT'),
      );
      break;
    case 'recertificationDue':
      subject = `${name}: recertification due${deadline ? ` by ${deadline.dueOn}` : ''}`;
      lines.push(
        deadline
          ? `Your certificate expires on ${deadline.dueOn}. The recertification audit can be completed from ${deadline.opensOn}.`
          : '',
        what('RECERTIFICATION_AUDIT'),
      );
      break;
    case 'lapsed':
      subject = `${name}: SECOR ${recipient === 'ops' ? 'company lapsed' : 'deadline missed — lapsed'}`;
      lines.push(
        `The deadline to ${STEP_LABEL[d.step as Step] ?? str(d.step)} was ${str(d.dueOn)}; it passed, so ${name} is now LAPSED.`,
        recipient === 'ops'
          ? `Company ${company.companyId} (${company.region}) lapsed in phase ${str(d.phase)}.`
          : d.step === 'TRAINING_EXAM'
            ? `You can re-enter by re-enrolling the trainee: POST /companies/${company.companyId}/training/enrolments, then the exam.`
            : `You can re-enter at this step: ${what(d.step as Step)}`,
      );
      break;
    case 'cancelled':
      subject = `${name}: SECOR certificate cancelled`;
      lines.push(
        `The year-${str(d.maintenanceYear)} maintenance audit was due by ${str(d.dueOn)} and was not filed, so certificate ${str(d.certificateNumber)} is cancelled.`,
        recipient === 'ops'
          ? `Company ${company.companyId} (${company.region}).`
          : 'Contact your certifying partner to start again.',
      );
      break;
    case 'withdrawn':
      subject = `${name}: withdrawn from SECOR`;
      lines.push(
        `${name} has withdrawn from the SECOR program.${d.reason ? ` Reason: ${str(d.reason)}.` : ''}`,
      );
      break;
    case 'workflowFailed':
      subject = `[ops] SECOR workflow failed for ${name}`;
      lines.push(
        `Execution ${str(d.execution)} failed in phase ${str(d.phase)}: ${str(d.cause)}`,
        `Redrive it once the cause is fixed: npm run ops -- redrive ${company.companyId}`,
      );
      break;
    case 'reminder': {
      const r = notice.reminder;
      const step = r?.step ?? 'DESIGNATE_TRAINEE';
      const label =
        step === 'MAINTENANCE_AUDIT' && r?.maintenanceYear
          ? `year-${r.maintenanceYear} maintenance audit`
          : STEP_LABEL[step];
      subject = `Reminder for ${name}: ${label} — due ${r?.dueOn ?? ''} (${r?.daysLeft ?? '?'} days left)`;
      lines.push(
        `This is a reminder to ${STEP_LABEL[step]} by ${r?.dueOn ?? ''} (${r?.daysLeft ?? '?'} days left).`,
        what(step),
      );
      break;
    }
  }
  const footer = `Status of ${name}: ${statusUrl}/companies/${company.companyId} (with your company key).`;
  const body = [...lines.filter((l) => l !== ''), '', footer];
  const text = body.join('\n');
  const html = `<!doctype html><html><body>${body.map((l) => (l ? `<p>${escapeHtml(l)}</p>` : '')).join('')}</body></html>`;
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
