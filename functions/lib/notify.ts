/**
 * Sends the emails a company's record calls for (event notices and due reminders), at least once each, and in
 * all but one case exactly once. Every (notice, recipient) is claimed with a conditional write before it is
 * sent (`claimedAt`, a lease of NOTICE_LEASE_MS, longer than any function runs), marked `sentAt` once SES
 * accepts it, and released if SES refuses it. An attempt that finds a claim without `sentAt`:
 * - within its lease (another attempt may be sending it): sends the rest, then fails with NoticeInFlightError
 *   before the record notes the notices as sent, so the workflow retries it after the lease;
 * - past its lease (the claiming attempt died before SES accepted, e.g. a timeout or a crash): takes the claim
 *   over and sends the email.
 * A claim with `sentAt` is never sent again. So an email goes out twice only if SES accepted it and the write
 * marking it sent then failed or never happened (the function died between the two), and the record was not
 * updated either: a later attempt takes the expired claim over and sends it again.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  decide,
  eventsNotified,
  planNotices,
  policies,
  type Company,
  type Notice,
  type Recipient,
} from '../../domain';
import { config } from './env';
import { logger } from './logger';
import { sendEmail } from './mailer';
import { countEmailDelay, countLifecycleEvents, countReminderSent } from './metrics';
import { renderDigest } from '../notifications/templates';
import { secretHash, SessionRepository } from './repositories/sessions';
import type { CompanyRepository } from './repositories/company';
import type { StoredCompany } from './repositories/company-items';

const CLAIM_TTL_SECONDS = 400 * 86_400;

/** The sign-in link in a lifecycle email works once, within this many days (a reminder is read days later). */
export const EMAIL_LINK_DAYS = 7;

/** Created on first use: the table's name comes from the environment, read when a link is issued. */
let sessions: SessionRepository | undefined;

/** How long a claim is its claimer's: longer than the functions' timeout (30 s) and a task's (60 s). */
export const NOTICE_LEASE_MS = 120_000;

/** Emails claimed by another attempt that has not sent them yet: retried (workflows/retries.ts). */
export class NoticeInFlightError extends Error {
  constructor(
    readonly companyId: string,
    readonly claimKeys: string[],
  ) {
    super(`company ${companyId}: ${claimKeys.length} email(s) claimed by another attempt and not yet sent`);
    this.name = 'NoticeInFlightError';
  }
}

export function recipientAddress(company: Company, recipient: Recipient): string | null {
  switch (recipient) {
    case 'trainee':
      return company.trainee?.email ?? null;
    case 'contact':
      return company.contact.email;
    case 'ops':
      return config.opsEmail;
  }
}

export interface NotifyResult {
  stored: StoredCompany;
  /** Emails sent (one per person: everything due for them goes in one email). */
  sent: number;
  /** True when the mail service refused an email: the rest wait (the record's mailDelay says until when). */
  delayed?: boolean;
}

interface Outgoing {
  to: string;
  recipient: Recipient;
  recipients: Set<Recipient>;
  items: { notice: Notice; claimKey: string }[];
}

/**
 * Sends what the record calls for at `now` (domain planNotices): one email per person, listing every notice due
 * for them (each notice and recipient claimed, so none goes twice). A person already emailed today is held
 * until tomorrow. If the mail service refuses an email (throttling, an outage, any error), the claims are
 * released, the delay is recorded on the company (retried with backoff by the workflow) and the task goes on:
 * an email that cannot go yet never fails the company.
 */
export async function sendDueNotices(
  repo: CompanyRepository,
  stored: StoredCompany,
  now: string,
  options: {
    /**
     * What a refusal does: `wait` (record the delay; the workflow retries with backoff) or `throw` (the task's
     * own Retry sends it again: for the failure notice of a company whose workflow has ended).
     */
    onRefusal?: 'wait' | 'throw';
  } = {},
): Promise<NotifyResult> {
  const company = stored.company;
  const plan = planNotices(company, policies.forRegion(company.region), now);
  if (plan.due.length === 0) return { stored, sent: 0 };
  const waits = (options.onRefusal ?? 'wait') === 'wait';
  if (waits && company.mailDelay && Date.parse(company.mailDelay.retryAt) > Date.parse(now))
    return { stored, sent: 0 };
  const nowMs = Date.parse(now);
  const expiresAt = Math.floor(nowMs / 1000) + CLAIM_TTL_SECONDS;
  // This attempt's name on its claims: if its own claim write landed but the SDK retried it (the response was
  // lost) and the retry was refused, the claim is still recognised as this attempt's and the email goes out.
  const owner = randomUUID();
  const lease = { now: nowMs, ms: NOTICE_LEASE_MS, owner };
  // One email per address: a trainee who is also the contact gets one.
  const outgoing = new Map<string, Outgoing>();
  for (const notice of plan.due) {
    for (const recipient of new Set(notice.recipients)) {
      const to = recipientAddress(company, recipient);
      if (!to) continue;
      const address = to.toLowerCase();
      const out = outgoing.get(address) ?? { to, recipient, recipients: new Set(), items: [] };
      if (out.items.some((i) => i.notice.key === notice.key)) continue;
      out.recipients.add(recipient);
      out.items.push({ notice, claimKey: `${notice.key}|${recipient}` });
      outgoing.set(address, out);
    }
  }
  const inFlight: string[] = [];
  const emailed = new Set<Recipient>();
  let sent = 0;
  for (const out of outgoing.values()) {
    const claimed: { notice: Notice; claimKey: string }[] = [];
    for (const item of out.items) {
      if (!(await repo.claimNotification(company.companyId, item.claimKey, expiresAt, lease))) {
        const claim = await repo.notificationClaim(company.companyId, item.claimKey);
        // Sent, or claimed before claims had leases (then never taken over): not sent again.
        if (claim && (claim.sentAt !== undefined || claim.claimedAt === undefined)) continue;
        if (claim?.owner !== owner) {
          inFlight.push(item.claimKey);
          continue;
        }
      }
      claimed.push(item);
    }
    if (claimed.length === 0) continue;
    const notices = claimed.map((i) => i.notice);
    try {
      const link = await portalLink(company, out.recipient, now);
      await sendEmail(out.to, renderDigest(notices, company, out.recipient, link), {
        companyId: company.companyId,
        kind: notices.length === 1 ? (notices[0] as Notice).kind : 'digest',
        recipient: out.recipient,
      });
    } catch (e) {
      for (const item of claimed) await repo.releaseNotification(company.companyId, item.claimKey, owner);
      if (!waits) throw e;
      const stored_ = await recordDelay(repo, company.companyId, e as Error, now, [...emailed]);
      return { stored: stored_, sent, delayed: true };
    }
    sent += 1;
    for (const r of out.recipients) emailed.add(r);
    for (const n of notices) if (n.kind === 'reminder' || n.kind === 'opening') countReminderSent();
    for (const item of claimed) await markSent(repo, company.companyId, item.claimKey, nowMs, expiresAt);
  }
  if (inFlight.length > 0) throw new NoticeInFlightError(company.companyId, inFlight);
  const through = company.history.length;
  const reminderKeys = plan.due
    .filter((n) => n.kind === 'reminder' || n.kind === 'opening')
    .map((n) => n.key);
  // `through` is a position in the history this task read; historyDropped says how far a later cut moved it.
  const historyDropped = company.historyDropped ?? 0;
  let before: Company = company;
  const { stored: after } = await repo.mutate(company.companyId, (s) => {
    before = s.company;
    return decide(
      s.company,
      {
        type: 'recordNotifications',
        through,
        historyDropped,
        reminderKeys,
        held: plan.held,
        emailed: [...emailed],
      },
      { now, by: 'system' },
    );
  });
  if (company.mailDelay) countEmailDelay(nowMs - Date.parse(company.mailDelay.since));
  // The events this write moved the watermark past: each is counted once (the write is conditional).
  countLifecycleEvents(eventsNotified(before, after.company));
  return { stored: after, sent };
}

/** The mail service refused an email: record the delay (the workflow retries with backoff), and measure it. */
async function recordDelay(
  repo: CompanyRepository,
  companyId: string,
  error: Error,
  now: string,
  emailed: Recipient[],
): Promise<StoredCompany> {
  // Those emailed before the refusal were emailed today all the same (one email a day a person).
  const { stored } = await repo.mutate(companyId, (s) =>
    decide(s.company, { type: 'recordMailDelay', error: error.name, emailed }, { now, by: 'system' }),
  );
  const delay = stored.company.mailDelay;
  logger.warn('emails delayed: the mail service refused one', {
    companyId,
    error: error.name,
    attempts: delay?.attempts,
    retryAt: delay?.retryAt,
  });
  countEmailDelay(delay ? Date.parse(now) - Date.parse(delay.since) : 0);
  return stored;
}

/**
 * The link every lifecycle email carries: the portal, signed in as that person (a one-time sign-in token, valid
 * EMAIL_LINK_DAYS, stored only as its hash). Operations get the portal itself (they sign in with their key).
 */
export async function portalLink(company: Company, recipient: Recipient, now: string): Promise<string> {
  const base = config.publicApiUrl;
  if (recipient === 'ops') return `${base}/`;
  const token = randomBytes(32).toString('base64url');
  sessions ??= new SessionRepository();
  await sessions.putSignInToken(secretHash(token), {
    role: recipient === 'trainee' ? 'trainee' : 'company',
    companyId: company.companyId,
    expiresAt: new Date(Date.parse(now) + EMAIL_LINK_DAYS * 86_400_000).toISOString(),
  });
  return `${base}/#sign-in=${token}`;
}

/**
 * Marks a sent email's claim. Should the write fail, the email is sent all the same: the task goes on and
 * notes it on the record, after which it is never due again (it would be sent twice only if that write failed
 * too, and a later attempt found the claim expired).
 */
async function markSent(
  repo: CompanyRepository,
  companyId: string,
  claimKey: string,
  sentAt: number,
  expiresAt: number,
): Promise<void> {
  try {
    await repo.markNotificationSent(companyId, claimKey, sentAt, expiresAt);
  } catch (e) {
    logger.warn('email sent, but its claim could not be marked sent', {
      companyId,
      claimKey,
      error: (e as Error).name,
    });
  }
}
